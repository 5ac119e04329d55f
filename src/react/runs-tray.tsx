import { type MouseEvent, useCallback, useEffect, useId, useLayoutEffect, useRef, useState } from "react";
import type { AgentRun } from "../client/index.js";
import { focusNear, type Place, placeOf } from "./focus-fallback.js";
import { useHeadwayClient } from "./headway-context.js";
import { AlertIcon, CheckIcon, FailedIcon, SpinnerIcon, StoppedIcon } from "./icons.js";
import { RunProgressItem } from "./run-progress-item.js";
import { type Attention, attentionOf } from "./status-labels.js";
import { useHeadwayStyles } from "./styles.js";
import { useDismissablePopover, useKeepInViewport } from "./use-in-viewport.js";
import { useNow } from "./use-now.js";
import { useProgressMarks } from "./use-progress.js";
import { type KeepFinished, type UseRunsOptions, useRuns } from "./use-runs.js";

/** A failure stays a minute, a cancel a little, a success a moment: long enough to be seen, not to clutter. */
export const DEFAULT_KEEP_FINISHED_MS = Object.freeze({ failed: 60_000, cancelled: 15_000, succeeded: 5_000 });

export interface RunsTrayProps extends Omit<UseRunsOptions, "holdEnded"> {
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
  /**
   * How long a run that ends stays in the tray with its outcome, in ms, per
   * status or one number for all; nothing leaves while the dropdown is open.
   * (Default: `{ failed: 60_000, cancelled: 15_000, succeeded: 5_000 }`)
   */
  keepFinishedMs?: KeepFinished;
  /**
   * Where focus goes when the tray goes away with focus in it (the last run
   * left). (Default: the next focusable element after the tray, such as a bell
   * beside it, else the one before)
   */
  onEmptyFocus?: () => HTMLElement | null | undefined;
  /** Report first_text_to_paint when a row first shows a run's answer text (see `useFirstPaintReport`). (Default: true) */
  reportPaint?: boolean;
  className?: string;
}

const plural = (n: number) => `${n} ${n === 1 ? "run" : "runs"} in progress`;

/** "1 run failed", "2 runs done", "3 runs ended: 1 failed, 2 done". */
function endedSummary(ended: readonly AgentRun[]): string {
  const count = (status: AgentRun["status"]) => ended.filter((run) => run.status === status).length;
  const parts = (
    [
      ["failed", count("failed")],
      ["cancelled", count("cancelled")],
      ["done", count("succeeded")],
    ] as const
  ).filter(([, n]) => n > 0);
  const runs = (n: number) => `${n} ${n === 1 ? "run" : "runs"}`;
  if (parts.length === 1) return `${runs(parts[0]![1])} ${parts[0]![0]}`;
  return `${runs(ended.length)} ended: ${parts.map(([word, n]) => `${n} ${word}`).join(", ")}`;
}

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
 * at all when none are; it opens a dropdown with one live bar per run. A run
 * that ends stays a while with its outcome (a failure a minute, in red)
 * instead of vanishing; when the last one leaves with focus in the tray,
 * focus moves next door rather than to <body>.
 */
