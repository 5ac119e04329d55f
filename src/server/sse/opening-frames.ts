import { type AgentRun, type EventType, formatEventId, parseEventId } from "../../core/index.js";
import type { Progress } from "../../progress/index.js";
import type { Opening } from "./sse-channel.js";
import type { SseMessage } from "./sse-writer.js";

const PAGE = 500;
/** A snapshot is for people watching runs; past this many active runs it is cut, not paged forever. */
const SNAPSHOT_MAX = 10_000;

/** Which runs a stream carries: all the owner's, or one run and its children. */
export interface RunScope {
  runId?: string;
}

function versionsOf(runs: readonly AgentRun[]): Map<string, number> {
  return new Map(runs.map((run) => [run.id, run.version]));
}

/** The `snapshot` event: the owner's active runs (or the one run and its children), as of commit `seq`. */
export async function snapshotOpening(progress: Progress, owner: string, scope: RunScope): Promise<Opening> {
  // Read the sequence before the rows: the rows are then at least that new, and resuming from it never skips.
  const seq = await progress.store.currentCommitSeq();
  const runs: AgentRun[] = [];
  if (scope.runId) {
    const run = await progress.getRun(scope.runId, owner);
    if (run) runs.push(run, ...(await progress.store.listRuns(owner, { parentId: run.id, limit: PAGE })));
  } else {
    let cursor: string | undefined;
    while (runs.length < SNAPSHOT_MAX) {
      const page = await progress.store.listRuns(owner, { activeOnly: true, limit: PAGE, cursor });
      runs.push(...page);
      if (page.length < PAGE) break;
      cursor = page.at(-1)?.id;
    }
  }
  const frame: SseMessage = { event: "snapshot", id: formatEventId(seq, 0), data: JSON.stringify({ runs }) };
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
