import { type AgentRun, formatEventId, parseEventId } from "../../core/index.js";
import type { Progress } from "../../progress/index.js";
import { envelopeOf, eventJson, type RunChange, runJson } from "../../store/index.js";
import type { SnapshotPage, SnapshotPages } from "./snapshot-pages.js";
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
  pages?: SnapshotPages,
): Promise<OpeningSource> {
  // Every page is read after `seq` (or shared from a read that was), so every row is at least that new.
  const seq = await progress.store.currentCommitSeq();
  const versions = new Map<string, number>();
  const encoder = new TextEncoder();
  let state: "head" | "pages" | "done" = "head";
  let cursor: string | undefined;
  let sent = 0;
  const root = scope.runId ? await progress.getRun(scope.runId, owner) : null;
  const filter = scope.runId ? { parentId: scope.runId } : { activeOnly: true };
  const ending = (truncated: boolean) =>
    `${truncated ? `],"truncated":true,"limit":${SNAPSHOT_MAX}}` : "]}"}\nid: ${formatEventId(seq, 0)}\n\n`;
  const readPage = async (want: number): Promise<SnapshotPage> => {
    const pageSeq = await progress.store.currentCommitSeq();
    const rows = await progress.store.listRuns(owner, { ...filter, limit: want + 1, cursor });
    const runs = rows.slice(0, want);
    return {
      seq: pageSeq,
      json: encoder.encode(runs.map(runJson).join(",")),
      versions: runs.map((run) => [run.id, run.version] as const),
      more: rows.length > want,
    };
  };
  return {
    seq,
    versions,
    async next() {
      if (state === "done") return undefined;
      if (state === "head") {
        state = "pages";
        const header = 'event: snapshot\ndata: {"runs":[';
        if (scope.runId && !root) {
          state = "done";
          return encoder.encode(header + ending(false));
        }
        if (!root) return encoder.encode(header);
        sent = 1;
        versions.set(root.id, root.version);
        return encoder.encode(header + runJson(root));
      }
      const children = sent - (root ? 1 : 0);
      const want = Math.min(STREAM_PAGE, SNAPSHOT_MAX - children);
      const key = `${owner}\0${scope.runId ?? ""}\0${cursor ?? ""}\0${want}`;
      const page = pages ? await pages.get(key, seq, () => readPage(want)) : await readPage(want);
      for (const [id, version] of page.versions) versions.set(id, version);
      cursor = page.versions.at(-1)?.[0] ?? cursor;
      const comma = sent > 0 && page.versions.length > 0 ? "," : "";
      sent += page.versions.length;
      const full = children + page.versions.length >= SNAPSHOT_MAX;
      const last = !page.more || full;
      if (last) state = "done";
      const before = encoder.encode(comma);
      const after = encoder.encode(last ? ending(page.more) : "");
      const out = new Uint8Array(before.byteLength + page.json.byteLength + after.byteLength);
      out.set(before, 0);
      out.set(page.json, before.byteLength);
      out.set(after, before.byteLength + page.json.byteLength);
      return out;
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
  const changes: RunChange[] = runs.map((run) => ({ type: "updated", run }));
  for (const gone of feed.deleted) {
    if (!scope.runId || gone.id === scope.runId) changes.push({ type: "deleted", runId: gone.id, owner: gone.owner });
  }
  const frames: SseMessage[] = changes.map((change, index) => {
    const event = envelopeOf(change, feed.commitSeq, index, at);
    return { event: event.type, id: event.id, data: eventJson(event) };
  });
  // Notifications never change, so each is replayed as made, with its own id — but not the last commit's
  // again (unlike run states, a repeated notification would show twice), and not on a stream of one run.
  const notified: SseMessage[] = [];
  for (const { seq, notification } of scope.runId ? [] : feed.notifications) {
    if (seq <= sinceSeq) continue;
    const event = envelopeOf({ type: "notification", notification }, seq, 0, notification.createdAt);
    notified.push({ event: event.type, id: event.id, data: eventJson(event) });
  }
  frames.unshift(...notified);
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
  pages?: SnapshotPages,
): Promise<Opening | OpeningSource> {
  const resume = lastEventId ? parseEventId(lastEventId) : null;
  const known = resume !== null && resume.commitSeq <= (await progress.store.currentCommitSeq());
  const replay = known ? await replayOpening(progress, owner, resume.commitSeq, scope) : null;
  return replay ?? streamedSnapshot(progress, owner, scope, pages);
}
