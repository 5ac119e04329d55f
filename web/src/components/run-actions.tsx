import { useEffect, useRef, useState } from "react";
import type { AgentRun } from "../../../src/client/index.js";

export interface RunActionsProps {
  run: AgentRun;
  onCancel: () => Promise<void>;
  onDelete: () => Promise<void>;
}

type Asking = "cancel" | "delete" | null;

/**
 * Cancel while it runs and delete after it: each asks once before acting,
 * since neither can be undone. Focus stays with the buttons throughout: on the
 * question's answer while asked, back on the button that asked afterwards.
 */
export function RunActions({ run, onCancel, onDelete }: RunActionsProps) {
  const [busy, setBusy] = useState<"cancel" | "delete" | null>(null);
  const [asking, setAsking] = useState<Asking>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const cancelButton = useRef<HTMLButtonElement>(null);
  const deleteButton = useRef<HTMLButtonElement>(null);
  const returnTo = useRef<"cancel" | "delete" | null>(null);

  useEffect(() => {
    if (asking) {
      confirmButton.current?.focus();
      return;
    }
    const target = returnTo.current;
    returnTo.current = null;
    if (target === "cancel") (cancelButton.current ?? deleteButton.current)?.focus();
    if (target === "delete") deleteButton.current?.focus();
  }, [asking]);

  const ask = (kind: Asking) => {
    setProblem(null);
    setAsking(kind);
  };
  const dismiss = (kind: "cancel" | "delete") => {
    returnTo.current = kind;
    setAsking(null);
  };

  const act = async (kind: "cancel" | "delete", action: () => Promise<void>) => {
    setBusy(kind);
    setProblem(null);
    returnTo.current = kind;
    try {
      await action();
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(null);
      setAsking(null);
    }
  };

  const running = run.status === "running";
  const stopping = run.cancelRequested || busy === "cancel";

  // When the run ends, "Stopping…" goes away; focus on it moves to Delete instead of dropping to <body>.
  const wasRunning = useRef(running);
  useEffect(() => {
    const ended = wasRunning.current && !running;
    wasRunning.current = running;
    if (ended && (document.activeElement === document.body || document.activeElement === null)) {
      deleteButton.current?.focus();
    }
  }, [running]);

  if (asking) {
    const cancel = asking === "cancel";
    return (
      <fieldset className="actions confirm" aria-label={cancel ? "Confirm cancel" : "Confirm delete"}>
        <span className="confirm-question">
          {cancel ? "Stop this run? The agent stops at its next update." : "Delete this run for good?"}
        </span>
        <button type="button" className="ghost-button" onClick={() => dismiss(asking)} disabled={busy !== null}>
          {cancel ? "Keep running" : "Keep"}
        </button>
        <button
          ref={confirmButton}
          type="button"
          className="danger-button"
          aria-disabled={busy !== null}
          onClick={() => {
            if (busy === null) void act(asking, cancel ? onCancel : onDelete);
          }}
        >
          {busy === "cancel"
            ? "Cancelling…"
            : busy === "delete"
              ? "Deleting…"
              : cancel
                ? "Stop run"
                : "Delete for good"}
        </button>
      </fieldset>
    );
  }

  return (
    <div className="actions">
      {problem && (
        <span className="error" role="alert">
          {problem}
        </span>
      )}
      {running && (
        // aria-disabled, not disabled: a disabled button drops keyboard focus to <body>.
        <button
          ref={cancelButton}
          type="button"
          className="outline-button"
          aria-disabled={stopping}
          onClick={() => {
            if (!stopping) ask("cancel");
          }}
        >
          {stopping ? "Stopping…" : "Cancel run"}
        </button>
      )}
      {/* Beside Cancel it is the quieter choice; alone, it still looks like a button. */}
      <button
        ref={deleteButton}
        type="button"
        className={running ? "ghost-button" : "outline-button"}
        onClick={() => ask("delete")}
      >
        Delete
      </button>
    </div>
  );
}
