import { useState } from "react";
import type { AgentRun } from "../client/index.js";
import { elapsedMs, etaLabel, formatDuration } from "./format.js";
import { ProgressBar } from "./progress-bar.js";

export interface RunProgressItemProps {
  run: AgentRun;
  now: number;
  onCancel?: (id: string) => Promise<void>;
}

/** One run in the tray: title, step, a live percent bar, elapsed, ETA and cancel. */
export function RunProgressItem({ run, now, onCancel }: RunProgressItemProps) {
  const [pending, setPending] = useState(false);
  const [failed, setFailed] = useState<string | null>(null);
  const eta = etaLabel(run);
  const stopping = run.cancelRequested || pending;

  const cancel = async () => {
    if (!onCancel) return;
    setPending(true);
    setFailed(null);
    try {
      await onCancel(run.id);
    } catch (error) {
      setFailed(error instanceof Error ? error.message : String(error));
    } finally {
      setPending(false);
    }
  };

  return (
    <li className="hw-item" data-run-id={run.id}>
      <div className="hw-item-head">
        <span className="hw-title" title={run.title}>
          {run.title}
        </span>
        {onCancel && (
          <button
            type="button"
            className="hw-button"
            data-variant="destructive"
            onClick={cancel}
            disabled={stopping}
            aria-label={stopping ? `Stopping ${run.title}` : `Cancel ${run.title}`}
          >
            {stopping ? "Stopping…" : "Cancel"}
          </button>
        )}
      </div>
      {run.step && (
        <div className="hw-step" title={run.step}>
          {run.step}
        </div>
      )}
      <ProgressBar percent={run.percent} label={run.title} />
      <div className="hw-meta">
        <span className="hw-percent">{run.percent === null ? "Working" : `${run.percent}%`}</span>
        <span>{formatDuration(elapsedMs(run, now))} elapsed</span>
        <span className="hw-spacer" />
        {eta && <span>{eta}</span>}
      </div>
      {failed && (
        <div className="hw-step" role="alert">
          {failed}
        </div>
      )}
    </li>
  );
}
