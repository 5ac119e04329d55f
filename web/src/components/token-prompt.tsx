import { useState } from "react";

/** Shown without a working token: how to get one, and a field to paste it. */
export function TokenPrompt({ problem, onToken }: { problem: string | null; onToken: (token: string) => void }) {
  const [value, setValue] = useState("");
  return (
    <div className="page narrow">
      <form
        className="card token-card"
        onSubmit={(event) => {
          event.preventDefault();
          if (value.trim()) onToken(value.trim());
        }}
      >
        <h1>Connect to Headway</h1>
        <p className="muted">
          Open the dashboard link that <code>headway serve</code> prints, or paste a token made with{" "}
          <code>headway tokens create --owner you@example.com</code>.
        </p>
        {problem && (
          <p className="error" role="alert">
            {problem}
          </p>
        )}
        <label className="field">
          <span>Access token</span>
          <input type="password" autoComplete="off" value={value} onChange={(event) => setValue(event.target.value)} />
        </label>
        <button type="submit" className="primary-button" disabled={!value.trim()}>
          Open dashboard
        </button>
      </form>
    </div>
  );
}
