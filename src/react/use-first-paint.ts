import { useEffect, useLayoutEffect, useRef } from "react";
import { type AgentRun, type HeadwayClient, receivedAt } from "../client/index.js";

/**
 * first_text_to_paint, measured in the page and reported once per run per
 * page: from the moment the first copy of a run carrying answer text reached
 * the page (the client stamps every run it parses) to the first frame that
 * showed it. Only the page's own clock is used — the server's and the
 * browser's clocks are not comparable, so delivery time (server to page) is
 * not in it; the server has its own `submitToFirstTextMs` for that side.
 *
 * What is honest to report, and so what is not reported:
 * - a component that first got the run with its text already there (a page
 *   opened mid-answer, a tray opened later) did not see the text arrive;
 * - a page hidden at any moment between arrival and paint did not paint for
 *   the person (browsers pause frames in background tabs): that wait is the
 *   person looking away, not the interface being slow;
 * - a run that ended: the server keeps diagnostics of running runs only.
 */

/** Runs this page reported (or gave up on), per server: once per run per page. */
const settled = new Set<string>();
/** When the page was last hidden (`performance.now()` time). */
let hiddenAt = Number.NEGATIVE_INFINITY;
let watchingVisibility = false;

const clock = () => (typeof performance === "undefined" ? Date.now() : performance.now());
// Layout effects run after React changed the DOM and before the browser paints it; on a server there is no paint.
const useCommitEffect = typeof window === "undefined" ? useEffect : useLayoutEffect;

function watchVisibility(): void {
  if (watchingVisibility || typeof document === "undefined") return;
  watchingVisibility = true;
  if (document.visibilityState === "hidden") hiddenAt = clock();
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") hiddenAt = clock();
  });
}

/** Whether the run's answer text has started: it is streaming, or the server knows when text started; and there is text to show. */
export function hasAnswerText(run: AgentRun): boolean {
  if (!run.step) return false;
  return run.state === "streaming" || (run.diagnostics?.submitToFirstTextMs ?? null) !== null;
}

/**
 * Calls `then` once the frame that shows what React just committed has been
 * painted: a frame callback runs before that paint, a task queued from it after.
 */
function afterNextPaint(then: () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (typeof requestAnimationFrame !== "function") {
    timer = setTimeout(then, 16);
    return () => clearTimeout(timer);
  }
  const frame = requestAnimationFrame(() => {
    timer = setTimeout(then, 0);
  });
  return () => {
    cancelAnimationFrame(frame);
    clearTimeout(timer);
  };
}

type Seen = { id: string; phase: "watching" | "done" } | { id: string; phase: "text"; arrivedAt: number };

/**
 * Reports `firstTextToPaintMs` for `run` through `client` the first time this
 * component paints the run's answer text after having shown the run without
 * it. `StatusRow` and the tray's rows call it; use it in your own run views.
 * Without a client (or with `enabled` false) it does nothing.
 */
export function useFirstPaintReport(run: AgentRun, client: HeadwayClient | null | undefined, enabled = true): void {
  const seen = useRef<Seen | null>(null);
  useCommitEffect(() => {
    // No page (React Native, a test renderer without a DOM): no paint to time.
    if (!enabled || !client || typeof client.reportDiagnostics !== "function" || typeof document === "undefined")
      return;
    const key = `${client.options.root}\u0000${run.id}`;
    let state = seen.current?.id === run.id ? seen.current : null;
    if (!state) {
      watchVisibility();
      // The first copy this component shows: it witnesses the text's arrival only if the text has not come yet.
      state = { id: run.id, phase: hasAnswerText(run) || run.status !== "running" ? "done" : "watching" };
    } else if (state.phase === "watching" && hasAnswerText(run)) {
      // Stamped by the client when it parsed the copy; a run handed in from elsewhere counts from this commit.
      const arrivedAt = receivedAt(run) ?? clock();
      const visible = document.visibilityState === "visible" && hiddenAt < arrivedAt;
      state = visible ? { id: run.id, phase: "text", arrivedAt } : { id: run.id, phase: "done" };
      if (!visible) settled.add(key);
    }
    seen.current = state;
    if (state.phase !== "text" || settled.has(key)) return;
    const { arrivedAt } = state;
    // A newer copy re-runs this effect before the paint: the pending measurement is dropped and taken again
    // from the same arrival, so what is measured is the first text's arrival to the first frame with text.
    return afterNextPaint(() => {
      seen.current = { id: run.id, phase: "done" };
      if (settled.has(key)) return;
      settled.add(key);
      if (run.status !== "running" || hiddenAt >= arrivedAt || document.visibilityState !== "visible") return;
      const firstTextToPaintMs = Math.max(0, clock() - arrivedAt);
      // A report that fails (the run ended meanwhile, the network) is not the person's problem, and is not retried.
      client.reportDiagnostics(run.id, { firstTextToPaintMs }).catch(() => {});
    });
  }, [client, enabled, run]);
}
