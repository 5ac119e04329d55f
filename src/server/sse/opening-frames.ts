import { type AgentRun, type EventType, formatEventId, parseEventId } from "../../core/index.js";
import type { Progress } from "../../progress/index.js";
import type { PageGate } from "./page-gate.js";
import type { Opening, OpeningSource } from "./sse-channel.js";
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

/** Runs per store read while a snapshot streams out: with 16 KiB of metadata each, about 1 MiB. */
const STREAM_PAGE = 64;

/**
 * The `snapshot` event as a source read page by page while the socket
 * drains, so a client that stops reading holds one page on the server, not
 * the owner's whole state. Its data is `{ runs }`, or, past `SNAPSHOT_MAX`
 * runs, `{ runs, truncated: true, limit }`: a cut list always says so.
 * Rows are read after `seq`, so they are at least that new.
 */
export async function streamedSnapshot(
  progress: Progress,
  owner: string,
  scope: RunScope,
  gate?: PageGate,
): Promise<OpeningSource> {
  const seq = await progress.store.currentCommitSeq();
  const versions = new Map<string, number>();
  const encoder = new TextEncoder();
  let state: "head" | "pages" | "done" = "head";
  let cursor: string | undefined;
  let sent = 0;
  const header = `event: snapshot\nid: ${formatEventId(seq, 0)}\ndata: {"runs":[`;
  const root = scope.runId ? await progress.getRun(scope.runId, owner) : null;
  const filter = scope.runId ? { parentId: scope.runId } : { activeOnly: true };
  const json = (runs: readonly AgentRun[]) => {
    const text = runs.map((run) => (sent++ === 0 ? "" : ",") + JSON.stringify(run)).join("");
    for (const run of runs) versions.set(run.id, run.version);
    return text;
  };
  return {
    seq,
    versions,
    async next() {
      if (state === "done") return undefined;
      if (state === "head") {
        state = "pages";
        if (scope.runId && !root) {
          state = "done";
          return encoder.encode(`${header}]}\n\n`);
        }
        return encoder.encode(header + (root ? json([root]) : ""));
      }
      if (scope.runId && !root) return undefined;
      const want = Math.min(STREAM_PAGE, SNAPSHOT_MAX - (sent - (root ? 1 : 0)));
      const readPage = async () => {
        const page = await progress.store.listRuns(owner, { ...filter, limit: want + 1, cursor });
        const runs = page.slice(0, want);
        cursor = runs.at(-1)?.id;
        const more = page.length > want;
        const full = sent - (root ? 1 : 0) + runs.length >= SNAPSHOT_MAX;
        if (more && !full) return encoder.encode(json(runs));
        state = "done";
        const end = more ? `],"truncated":true,"limit":${SNAPSHOT_MAX}}` : "]}";
        return encoder.encode(`${json(runs)}${end}\n\n`);
      };
      return gate ? gate.run(readPage) : readPage();
    },
  };
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
  gate?: PageGate,
): Promise<Opening | OpeningSource> {
  const resume = lastEventId ? parseEventId(lastEventId) : null;
  const known = resume !== null && resume.commitSeq <= (await progress.store.currentCommitSeq());
  const replay = known ? await replayOpening(progress, owner, resume.commitSeq, scope) : null;
  return replay ?? streamedSnapshot(progress, owner, scope, gate);
}