export function RunsTray({
  align = "end",
  allowCancel = true,
  heading = "In progress",
  runHref,
  onOpenRun,
  keepFinishedMs = DEFAULT_KEEP_FINISHED_MS,
  onEmptyFocus,
  reportPaint = true,
  className,
  ...options
}: RunsTrayProps) {
  useHeadwayStyles();
  const client = useHeadwayClient(options);
  const [open, setOpen] = useState(false);
  const closePanel = useCallback(() => setOpen(false), []);
  const {
    runs: all,
    ended: allEnded,
    cancel,
    dismiss,
    error,
    failing: refused,
    retry,
  } = useRuns({ ...options, keepFinishedMs, holdEnded: open });
  // Child runs roll up into their parent's bar; one shows alone only when its parent is not in the tray.
  const inTray = (id: string) => all.some((run) => run.id === id) || allEnded.some((run) => run.id === id);
  const runs = all.filter((run) => !run.parentId || !all.some((parent) => parent.id === run.parentId));
  const ended = allEnded.filter((run) => !run.parentId || !inTray(run.parentId));
  const failedCount = ended.filter((run) => run.status === "failed").length;
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
  const shown = active || ended.length > 0;
  // A refusal, or a server that never answered: say so rather than show nothing and keep quiet.
  const failing = !shown && refused;
  const visible = shown || failing;
  // Where the tray stands, and whether focus is in it: when it goes, focus goes next door, not to <body>.
  const place = useRef<Place>({ parent: null, next: null });
  const focusInside = useRef(false);
  useLayoutEffect(() => {
    if (visible) place.current = placeOf(root.current);
  });
  useEffect(() => {
    const el = root.current;
    if (!visible || !el) return;
    const onFocusIn = () => {
      focusInside.current = true;
    };
    const onFocusOut = (event: FocusEvent) => {
      const to = event.relatedTarget as Node | null;
      if (to) {
        if (!el.contains(to)) focusInside.current = false;
        return;
      }
      // Focus went nowhere: the tray is going (then it still counts as in it) or the person clicked away.
      setTimeout(() => {
        if (el.isConnected && !el.contains(document.activeElement)) focusInside.current = false;
      });
    };
    el.addEventListener("focusin", onFocusIn);
    el.addEventListener("focusout", onFocusOut);
    return () => {
      el.removeEventListener("focusin", onFocusIn);
      el.removeEventListener("focusout", onFocusOut);
    };
  }, [visible]);

  useEffect(() => {
    if (visible) return;
    setOpen(false);
    if (!focusInside.current) return;
    focusInside.current = false;
    if (document.activeElement && document.activeElement !== document.body) return;
    const chosen = onEmptyFocus?.();
    if (chosen) chosen.focus();
    else focusNear(place.current);
  }, [visible, onEmptyFocus]);

  // A row that leaves (or turns from running to ended) takes its focus with it: focus goes to the panel, not to <body>.
  const rows = runs.map((run) => run.id).join() + ended.map((run) => `~${run.id}`).join();
  useEffect(() => {
    // rows is read so that every row that leaves or changes re-checks where focus is.
    if (open && rows !== null && (document.activeElement === document.body || document.activeElement === null)) {
      panel.current?.focus();
    }
  }, [open, rows]);

  useKeepInViewport(panel, open);

  useDismissablePopover({ open, close: closePanel, root, panel, trigger });

  if (!visible) return null;
  const problem = error?.message ?? "The progress server did not answer.";
  // What the button says beyond its name: runs needing a person, runs that just failed.
  const notes = [
    attention ? (needing === 1 ? "1 needs attention" : `${needing} need attention`) : null,
    active && failedCount > 0 ? `${failedCount} failed` : null,
  ].filter(Boolean);
  const outcome =
    failedCount > 0 ? "failed" : ended.some((run) => run.status === "cancelled") ? "cancelled" : "succeeded";
  const label = failing ? "Progress unavailable" : active ? plural(runs.length) : endedSummary(ended);

  return (
    <div ref={root} className={`hw-root hw-tray${className ? ` ${className}` : ""}`}>
      <button
        ref={trigger}
        type="button"
        className="hw-trigger"
        aria-haspopup="dialog"
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        aria-label={label}
        aria-describedby={!failing && notes.length > 0 ? attentionId : undefined}
        data-error={failing ? "" : undefined}
        data-attention={!failing && attention ? attention : undefined}
        data-outcome={!failing && !active ? outcome : undefined}
        onClick={() => setOpen((was) => !was)}
      >
        {failing ? (
          <AlertIcon />
        ) : active ? (
          <>
            <span className="hw-spinner-wrap">
              <SpinnerIcon />
              {/* A run that just failed is still in the dropdown: a red dot says so; the count stays the running runs'. */}
              {failedCount > 0 && <span className="hw-failed-dot" aria-hidden="true" />}
            </span>
            <span className="hw-badge" aria-hidden="true" data-attention={attention ?? undefined}>
              {runs.length}
            </span>
          </>
        ) : outcome === "failed" ? (
          <FailedIcon />
        ) : outcome === "cancelled" ? (
          <StoppedIcon />
        ) : (
          <CheckIcon />
        )}
        {!failing && notes.length > 0 && (
          <span id={attentionId} className="hw-visually-hidden">
            {notes.join(", ")}
          </span>
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
            {!failing && <small>{active ? plural(runs.length) : "Nothing running now"}</small>}
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
              {ended.map((run) => (
                <RunProgressItem
                  key={run.id}
                  run={run}
                  now={now}
                  href={runHref?.(run)}
                  onDismiss={dismiss}
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
