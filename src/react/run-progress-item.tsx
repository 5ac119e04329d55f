import { type MouseEvent, useEffect, useRef, useState } from "react";
import type { AgentRun, HeadwayClient } from "../client/index.js";
import type { ProgressMark } from "../core/run-display.js";
import { elapsedMs, etaText, etaView, formatDuration } from "./format.js";
import { CloseIcon } from "./icons.js";
import { ProgressBar } from "./progress-bar.js";
import { attentionOf, stateLabel } from "./status-labels.js";
import { useFirstPaintReport } from "./use-first-paint.js";
import { useProgressMark } from "./use-progress.js";

export interface RunProgressItemProps {
  run: AgentRun;
  now: number;
  onCancel?: (id: string) => Promise<void>;
  /** What was seen of the run's earlier updates (`useProgressMarks`). (Default: what this item has seen itself) */
  mark?: ProgressMark;
  /** Makes the title a link to the run's page. */
  href?: string;
  /** A plain click on that link (no modifier key); call `event.preventDefault()` to navigate in place. */
  onOpen?: (run: AgentRun, event: MouseEvent<HTMLAnchorElement>) => void;
  /** For a run that ended: takes it out of the list before its time (a button with a cross). */
  onDismiss?: (id: string) => void;
  /** Where to report the first paint of the run's answer text (see `useFirstPaintReport`). (Default: nowhere) */
  client?: HeadwayClient;
}

const OUTCOME = { succeeded: "Done", failed: "Failed", cancelled: "Cancelled" } as const;

/**
 * One run in the tray: title, step, a live percent bar, elapsed, ETA and
 * cancel. Cancel asks once ("Stop it?") before it acts, and focus stays on
 * the row's buttons throughout, never dropping to the page. A run that ended
 * shows how: "Failed" (in the destructive colour) with its last step, how
 * long it took, and a button to dismiss it.
 */
export function RunProgressItem(props: RunProgressItemProps) {
  return props.run.status === "running" ? <RunningItem {...props} /> : <EndedItem {...props} />;
}

function RunTitle({ run, href, onOpen }: Pick<RunProgressItemProps, "run" | "href" | "onOpen">) {
  return href ? (
    <a
      className="hw-title hw-link"
      href={href}
      title={run.title}
      onClick={(event) => {
        if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        onOpen?.(run, event);
      }}
    >
      {run.title}
    </a>
  ) : (
    <span className="hw-title" title={run.title}>
      {run.title}
    </span>
  );
}

function EndedItem({ run, href, onOpen, onDismiss }: RunProgressItemProps) {
  const outcome = OUTCOME[run.status as keyof typeof OUTCOME];
  return (
    <li className="hw-item" data-run-id={run.id} data-status={run.status}>
      <div className="hw-item-head">
        <RunTitle run={run} href={href} onOpen={onOpen} />
        {onDismiss && (
          <button
            type="button"
            className="hw-button hw-icon-button"
            aria-label={`Dismiss ${run.title}`}
            title="Dismiss"
            onClick={() => onDismiss(run.id)}
          >
            <CloseIcon />
          </button>
        )}
      </div>
      {run.step && (
        <div className="hw-step hw-outcome-step" title={run.step}>
          {run.step}
        </div>
      )}
      {run.percent !== null && <ProgressBar percent={run.percent} label={`${run.title}, ${outcome.toLowerCase()}`} />}
      <div className="hw-meta">
        <span className="hw-percent hw-outcome" data-status={run.status}>
          {outcome}
          {run.percent !== null && run.status !== "succeeded" ? ` at ${run.percent}%` : ""}
        </span>
        <span>took {formatDuration(elapsedMs(run, Date.parse(run.completedAt ?? run.updatedAt)))}</span>
      </div>
    </li>
  );
}

function RunningItem({ run, now, onCancel, mark: givenMark, href, onOpen, client }: RunProgressItemProps) {
  const [pending, setPending] = useState(false);
  const [asking, setAsking] = useState(false);
  const [failed, setFailed] = useState<string | null>(null);
  const cancelButton = useRef<HTMLButtonElement>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const focusAfter = useRef<"confirm" | "cancel" | null>(null);
  const ownMark = useProgressMark(run);
  useFirstPaintReport(run, client);
  const attention = attentionOf(run, now);
  const eta = etaView(run, now, { mark: givenMark ?? ownMark });
  // No time left for a silent run; with a percent in the first slot, the last one says why.
  const etaWords = etaText(eta) ?? (attention === "stale" && run.percent !== null ? "not responding" : null);
  const stopping = run.cancelRequested || pending;

  useEffect(() => {
    const target = focusAfter.current;
    focusAfter.current = null;
    if (target === "confirm") confirmButton.current?.focus();
    if (target === "cancel") cancelButton.current?.focus();
  });

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
      setAsking(false);
      focusAfter.current = "cancel";
    }
  };

  return (
    <li className="hw-item" data-run-id={run.id} data-attention={attention ?? undefined}>
      <div className="hw-item-head">
        <RunTitle run={run} href={href} onOpen={onOpen} />
        {onCancel && !asking && (
          // aria-disabled, not disabled: a disabled button drops keyboard focus to <body>.
          <button
            ref={cancelButton}
            type="button"
            className="hw-button"
            data-variant="destructive"
            onClick={() => {
              if (stopping) return;
              focusAfter.current = "confirm";
              setAsking(true);
            }}
            aria-disabled={stopping}
            aria-label={stopping ? `Stopping ${run.title}` : `Cancel ${run.title}`}
          >
            {stopping ? "Stopping…" : "Cancel"}
          </button>
        )}
      </div>
      {asking && (
        <fieldset className="hw-confirm" aria-label={`Confirm: stop ${run.title}`}>
          <span>Stop this run?</span>
          <button
            type="button"
            className="hw-button"
            onClick={() => {
              focusAfter.current = "cancel";
              setAsking(false);
            }}
            aria-label={`Keep ${run.title} running`}
          >
            Keep
          </button>
          <button
            ref={confirmButton}
            type="button"
            className="hw-button"
            data-variant="destructive"
            aria-disabled={pending}
            aria-label={`Stop ${run.title}`}
            onClick={() => {
              if (!pending) void cancel();
            }}
          >
            {pending ? "Stopping…" : "Stop"}
          </button>
        </fieldset>
      )}
      {run.step && (
        <div className="hw-step" title={run.step}>
          {run.step}
        </div>
      )}
      <ProgressBar percent={run.percent} label={run.title} />
      <div className="hw-meta">
        {/* Without a percent, the run's state says what it is doing ("Needs your input", "Running tool"). */}
        <span className="hw-percent" data-attention={attention ?? undefined}>
          {run.percent === null ? stateLabel(run, attention) : `${run.percent}%`}
        </span>
        <span>{formatDuration(elapsedMs(run, now))} elapsed</span>
        <span className="hw-spacer" />
        {etaWords && (
          <span className="hw-eta" data-eta={eta.kind === "hidden" ? eta.reason : eta.kind}>
            {etaWords}
          </span>
        )}
      </div>
      {failed && (
        <div className="hw-step" role="alert">
          {failed}
        </div>
      )}
    </li>
  );
}
