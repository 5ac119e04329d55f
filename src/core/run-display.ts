import { formatDuration } from "./durations.js";
import { type AgentRun, RUN_ATTENTIONS, type RunAttention } from "./types.js";

/**
 * How clients show a run's attention and time left: one rule for the
 * dashboard, `headway/react` and `headway watch`. Pure: the caller passes the
 * time and, when it has one, what it remembers of the run's earlier updates.
 */

/** Silent this long (no heartbeat), a run from a server that does not send `attention` is shown as stale. */
export const FALLBACK_STALE_AFTER_MS = 120_000;
/** Under this much time left, the countdown says "almost done" and goes no lower. */
export const ALMOST_DONE_MS = 5000;
/** A percent unmoved across at least this many later writes… */
export const STALL_AFTER_WRITES = 2;
/** …and for at least this long (or twice the run's last pace, if longer) is a stall. */
export const STALL_AFTER_MS = 30_000;

type AttentionFields = Pick<AgentRun, "status" | "state" | "heartbeatAt"> & { attention?: RunAttention };

/**
 * What should draw a person's eye to a run: the server's `attention` as
 * served. Only a run object without the field (from an older server) has it
 * worked out here, from its heartbeat (stale once silent past `staleAfterMs`).
 */
export function displayedAttention(
  run: AttentionFields,
  now: number,
  staleAfterMs = FALLBACK_STALE_AFTER_MS,
): RunAttention {
  const served = run.attention;
  if (served === null || (RUN_ATTENTIONS as readonly unknown[]).includes(served)) return served ?? null;
  if (run.status === "failed" || run.state === "failed") return "failed";
  if (run.status !== "running") return null;
  if (run.state === "action_required") return "action_required";
  return now - Date.parse(run.heartbeatAt) > staleAfterMs ? "stale" : null;
}

/** What a client remembers of a run's percent across the updates it saw (see `trackProgress`). */
export interface ProgressMark {
  percent: number | null;
  /** When the percent last moved, as far as seen: the `updatedAt` (epoch ms) of the write that moved it. */
  movedAt: number;
  /** The `updatedAt` (epoch ms) of the latest write seen. */
  lastWriteAt: number;
  /** Writes seen since the percent last moved that left it where it was. */
  stillWrites: number;
  /** How long the percent's last move took after the one before, when both were seen: the run's pace. */
  paceMs: number | null;
}

type TrackedFields = Pick<AgentRun, "percent" | "updatedAt">;

/**
 * Folds one copy of a run into what is remembered of it. Every write moves
 * `updatedAt`; a write whose percent equals the last one is a still write.
 * The same or an older copy changes nothing (the same mark comes back), so
 * it is safe to call on every render.
 */
export function trackProgress(mark: ProgressMark | undefined, run: TrackedFields): ProgressMark {
  const at = Date.parse(run.updatedAt);
  if (!mark) return { percent: run.percent, movedAt: at, lastWriteAt: at, stillWrites: 0, paceMs: null };
  if (!(at > mark.lastWriteAt)) return mark;
  if (run.percent === mark.percent) return { ...mark, lastWriteAt: at, stillWrites: mark.stillWrites + 1 };
  const moved = mark.percent !== null && run.percent !== null && run.percent > mark.percent;
  return {
    percent: run.percent,
    movedAt: at,
    lastWriteAt: at,
    stillWrites: 0,
    paceMs: moved ? at - mark.movedAt : null,
  };
}

/**
 * `trackProgress` over a list: one mark per run held (runs no longer held are
 * forgotten). The same map comes back when nothing changed.
 */
export function trackRuns(
  marks: ReadonlyMap<string, ProgressMark>,
  runs: readonly (TrackedFields & { id: string })[],
): ReadonlyMap<string, ProgressMark> {
  let changed = false;
  const next = new Map<string, ProgressMark>();
  for (const run of runs) {
    const held = next.get(run.id) ?? marks.get(run.id);
    const mark = trackProgress(held, run);
    if (mark !== marks.get(run.id)) changed = true;
    next.set(run.id, mark);
  }
  return changed || next.size !== marks.size ? next : marks;
}

