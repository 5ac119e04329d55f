import { type AgentRun, toAgentRun } from "../../core/index.js";
import {
  type ChangeLogEntry,
  type DecodedEntry,
  decodeEntry,
  FEED_PAGE_BYTES,
  FEED_ROW_BYTES,
} from "../change-feed.js";
import type { PgSqlLike } from "./postgres-driver.js";
import { RUN_COLUMNS, type RunRow, rowToRecord } from "./postgres-rows.js";

/** The ids an entry names whose rows a reader loads: started, updated and status-updated runs. */
const NAMED = `SELECT page.seq, x.id FROM page, jsonb_array_elements_text(page.started::jsonb || page.updated::jsonb) AS x(id)
    UNION ALL
    SELECT page.seq, s.status->>0 FROM page, jsonb_array_elements(coalesce(page.status_updates, '[]')::jsonb) AS s(status)`;
const PAGE = "SELECT seq, writer, at, started, updated, deleted, status_updates, notifications FROM change_log";

// One statement is one snapshot: the entries, the rows they name and the range agree, with no transaction.
const ALL_AFTER = `WITH page AS (${PAGE} WHERE seq > $1 ORDER BY seq),
  named AS (${NAMED})
  SELECT
    (SELECT coalesce(json_agg(page ORDER BY seq), '[]') FROM page) AS entries,
    (SELECT coalesce(json_agg(r), '[]')
       FROM (SELECT ${RUN_COLUMNS} FROM progress_runs WHERE id IN (SELECT id FROM named)) r) AS runs,
    (SELECT coalesce(min(seq), 0) FROM change_log) AS oldest,
    (SELECT coalesce(max(seq), 0) FROM change_log) AS newest`;

// The same snapshot, at most $2 entries (one more is listed, to tell whether there is more) and bounded
// by bytes as SQLite's reader is: the page ends at the first commit boundary
// past $3 bytes of runs (metadata text plus $4 a run, each run counted at the first entry naming it), and
// always holds its first entry. The sizes come from the rows' headers (octet_length reads a TOASTed
// value's size without fetching it), each looked up by primary key (a join was planned as a scan of every
// run on small tables), so only the runs of the entries kept are sent. Each deletion, status update and
// notification costs $4 as well (entryEventBytes). A single commit is not sliced: the writers' batches
// are bounded by bytes too.
const PAGE_AFTER = `WITH page AS (${PAGE} WHERE seq > $1 ORDER BY seq LIMIT $2 + 1),
  named AS (${NAMED}),
  first_named AS (SELECT id, min(seq) AS seq FROM named GROUP BY id),
  entry_bytes AS (
    SELECT f.seq, sum((SELECT octet_length(r.metadata) FROM progress_runs r WHERE r.id = f.id) + $4) AS bytes
    FROM first_named f GROUP BY f.seq),
  running AS (
    SELECT page.seq, row_number() OVER (ORDER BY page.seq) AS n, coalesce(sum(coalesce(b.bytes, 0) + $4 * (
        jsonb_array_length(page.deleted::jsonb)
        + jsonb_array_length(coalesce(page.status_updates, '[]')::jsonb)
        + jsonb_array_length(coalesce(page.notifications, '[]')::jsonb)))
      OVER (ORDER BY page.seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
    FROM page LEFT JOIN entry_bytes b ON b.seq = page.seq),
  kept AS (SELECT page.* FROM page JOIN running USING (seq) WHERE running.n <= $2 AND running.before < $3)
  SELECT
    (SELECT coalesce(json_agg(kept ORDER BY seq), '[]') FROM kept) AS entries,
    (SELECT coalesce(json_agg(r), '[]')
       FROM (SELECT ${RUN_COLUMNS} FROM progress_runs
             WHERE id IN (SELECT id FROM first_named WHERE seq IN (SELECT seq FROM kept))) r) AS runs,
    (SELECT count(*)::int FROM page) AS listed,
    (SELECT coalesce(min(seq), 0) FROM change_log) AS oldest,
    (SELECT coalesce(max(seq), 0) FROM change_log) AS newest`;

interface FeedRow extends Record<string, unknown> {
  entries: ChangeLogEntry[];
  runs: RunRow[];
  listed?: number;
  oldest: number;
  newest: number;
}

export interface FeedRead {
  entries: DecodedEntry[];
  /** The runs the entries name, as they are now (a run deleted since is absent). */
  runs: Map<string, AgentRun>;
  /** Entries listed before the page was cut, one past the limit at most: more than `entries` when there is more to read. */
  listed: number;
  oldest: number;
  /** The newest commit in the log: no row read is newer. */
  newest: number;
}

function toRead(row: FeedRow | undefined): FeedRead {
  const runs = new Map<string, AgentRun>();
  for (const run of row?.runs ?? []) runs.set(run.id, toAgentRun(rowToRecord(run)));
  const entries = (row?.entries ?? []).map(decodeEntry);
  return { entries, runs, listed: row?.listed ?? entries.length, oldest: row?.oldest ?? 0, newest: row?.newest ?? 0 };
}

/** Every log entry after `afterSeq` and the runs they name (a resume's changes since a cursor). */
export async function readAllAfter(sql: PgSqlLike, afterSeq: number): Promise<FeedRead> {
  const [row] = await sql.unsafe<FeedRow>(ALL_AFTER, [afterSeq]);
  return toRead(row);
}

/** At most `limit` entries after `afterSeq`, ending at the first commit boundary past FEED_PAGE_BYTES of runs. */
export async function readPageAfter(sql: PgSqlLike, afterSeq: number, limit: number): Promise<FeedRead> {
  const [row] = await sql.unsafe<FeedRow>(PAGE_AFTER, [afterSeq, limit, FEED_PAGE_BYTES, FEED_ROW_BYTES]);
  return toRead(row);
}
