import type { AgentRun, HeadwayClient } from "../client/index.js";
import { elapsedMs, etaView, formatDuration } from "./format.js";
import { useProvidedClient } from "./headway-context.js";
import { attentionOf, stateLabel, summaryOf } from "./status-labels.js";
import { useHeadwayStyles } from "./styles.js";
import { useFirstPaintReport } from "./use-first-paint.js";
import { useNow } from "./use-now.js";
import { useProgressMark } from "./use-progress.js";

export interface StatusRowProps {
  run: AgentRun;
  /** Show the elapsed time once the run has taken this long. (Default: 3000) */
  elapsedAfterMs?: number;
  /**
   * Only for a run without `attention` (from an older server): without a
   * heartbeat for this long it is shown as stale. The server's `attention` wins
   * whenever the run has it. (Default: 120000, two minutes)
   */
  staleAfterMs?: number;
  /** Offers a Stop button; without it, the row only hints how to cancel when `cancelHint` is set. */
  onCancel?: (id: string) => void;
  /** Text telling how to stop the run, such as "Esc to stop". (Default: none) */
  cancelHint?: string;
  /** The current time, for tests and shared clocks. (Default: a clock ticking every second) */
  now?: number;
  /** Where to report the first paint of the run's answer text. (Default: the provider's client; none without one) */
  client?: HeadwayClient;
  /** Report first_text_to_paint to the server (see `useFirstPaintReport`). (Default: true) */
  reportPaint?: boolean;
  className?: string;
}

/**
 * A compact, stable-height status line for one run: the state, the active
 * tool or queue position, elapsed time once it matters, the time left
 * (counting down between writes) or how long the percent has not moved, and
 * at most two lines of detail. Only "needs input", failed and stale runs are
 * styled to draw the eye.
 */
export function StatusRow({
  run,
  elapsedAfterMs = 3000,
  staleAfterMs = 120_000,
  onCancel,
  cancelHint,
  now: fixedNow,
  client,
  reportPaint = true,
  className,
}: StatusRowProps) {
  useHeadwayStyles();
  useFirstPaintReport(run, useProvidedClient(client), reportPaint);
  const ticking = useNow(1000, fixedNow === undefined && run.status === "running");
  const now = fixedNow ?? ticking;
  const mark = useProgressMark(run);
  const attention = attentionOf(run, now, staleAfterMs);
  const eta = etaView(run, now, { mark, staleAfterMs });
  const label = stateLabel(run, attention);
  const summary = summaryOf(run);
  const elapsed = elapsedMs(run, now);
  const running = run.status === "running";
  const detail = run.step ?? run.title;

  return (
    <div
      className={`hw-root hw-status-row${className ? ` ${className}` : ""}`}
      role="status"
      aria-label={`${run.title}: ${label}`}
      data-attention={attention ?? undefined}
      data-done={running ? undefined : ""}
    >
      <div className="hw-status-line">
        <span className="hw-dot" aria-hidden="true" />
        <span className="hw-state">{label}</span>
        <span className="hw-summary">{summary ?? (run.percent !== null && running ? `${run.percent}%` : "")}</span>
        {elapsed >= elapsedAfterMs && <span className="hw-elapsed">{formatDuration(elapsed)}</span>}
        {eta.kind !== "hidden" && (
          <span className="hw-status-eta" data-eta={eta.kind}>
            {eta.text}
          </span>
        )}
        {running && !run.cancelRequested && onCancel && (
          <button type="button" className="hw-button" onClick={() => onCancel(run.id)} aria-label={`Stop ${run.title}`}>
            Stop
          </button>
        )}
        {running && !run.cancelRequested && !onCancel && cancelHint && <span className="hw-hint">{cancelHint}</span>}
      </div>
      <p className="hw-detail" title={detail}>
        {detail}
      </p>
    </div>
  );
}
