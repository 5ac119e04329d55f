import { type AgentRun, formatEventId, type HeadwayEvent, type Notification } from "../core/index.js";

/**
 * The change feed: every commit that changed runs, numbered by a commit
 * sequence that is unique and increasing in commit order per database.
 * Events are built from commits here and nowhere else, whether the commit
 * was this process's own (its changes in hand) or read back from the log.
 */

/** One run's change within a commit. */
export type RunChange =
  | { type: "started" | "updated"; run: AgentRun }
  | { type: "status"; run: AgentRun; summary: string; components?: unknown[]; source: "model" | "offline" }
  | { type: "deleted"; runId: string; owner: string }
  /** Not a run's change: a notification, carried whole (it never changes in the log). */
  | { type: "notification"; notification: Notification };

export interface Commit {
  /** The commit sequence: unique, increasing in commit order. */
  seq: number;
  /** When the commit was made, in ms since the epoch. */
  at: number;
  /** In the order the batch made them; a run's changes in version order. */
  changes: RunChange[];
}

/** A page of the feed, oldest commit first. */
export interface FeedPage {
  commits: Commit[];
  /**
   * The newest commit the page's run rows may reflect: a commit read back
   * from the log carries each run as it is now, which may be later than the
   * commit itself, but never later than this.
   */
  readAt: number;
  /** True when the log holds more commits after the page. */
  more: boolean;
  /** Commits of this store's own writer in the page, in case the caller waits for them first. */
  ownSeqs: ReadonlySet<number>;
}

/** The event of one change, numbered `<seq>-<index>`. */
export function envelopeOf(change: RunChange, seq: number, index: number, at: string): HeadwayEvent {
  const id = formatEventId(seq, index);
  if (change.type === "notification") {
    const { notification } = change;
    return { id, type: "notification.created", owner: notification.owner, at, payload: notification };
  }
  if (change.type === "deleted") {
    return { id, type: "run.deleted", owner: change.owner, at, payload: { runId: change.runId } };
  }
  const { run } = change;
  if (change.type === "status") {
    const payload = { runId: run.id, summary: change.summary, source: change.source, components: change.components };
    if (payload.components === undefined) delete payload.components;
    return { id, type: "run.status.update", owner: run.owner, at, run, payload };
  }
  if (change.type === "started") {
    return {
      id,
      type: "run.progress.started",
      owner: run.owner,
      at,
      run,
      payload: { runId: run.id, title: run.title, step: run.step },
    };
  }
  return {
    id,
    type: "run.progress.updated",
    owner: run.owner,
    at,
    run,
    payload: { runId: run.id, percent: run.percent, step: run.step, status: run.status },
  };
}

/** A commit's events, in its change order. */
export function envelopesOf(commit: Commit): HeadwayEvent[] {
  const at = new Date(commit.at).toISOString();
  return commit.changes.map((change, index) => envelopeOf(change, commit.seq, index, at));
}

/** The ids a change-log entry names, as every backend stores them (JSON text). */
export interface ChangeLogEntry {
  seq: number;
  writer: string;
  at: number;
  started: string;
  updated: string;
  deleted: string;
  status_updates: string | null;
  notifications: string | null;
}

/** A status update as the log keeps it: run id, summary, source, components. */
type LoggedStatus = [runId: string, summary: string, source: "model" | "offline", components: unknown[] | null];

export interface DecodedEntry {
  seq: number;
  writer: string;
  at: number;
  started: string[];
  updated: string[];
  deleted: Array<[id: string, owner: string]>;
  statuses: LoggedStatus[];
  notifications: Notification[];
}

export function decodeEntry(entry: ChangeLogEntry): DecodedEntry {
  return {
    seq: Number(entry.seq),
    writer: entry.writer,
    at: Number(entry.at),
    started: JSON.parse(entry.started) as string[],
    updated: JSON.parse(entry.updated) as string[],
    deleted: JSON.parse(entry.deleted) as Array<[string, string]>,
    statuses: entry.status_updates ? (JSON.parse(entry.status_updates) as LoggedStatus[]) : [],
    notifications: entry.notifications ? (JSON.parse(entry.notifications) as Notification[]) : [],
  };
}

