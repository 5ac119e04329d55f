import { useState } from "react";
import type { AgentRun } from "../../../src/client/index.js";

export interface RunActionsProps {
  run: AgentRun;
  onCancel: () => Promise<void>;
  onDelete: () => Promise<void>;
}

/** Cancel while it runs; delete after a second click, since it cannot be undone. */
export function RunActions({ run, onCancel, onDelete }: RunActionsProps) {
  const [busy, setBusy] = useState<"cancel" | "delete" | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  const act = async (kind: "cancel" | "delete", action: () => Promise<void>) => {
    setBusy(kind);
    setProblem(null);
    try {
      await action();
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(null);
      setConfirming(false);
    }
  };

  const running = run.status === "running";
  return (
    <div className="actions">
      {problem && (
        <span className="error" role="alert">
          {problem}
        </span>
      )}
      {running && (
        <button
          type="button"
          className="outline-button"
          disabled={run.cancelRequested || busy !== null}
          onClick={() => act("cancel", onCancel)}
        >
          {run.cancelRequested ? "Stopping…" : busy === "cancel" ? "Cancelling…" : "Cancel run"}
        </button>
      )}
      {confirming ? (
        <>
          <button type="button" className="ghost-button" onClick={() => setConfirming(false)}>
            Keep
          </button>
          <button
            type="button"
            className="danger-button"
            disabled={busy !== null}
            onClick={() => act("delete", onDelete)}
          >
            {busy === "delete" ? "Deleting…" : "Delete for good"}
          </button>
        </>
      ) : (
        <button type="button" className="ghost-button" onClick={() => setConfirming(true)}>
          Delete
        </button>
      )}
    </div>
  );
}
