import { SchemaVersionError } from "../../core/index.js";
import type { SqliteDatabaseLike } from "./sqlite-driver.js";

/**
 * Versioned migrations, applied in order at start-up; `PRAGMA user_version`
 * records how far a database has come. Append only: never edit a shipped step.
 */
export const SQLITE_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE progress_runs (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    title TEXT NOT NULL,
    step TEXT,
    percent INTEGER,
    status TEXT NOT NULL,
    state TEXT,
    metadata TEXT NOT NULL,
    parent_id TEXT,
    cancel_requested INTEGER NOT NULL,
    eta_ms INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    completed_at INTEGER,
    heartbeat_at INTEGER NOT NULL,
    version INTEGER NOT NULL,
    percent_set_by_run INTEGER NOT NULL,
    samples BLOB NOT NULL,
    history_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX progress_runs_owner_status ON progress_runs (owner, status, id);
  CREATE INDEX progress_runs_owner ON progress_runs (owner, id);
  CREATE INDEX progress_runs_parent ON progress_runs (parent_id, id) WHERE parent_id IS NOT NULL;
  CREATE INDEX progress_runs_completed ON progress_runs (completed_at) WHERE completed_at IS NOT NULL;

  CREATE TABLE run_history (
    seq INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    at INTEGER NOT NULL,
    type TEXT NOT NULL,
    percent INTEGER,
    step TEXT,
    status TEXT NOT NULL,
    state TEXT
  );
  CREATE INDEX run_history_run ON run_history (run_id, seq);

  CREATE TABLE change_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    writer TEXT NOT NULL,
    at INTEGER NOT NULL,
    started TEXT NOT NULL,
    updated TEXT NOT NULL,
    deleted TEXT NOT NULL
  );

  CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    scope TEXT NOT NULL,
    label TEXT,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at INTEGER
  );
  CREATE INDEX api_tokens_owner ON api_tokens (owner);
  `,
  // Counting running runs (the metrics gauge) reads only running rows, however many finished ones there are.
  `
  CREATE INDEX progress_runs_running ON progress_runs (id) WHERE status = 'running';
  `,
  // Status updates (summary, components) travel in the change feed beside the ids they concern.
  `
  ALTER TABLE change_log ADD COLUMN status_updates TEXT;
  `,
  // Browser sessions (a cookie traded for a token) and tokens that expire.
  `
  ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER;
  CREATE TABLE api_sessions (
    id TEXT PRIMARY KEY,
    token_id TEXT NOT NULL,
    owner TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
  );
  CREATE INDEX api_sessions_token ON api_sessions (token_id);
  CREATE INDEX api_sessions_expires ON api_sessions (expires_at);
  `,
  // The watchdog: when a silent run was marked stale, and running runs by their last sign of life.
  `
  ALTER TABLE progress_runs ADD COLUMN stale_since INTEGER;
  CREATE INDEX progress_runs_silent ON progress_runs (heartbeat_at) WHERE status = 'running';
  `,
  // Notifications: one owner's messages, newest first by id (UUIDv7); carried whole in the change feed.
  `
  CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT,
    severity TEXT NOT NULL,
    run_id TEXT,
    source TEXT,
    dedupe_key TEXT,
    created_at INTEGER NOT NULL,
    read_at INTEGER
  ) WITHOUT ROWID;
  CREATE INDEX notifications_owner ON notifications (owner, id);
  CREATE INDEX notifications_unread ON notifications (owner, id) WHERE read_at IS NULL;
  CREATE UNIQUE INDEX notifications_dedupe ON notifications (owner, dedupe_key) WHERE dedupe_key IS NOT NULL;
  CREATE INDEX notifications_created ON notifications (created_at);
  ALTER TABLE change_log ADD COLUMN notifications TEXT;

  -- Where each durable reader of the change feed (built-in rules, automations) has got to.
  CREATE TABLE feed_cursors (
    name TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  `,
  // Per-run diagnostics, in ms since the run started, each set once (NULL: not yet, or unknown for older runs).
  `
  ALTER TABLE progress_runs ADD COLUMN submit_to_status_ms INTEGER;
  ALTER TABLE progress_runs ADD COLUMN submit_to_first_event_ms INTEGER;
  ALTER TABLE progress_runs ADD COLUMN submit_to_first_text_ms INTEGER;
  ALTER TABLE progress_runs ADD COLUMN first_text_to_paint_ms INTEGER;
  `,
  // Automations with repeat: true: the matching episode each is in per run, shared by every process on the file.
  `
  CREATE TABLE automation_episodes (
    automation_id TEXT NOT NULL,
    run_id TEXT NOT NULL,
    episode INTEGER NOT NULL,
    matching INTEGER NOT NULL,
    version INTEGER NOT NULL,
    checked_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (automation_id, run_id)
  ) WITHOUT ROWID;
  CREATE INDEX automation_episodes_updated ON automation_episodes (updated_at);
  `,
  // Roll-up kept on the parent's row: its children's weight units and weight units × percent points, as
  // exact integers in text (see RollupTotals in core/rollup.ts), so a child's write adjusts its parent by
  // its own difference instead of reading every sibling. Rows stored before get their totals here, by the
  // rule of childShare: a weight counts as floor(weight × 1e6 + 0.5) units (at least 1; 1e6 units when
  // missing, not a number or outside (0, 1e6]), a child as 100 points when it succeeded, else its percent
  // clamped to [0, 100] (0 when indeterminate). (sum() is exact until 92,000 children of one parent at
  // the largest weight; writes after this one are exact at any size.)
  `
  ALTER TABLE progress_runs ADD COLUMN child_weight TEXT NOT NULL DEFAULT '0';
  ALTER TABLE progress_runs ADD COLUMN child_done TEXT NOT NULL DEFAULT '0';
  UPDATE progress_runs SET child_weight = CAST(totals.weight AS TEXT), child_done = CAST(totals.done AS TEXT)
  FROM (
    SELECT parent_id, sum(units) AS weight, sum(units * points) AS done
    FROM (
      SELECT parent_id,
        CASE WHEN json_valid(metadata) THEN
          CASE WHEN json_type(metadata, '$.weight') IN ('integer', 'real')
                AND json_extract(metadata, '$.weight') > 0 AND json_extract(metadata, '$.weight') <= 1000000
            THEN max(1, CAST(json_extract(metadata, '$.weight') * 1000000.0 + 0.5 AS INTEGER))
            ELSE 1000000 END
        ELSE 1000000 END AS units,
        CASE WHEN status = 'succeeded' THEN 100
          WHEN typeof(percent) NOT IN ('integer', 'real') OR percent <= 0 OR percent > 1e308 THEN 0
          WHEN percent >= 100 THEN 100
          ELSE CAST(percent + 0.5 AS INTEGER) END AS points
      FROM progress_runs WHERE parent_id IS NOT NULL)
    GROUP BY parent_id) AS totals
  WHERE progress_runs.id = totals.parent_id;
  `,
  // Webhooks: endpoints, the delivery outbox the dispatcher fills from the change feed, and its cursor.
  `
  CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    url TEXT NOT NULL,
    events TEXT,
    description TEXT,
    secret TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    disabled_at INTEGER
  );
  CREATE INDEX webhook_endpoints_owner ON webhook_endpoints (owner, created_at);
  CREATE TABLE webhook_deliveries (
    n INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    owner TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_seq INTEGER NOT NULL,
    event_index INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    run_id TEXT,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at INTEGER,
    lease TEXT,
    lease_until INTEGER,
    last_attempt_at INTEGER,
    last_status_code INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    delivered_at INTEGER,
    finished_at INTEGER,
    UNIQUE (endpoint_id, event_id)
  );
  CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
  CREATE INDEX webhook_deliveries_run_order ON webhook_deliveries (endpoint_id, run_id, event_seq, event_index)
    WHERE status = 'pending';
  CREATE INDEX webhook_deliveries_owner ON webhook_deliveries (owner, n);
  CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, status, n);
  CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (status, finished_at);
  CREATE TABLE webhook_cursors (
    name TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  `,
];

export function migrateSqlite(db: SqliteDatabaseLike, migrations: readonly string[] = SQLITE_MIGRATIONS): void {
  const found = Number(db.pragma("user_version", { simple: true }));
  if (found > migrations.length) throw new SchemaVersionError(found, migrations.length);
  if (found === migrations.length) return;
  db.transaction(() => {
    // Re-read under the write lock: another process may have migrated meanwhile.
    const current = Number(db.pragma("user_version", { simple: true }));
    for (let version = current; version < migrations.length; version++) {
      db.exec(migrations[version] as string);
      db.pragma(`user_version = ${version + 1}`);
    }
  }).immediate();
}
