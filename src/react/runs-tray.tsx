import { type MouseEvent, useEffect, useId, useLayoutEffect, useRef, useState } from "react";
import type { AgentRun } from "../client/index.js";
import { useHeadwayClient } from "./headway-context.js";
import { AlertIcon, SpinnerIcon } from "./icons.js";
import { RunProgressItem } from "./run-progress-item.js";
import { type Attention, attentionOf } from "./status-labels.js";
import { useHeadwayStyles } from "./styles.js";
import { useNow } from "./use-now.js";
import { useProgressMarks } from "./use-progress.js";
import { type UseRunsOptions, useRuns } from "./use-runs.js";

export interface RunsTrayProps extends UseRunsOptions {
  /** Which edge of the trigger the dropdown lines up with. (Default: "end", for a header's right side) */
  align?: "start" | "end";
  /** Offer a cancel button per run. (Default: true) */
  allowCancel?: boolean;
  /** Heading of the dropdown. (Default: "In progress") */
  heading?: string;
  /**
   * The address of a run's page (in your dashboard, say); each run's title in
   * the dropdown links there. Without it, or when it returns undefined, titles are plain text.
   */
  runHref?: (run: AgentRun) => string | undefined;
  /**
   * Called on a plain click of a run's link, after the dropdown closes; call
   * `event.preventDefault()` to navigate in place (a client-side router).
   */
  onOpenRun?: (run: AgentRun, event: MouseEvent<HTMLAnchorElement>) => void;
  /** Report first_text_to_paint when a row first shows a run's answer text (see `useFirstPaintReport`). (Default: true) */
  reportPaint?: boolean;
  className?: string;
}

const plural = (n: number) => `${n} ${n === 1 ? "run" : "runs"} in progress`;

/** The most pressing attention among running runs: a person is needed before a silence. */
function trayAttention(runs: readonly AgentRun[], now: number): { attention: Attention | null; count: number } {
  let attention: Attention | null = null;
  let count = 0;
  for (const run of runs) {
    const found = attentionOf(run, now);
    if (!found) continue;
    count++;
    if (found === "action_required" || attention === null) attention = found;
  }
  return { attention, count };
}

/**
 * A header widget for the owner's running work, made to sit next to a
 * notifications bell: a spinner and a count while runs are active, nothing
 * at all when none are; it opens a dropdown with one live bar per run.
 */
export function RunsTray({
  align = "end",
  allowCancel = true,
  heading = "In progress",
  runHref,
  onOpenRun,
  reportPaint = true,
  className,
  ...options
}: RunsTrayProps) {
  useHeadwayStyles();
  const { runs: all, cancel, error, failing: refused, retry } = useRuns(options);
  const client = useHeadwayClient(options);
  // Child runs roll up into their parent's bar; one shows alone only when its parent is not running.
  const runs = all.filter((run) => !run.parentId || !all.some((parent) => parent.id === run.parentId));
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const trigger = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  const panelId = useId();
  const attentionId = useId();
  // The clock ticks while the dropdown is open (countdowns), or while a run's staleness is worked out here.
  const now = useNow(1000, open || all.some((run) => run.attention === undefined));
  // Remembered across updates while the tray is mounted, not only while open: a stall is seen from the start.
  const marks = useProgressMarks(all);
  const { attention, count: needing } = trayAttention(all, now);
  const active = runs.length > 0;
  // A refusal, or a server that never answered: say so rather than show nothing and keep quiet.
  const failing = !active && refused;
  const visible = active || failing;

  useEffect(() => {
    if (!visible) setOpen(false);
  }, [visible]);

  // A run that ends leaves the list; focus that was on its row goes to the panel, not to <body>.
  useEffect(() => {
    // runs.length is read so that every row that leaves re-checks where focus is.
    if (open && runs.length >= 0 && (document.activeElement === document.body || document.activeElement === null)) {
      panel.current?.focus();
    }
  }, [open, runs.length]);

  // The panel stays inside the viewport whatever the trigger's place in the header (a phone, say).
  useLayoutEffect(() => {
    const el = panel.current;
    if (!open || !el) return;
    const place = () => {
      el.style.transform = "";
      const box = el.getBoundingClientRect();
      const margin = 8;
      let dx = 0;
      if (box.right > window.innerWidth - margin) dx = window.innerWidth - margin - box.right;
      if (box.left + dx < margin) dx = margin - box.left;
      if (dx !== 0) el.style.transform = `translateX(${Math.round(dx)}px)`;
    };
    place();
    window.addEventListener("resize", place);
    return () => window.removeEventListener("resize", place);
  }, [open]);

  useEffect(() => {
    if (!open) return;
    panel.current?.focus();
    const onPointerDown = (event: PointerEvent) => {
      if (root.current && !root.current.contains(event.target as Node)) setOpen(false);
    };
    // Escape closes from anywhere, as with any popover, and hands focus back to the trigger.
    const onKeyDown = (event: globalThis.KeyboardEvent) => {
      if (event.key !== "Escape") return;
      setOpen(false);
      trigger.current?.focus();
    };
    document.addEventListener("pointerdown", onPointerDown);
    document.addEventListener("keydown", onKeyDown);
    return () => {
      document.removeEventListener("pointerdown", onPointerDown);
      document.removeEventListener("keydown", onKeyDown);
    };
  }, [open]);

  if (!visible) return null;
  const problem = error?.message ?? "The progress server did not answer.";

  return (
    <div ref={root} className={`hw-root hw-tray${className ? ` ${className}` : ""}`}>
      <button
        ref={trigger}
        type="button"
        className="hw-trigger"
        aria-haspopup="dialog"
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        aria-label={failing ? "Progress unavailable" : plural(runs.length)}
        aria-describedby={!failing && attention ? attentionId : undefined}
        data-error={failing ? "" : undefined}
        data-attention={!failing && attention ? attention : undefined}
        onClick={() => setOpen((was) => !was)}
      >
        {failing ? (
          <AlertIcon />
        ) : (
          <>
            <SpinnerIcon />
            <span className="hw-badge" aria-hidden="true" data-attention={attention ?? undefined}>
              {runs.length}
            </span>
            {attention && (
              <span id={attentionId} className="hw-visually-hidden">
                {needing === 1 ? "1 needs attention" : `${needing} need attention`}
              </span>
            )}
          </>
        )}
      </button>
      {open && (
        <div
          ref={panel}
          id={panelId}
          className="hw-panel"
          role="dialog"
          aria-label={heading}
          data-align={align}
          tabIndex={-1}
        >
          <div className="hw-panel-header">
            <span>{heading}</span>
            {!failing && <small>{plural(runs.length)}</small>}
          </div>
          {failing ? (
            <div className="hw-error" role="alert">
              <p>Progress is unavailable: {problem}</p>
              <div>
                <button
                  type="button"
                  className="hw-button"
                  onClick={() => {
                    setOpen(false);
                    trigger.current?.focus();
                    retry();
                  }}
                >
                  Try again
                </button>
              </div>
            </div>
          ) : (
            <ul className="hw-list">
              {runs.map((run) => (
                <RunProgressItem
                  key={run.id}
                  run={run}
                  now={now}
                  mark={marks.get(run.id)}
                  onCancel={allowCancel ? cancel : undefined}
                  href={runHref?.(run)}
                  client={reportPaint ? client : undefined}
                  onOpen={(opened, event) => {
                    setOpen(false);
                    trigger.current?.focus();
                    onOpenRun?.(opened, event);
                  }}
                />
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