/** Why no time left is shown. */
export type EtaHiddenReason =
  /** The run ended. */
  | "ended"
  /** It went silent (`attention: "stale"`): its estimate would only mislead. */
  | "stale"
  /** It waits for a person (`state: "action_required"`). */
  | "waiting"
  /** It is retrying (`state: "retrying"`): the rate so far says nothing about the next attempt. */
  | "retrying"
  /** There is no estimate yet (no percent, or not yet a rate). */
  | "unknown";

/** The time left as a person should read it now. */
export type EtaView =
  /** Counting down between writes: "about 16s left", then "almost done", never lower. */
  | { kind: "countdown"; remainingMs: number; text: string }
  /** The percent has not moved across the run's last writes: "No progress for 2m" instead of a countdown. */
  | { kind: "stalled"; sinceMs: number; text: string }
  | { kind: "hidden"; reason: EtaHiddenReason };

export interface EtaViewOptions {
  /** What the client remembers of the run's earlier updates; without it, the run's last write is all there is. */
  mark?: ProgressMark;
  /** For a run without `attention` (an older server): silent this long is stale. (Default: 120000) */
  staleAfterMs?: number;
}

/** "45s", "2m", "1h": how long, coarsely, for a stall. */
export function formatSince(ms: number): string {
  return formatDuration(ms).split(" ")[0] as string;
}

/**
 * The one rule for time left, in every client:
 *
 * - none once the run ended, while it is stale, while it waits for a person, or while it retries;
 * - a stall when its percent has not moved across at least two later writes for at least 30 s
 *   (or twice its last pace), or when it is that far past its own estimate without a write:
 *   "No progress for 2m";
 * - otherwise a countdown: `etaMs` (the estimate as of the percent's last move) minus the time
 *   since that move (the run's `updatedAt` when nothing earlier is known), shown as "about 12s left",
 *   and "almost done" under 5 s, never lower;
 * - none while there is no estimate.
 */
export function etaView(
  run: Pick<AgentRun, "status" | "state" | "etaMs" | "percent" | "updatedAt" | "heartbeatAt"> & {
    attention?: RunAttention;
  },
  now: number,
  options: EtaViewOptions = {},
): EtaView {
  if (run.status !== "running") return { kind: "hidden", reason: "ended" };
  if (displayedAttention(run, now, options.staleAfterMs) === "stale") return { kind: "hidden", reason: "stale" };
  if (run.state === "action_required") return { kind: "hidden", reason: "waiting" };
  if (run.state === "retrying") return { kind: "hidden", reason: "retrying" };
  // A mark made from an older copy of the run still says when the percent moved, if it has not moved since.
  const mark = options.mark && options.mark.percent === run.percent ? options.mark : undefined;
  const movedAt = mark ? Math.min(mark.movedAt, Date.parse(run.updatedAt)) : Date.parse(run.updatedAt);
  const sinceMove = Math.max(0, now - movedAt);
  if (run.percent !== null && run.percent < 100) {
    const stallAfter = Math.max(STALL_AFTER_MS, 2 * (mark?.paceMs ?? 0));
    const stillAcrossWrites = (mark?.stillWrites ?? 0) >= STALL_AFTER_WRITES && sinceMove >= stallAfter;
    const overdue = run.etaMs !== null && sinceMove >= run.etaMs + stallAfter;
    if (stillAcrossWrites || overdue) {
      return { kind: "stalled", sinceMs: sinceMove, text: `No progress for ${formatSince(sinceMove)}` };
    }
  }
  if (run.etaMs === null || !Number.isFinite(run.etaMs)) return { kind: "hidden", reason: "unknown" };
  const remainingMs = Math.max(0, run.etaMs - sinceMove);
  const text = remainingMs < ALMOST_DONE_MS ? "almost done" : `about ${formatDuration(remainingMs)} left`;
  return { kind: "countdown", remainingMs, text };
}
