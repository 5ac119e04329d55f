import { type AgentRun, type EventType, formatEventId, parseEventId } from "../../core/index.js";
import type { Progress } from "../../progress/index.js";
import type { Opening } from "./sse-channel.js";
import type { SseMessage } from "./sse-writer.js";

const PAGE = 500;
/** A snapshot is for people watching runs; past this many active runs it is cut, not paged forever. */
export const SNAPSHOT_MAX = 10_000;

/** Which runs a stream carries: all the owner's, or one run and its children. */
export interface RunScope {
  runId?: string;
}

function versionsOf(runs: readonly AgentRun[]): Map<string, number> {
  return new Map(runs.map((run) => [run.id, run.version]));
}

/** Pages through the owner's runs matching `filter`, newest first, stopping at `max`; says whether more were left. */
async function listUpTo(
  progress: Progress,
  owner: string,
  filter: { activeOnly?: boolean; parentId?: string },
  max: number,
): Promise<{ runs: AgentRun[]; truncated: boolean }> {
  const runs: AgentRun[] = [];
  let cursor: string | undefined;
  for (;;) {
    const want = Math.min(PAGE, max - runs.length);
    // One row more than wanted says whether the list goes on past `max`.
    const page = await progress.store.listRuns(owner, { ...filter, limit: want + 1, cursor });
    runs.push(...page.slice(0, want));
    if (page.length <= want) return { runs, truncated: false };
    if (runs.length >= max) return { runs, truncated: true };
    cursor = runs.at(-1)?.id;
  }
}

/** Ids of a run's children (up to the snapshot's cap), for a stream that follows that run. */
export async function childIdsOf(progress: Progress, owner: string, runId: string): Promise<string[]> {
  return (await listUpTo(progress, owner, { parentId: runId }, SNAPSHOT_MAX)).runs.map((run) => run.id);
}

/**
 * The `snapshot` event: the owner's active runs (or the one run and its
 * children), as of commit `seq`. Past `SNAPSHOT_MAX` runs the list is cut,
 * and the event says so: `truncated: true` with the `limit`.
 */
export async function snapshotOpening(progress: Progress, owner: string, scope: RunScope): Promise<Opening> {
  // Read the sequence before the rows: the rows are then at least that new, and resuming from it never skips.
  const seq = await progress.store.currentCommitSeq();
  const runs: AgentRun[] = [];
  let truncated = false;
  if (scope.runId) {
    const run = await progress.getRun(scope.runId, owner);
    if (run) {
      const children = await listUpTo(progress, owner, { parentId: run.id }, SNAPSHOT_MAX);
      runs.push(run, ...children.runs);
      truncated = children.truncated;
    }
  } else {
    const active = await listUpTo(progress, owner, { activeOnly: true }, SNAPSHOT_MAX);
    runs.push(...active.runs);
    truncated = active.truncated;
  }
  const body = truncated ? { runs, truncated: true, limit: SNAPSHOT_MAX } : { runs };
  const frame: SseMessage = { event: "snapshot", id: formatEventId(seq, 0), data: JSON.stringify(body) };
  return { frames: [frame], seq, versions: versionsOf(runs) };
}

/**
 * What changed after `lastEventId`, as the current state of each changed run
 * (one `run.progress.updated` each) and deletions; null when the store no
 * longer remembers that far back.
 */
export async function replayOpening(
  progress: Progress,
  owner: string,
  sinceSeq: number,
  scope: RunScope,
): Promise<Opening | null> {
  // The whole commit the client last saw is replayed: it may have missed the rest of it. Repeats are harmless.
  const feed = await progress.store.changesSince(Math.max(0, sinceSeq - 1), owner);
  if (!feed) return null;
  const inScope = (run: { id: string; parentId?: string | null }) =>
    !scope.runId || run.id === scope.runId || run.parentId === scope.runId;
  const runs = feed.runs.filter(inScope);
  const at = new Date().toISOString();
  const frames: SseMessage[] = [];
  const frame = (type: EventType, body: object) => {
    const id = formatEventId(feed.commitSeq, frames.length);
    frames.push({ event: type, id, data: JSON.stringify({ id, type, owner, at, ...body }) });
  };
  for (const run of runs) {
    frame("run.progress.updated", {
      run,
      payload: { runId: run.id, percent: run.percent, step: run.step, status: run.status },
    });
  }
  for (const gone of feed.deleted) {
    if (!scope.runId || gone.id === scope.runId) frame("run.deleted", { payload: { runId: gone.id } });
  }
  return { frames, seq: feed.commitSeq, versions: versionsOf(runs) };
}

/**
 * Replay from `Last-Event-ID` when it is ours and recent enough, else a fresh
 * snapshot. An id ahead of the store (a database replaced under the client)
 * also gets a snapshot: replaying "nothing new" would leave it on stale state.
 */
export async function openingFor(
  progress: Progress,
  owner: string,
  lastEventId: string | undefined,
  scope: RunScope,
): Promise<Opening> {
  const resume = lastEventId ? parseEventId(lastEventId) : null;
  const known = resume !== null && resume.commitSeq <= (await progress.store.currentCommitSeq());
  const replay = known ? await replayOpening(progress, owner, resume.commitSeq, scope) : null;
  return replay ?? snapshotOpening(progress, owner, scope);
}