/** What a batch writes into the log for its changes. */
export function encodeChanges(changes: readonly RunChange[]): {
  started: string;
  updated: string;
  deleted: string;
  statusUpdates: string | null;
  notifications: string | null;
} {
  const started = new Set<string>();
  const updated = new Set<string>();
  const deleted: Array<[string, string]> = [];
  const statuses: LoggedStatus[] = [];
  const notifications: Notification[] = [];
  for (const change of changes) {
    if (change.type === "notification") notifications.push(change.notification);
    if (change.type === "started") started.add(change.run.id);
    else if (change.type === "updated") updated.add(change.run.id);
    else if (change.type === "deleted") deleted.push([change.runId, change.owner]);
    else if (change.type === "status")
      statuses.push([change.run.id, change.summary, change.source, change.components ?? null]);
  }
  return {
    started: JSON.stringify([...started]),
    updated: JSON.stringify([...updated]),
    deleted: JSON.stringify(deleted),
    statusUpdates: statuses.length > 0 ? JSON.stringify(statuses) : null,
    notifications: notifications.length > 0 ? JSON.stringify(notifications) : null,
  };
}

/**
 * Run bytes (metadata text plus FEED_ROW_BYTES a run, and FEED_ROW_BYTES for
 * each deletion, status update and notification) one feed page loads
 * past its first commit, and one turn of the event loop loads of a larger commit.
 * A reader holds a page's runs until its last commit is published: a page
 * that outlives a few young-generation collections is promoted whole, and
 * under a writer of large metadata the old generation then grows at the
 * writer's rate (the 20-stream soak: peak RSS 426–645 MiB with 512-run
 * pages of 15 KB runs, 259 MiB with pages of about 500 KB).
 */
export const FEED_PAGE_BYTES = 512 * 1024;

/** What a loaded run costs a reader besides its metadata text (the record, its other fields), roughly: runs with tiny metadata still fill a page. */
export const FEED_ROW_BYTES = 512;

/**
 * What an entry costs a reader besides the runs it loads: each deletion,
 * status update and notification becomes an event too, so a page of sweeps
 * (a thousand deletions a commit) is bounded like a page of runs.
 */
export function entryEventBytes(entry: DecodedEntry): number {
  return (entry.deleted.length + entry.statuses.length + entry.notifications.length) * FEED_ROW_BYTES;
}

/** For each entry, the runs `commitsOf` may ask for that no earlier entry named: what loading it adds. */
export function newRunIdsOf(entries: readonly DecodedEntry[]): string[][] {
  const seen = new Set<string>();
  return entries.map((entry) => {
    const added: string[] = [];
    for (const id of [...entry.started, ...entry.updated, ...entry.statuses.map(([runId]) => runId)]) {
      if (seen.has(id)) continue;
      seen.add(id);
      added.push(id);
    }
    return added;
  });
}

/**
 * Turns log entries (oldest first) into commits, loading each run as it is
 * now. A run updated by several entries of the page is carried once, at its
 * last one: the earlier ones would only repeat its current state.
 */
export function commitsOf(entries: readonly DecodedEntry[], loadRun: (id: string) => AgentRun | undefined): Commit[] {
  const lastUpdate = new Map<string, number>();
  for (const entry of entries) for (const id of entry.updated) lastUpdate.set(id, entry.seq);
  const loaded = new Map<string, AgentRun | undefined>();
  const load = (id: string) => {
    if (!loaded.has(id)) loaded.set(id, loadRun(id));
    return loaded.get(id);
  };
  return entries.map((entry) => {
    const changes: RunChange[] = [];
    for (const id of entry.started) {
      const run = load(id);
      if (run) changes.push({ type: "started", run });
    }
    for (const id of entry.updated) {
      if (lastUpdate.get(id) !== entry.seq) continue;
      const run = load(id);
      if (run) changes.push({ type: "updated", run });
    }
    for (const [runId, summary, source, components] of entry.statuses) {
      const run = load(runId);
      if (run) changes.push({ type: "status", run, summary, source, ...(components ? { components } : {}) });
    }
    for (const [runId, owner] of entry.deleted) changes.push({ type: "deleted", runId, owner });
    for (const notification of entry.notifications) changes.push({ type: "notification", notification });
    return { seq: entry.seq, at: entry.at, changes };
  });
}

/** The notifications of log entries (oldest first), each with its commit; only `owner`'s when given. */
export function notificationsOf(
  entries: readonly DecodedEntry[],
  owner?: string,
): Array<{ seq: number; notification: Notification }> {
  const found: Array<{ seq: number; notification: Notification }> = [];
  for (const entry of entries) {
    for (const notification of entry.notifications) {
      if (owner === undefined || notification.owner === owner) found.push({ seq: entry.seq, notification });
    }
  }
  return found;
}
