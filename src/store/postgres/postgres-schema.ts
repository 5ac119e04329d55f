import { HeadwayError, SchemaVersionError } from "../../core/index.js";
import type { PgSqlLike } from "./postgres-driver.js";
import type { Transactor } from "./postgres-transactor.js";

/**
 * Versioned migrations, applied in order at start-up; `headway_schema_version`
 * records how far a schema has come. Append only: never edit a shipped step.
 * Tables and meanings are SQLite's; ids sort byte-wise (COLLATE "C"), as SQLite's do.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE progress_runs (
    id text COLLATE "C" PRIMARY KEY,
    owner text NOT NULL,
    title text NOT NULL,
    step text,
    percent integer,
    status text NOT NULL,
    state text,
    metadata text NOT NULL,
    parent_id text COLLATE "C",
    cancel_requested boolean NOT NULL,
    eta_ms bigint,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    completed_at bigint,
    heartbeat_at bigint NOT NULL,
    version integer NOT NULL,
    percent_set_by_run boolean NOT NULL,
    samples jsonb NOT NULL,
    history_at bigint NOT NULL
  );
  CREATE INDEX progress_runs_owner_status ON progress_runs (owner, status, id);
  CREATE INDEX progress_runs_owner ON progress_runs (owner, id);
  CREATE INDEX progress_runs_parent ON progress_runs (parent_id, id) WHERE parent_id IS NOT NULL;
  CREATE INDEX progress_runs_completed ON progress_runs (completed_at) WHERE completed_at IS NOT NULL;
  CREATE INDEX progress_runs_running ON progress_runs (id) WHERE status = 'running';

  CREATE TABLE run_history (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id text COLLATE "C" NOT NULL,
    version integer NOT NULL,
    at bigint NOT NULL,
    type text NOT NULL,
    percent integer,
    step text,
    status text NOT NULL,
    state text
  );
  CREATE INDEX run_history_run ON run_history (run_id, seq);

  -- The commit sequence. Each write transaction bumps the one row first: its row lock orders
  -- writers until commit, so sequences are handed out in commit order (a plain sequence is not).
  CREATE TABLE headway_feed_counter (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    seq bigint NOT NULL
  );
  INSERT INTO headway_feed_counter (seq) VALUES (0);

  CREATE TABLE change_log (
    seq bigint PRIMARY KEY,
    writer text NOT NULL,
    at bigint NOT NULL,
    started text NOT NULL,
    updated text NOT NULL,
    deleted text NOT NULL,
    status_updates text
  );

  CREATE TABLE api_tokens (
    id text PRIMARY KEY,
    n bigint GENERATED ALWAYS AS IDENTITY,
    owner text NOT NULL,
    hash text NOT NULL UNIQUE,
    scope text NOT NULL,
    label text,
    created_at bigint NOT NULL,
    last_used_at bigint,
    revoked_at bigint,
    expires_at bigint
  );
  CREATE INDEX api_tokens_owner ON api_tokens (owner);

  CREATE TABLE api_sessions (
    id text PRIMARY KEY,
    token_id text NOT NULL,
    owner text NOT NULL,
    hash text NOT NULL UNIQUE,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    revoked_at bigint
  );
  CREATE INDEX api_sessions_token ON api_sessions (token_id);
  CREATE INDEX api_sessions_expires ON api_sessions (expires_at);
  `,
  // The watchdog: when a silent run was marked stale, and running runs by their last sign of life.
  `
  ALTER TABLE progress_runs ADD COLUMN stale_since bigint;
  CREATE INDEX progress_runs_silent ON progress_runs (heartbeat_at) WHERE status = 'running';
  `,
  // Notifications: one owner's messages, newest first by id (UUIDv7); carried whole in the change feed.
  `
  CREATE TABLE notifications (
    id text COLLATE "C" PRIMARY KEY,
    owner text NOT NULL,
    title text NOT NULL,
    body text,
    severity text NOT NULL,
    run_id text COLLATE "C",
    source text,
    dedupe_key text,
    created_at bigint NOT NULL,
    read_at bigint
  );
  CREATE INDEX notifications_owner ON notifications (owner, id);
  CREATE INDEX notifications_unread ON notifications (owner, id) WHERE read_at IS NULL;
  CREATE UNIQUE INDEX notifications_dedupe ON notifications (owner, dedupe_key) WHERE dedupe_key IS NOT NULL;
  CREATE INDEX notifications_created ON notifications (created_at);
  ALTER TABLE change_log ADD COLUMN notifications text;

  -- Where each durable reader of the change feed (built-in rules, automations) has got to.
  CREATE TABLE feed_cursors (
    name text PRIMARY KEY,
    seq bigint NOT NULL,
    updated_at bigint NOT NULL
  );
  `,
  // Per-run diagnostics, in ms since the run started, each set once (NULL: not yet, or unknown for older runs).
  `
  ALTER TABLE progress_runs
    ADD COLUMN submit_to_status_ms bigint,
    ADD COLUMN submit_to_first_event_ms bigint,
    ADD COLUMN submit_to_first_text_ms bigint,
    ADD COLUMN first_text_to_paint_ms bigint;
  `,
  // Automations with repeat: true: the matching episode each is in per run, shared by every process on the schema.
  `
  CREATE TABLE automation_episodes (
    automation_id text NOT NULL,
    run_id text COLLATE "C" NOT NULL,
    episode integer NOT NULL,
    matching boolean NOT NULL,
    version integer NOT NULL,
    checked_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    PRIMARY KEY (automation_id, run_id)
  );
  CREATE INDEX automation_episodes_updated ON automation_episodes (updated_at);
  `,
  // Roll-up kept on the parent's row: its children's weight units and weight units × percent points, as
  // exact integers in text (see RollupTotals in core/rollup.ts), so a child's write adjusts its parent by
  // its own difference instead of reading every sibling. Rows stored before get their totals here, by the
  // rule of childShare: a weight counts as floor(weight × 1e6 + 0.5) units in float8, as JavaScript
  // computes it (at least 1; 1e6 units when missing, not a number or outside (0, 1e6]), a child as 100
  // points when it succeeded, else its percent clamped to [0, 100] (0 when indeterminate). Stored metadata
  // may hold the escape \u0000, which PostgreSQL refuses to parse: it is read as \u0020 (a string's
  // content does not matter here, and an escaped backslash before it keeps the text valid JSON).
  `
  ALTER TABLE progress_runs ADD COLUMN child_weight text NOT NULL DEFAULT '0',
    ADD COLUMN child_done text NOT NULL DEFAULT '0';
  UPDATE progress_runs p SET child_weight = totals.weight::text, child_done = totals.done::text
  FROM (
    SELECT parent_id, sum(units) AS weight, sum(units * points) AS done
    FROM (
      SELECT parent_id,
        CASE WHEN json_typeof(weight) = 'number' THEN
          CASE WHEN (weight #>> '{}')::float8 > 0 AND (weight #>> '{}')::float8 <= 1000000
            THEN greatest(1, floor((weight #>> '{}')::float8 * 1000000::float8 + 0.5::float8))::bigint
            ELSE 1000000 END
        ELSE 1000000 END AS units,
        CASE WHEN status = 'succeeded' THEN 100
          WHEN percent IS NULL THEN 0
          ELSE least(100, greatest(0, percent)) END AS points
      FROM (
        SELECT parent_id, status, percent, replace(metadata, '\\u0000', '\\u0020')::json -> 'weight' AS weight
        FROM progress_runs WHERE parent_id IS NOT NULL) AS stored) AS shares
    GROUP BY parent_id) AS totals
  WHERE p.id = totals.parent_id;
  `,
  // Webhooks: endpoints, the delivery outbox the dispatcher fills from the change feed, and its cursor.
  `
  CREATE TABLE webhook_endpoints (
    id text COLLATE "C" PRIMARY KEY,
    owner text NOT NULL,
    url text NOT NULL,
    events text,
    description text,
    secret text NOT NULL,
    created_at bigint NOT NULL,
    disabled_at bigint
  );
  CREATE INDEX webhook_endpoints_owner ON webhook_endpoints (owner, created_at);
  CREATE TABLE webhook_deliveries (
    n bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id text COLLATE "C" NOT NULL UNIQUE,
    endpoint_id text COLLATE "C" NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    owner text NOT NULL,
    event_id text COLLATE "C" NOT NULL,
    event_seq bigint NOT NULL,
    event_index integer NOT NULL,
    event_type text NOT NULL,
    run_id text COLLATE "C",
    body text NOT NULL,
    status text NOT NULL,
    attempts integer NOT NULL,
    next_attempt_at bigint,
    lease text,
    lease_until bigint,
    last_attempt_at bigint,
    last_status_code integer,
    last_error text,
    created_at bigint NOT NULL,
    delivered_at bigint,
    finished_at bigint,
    UNIQUE (endpoint_id, event_id)
  );
  CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
  CREATE INDEX webhook_deliveries_run_order ON webhook_deliveries (endpoint_id, run_id, event_seq, event_index)
    WHERE status = 'pending';
  CREATE INDEX webhook_deliveries_owner ON webhook_deliveries (owner, n);
  CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, status, n);
  CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (status, finished_at);
  CREATE TABLE webhook_cursors (
    name text PRIMARY KEY,
    seq bigint NOT NULL,
    updated_at bigint NOT NULL
  );
  `,
];

const VERSION_TABLE = `CREATE TABLE IF NOT EXISTS headway_schema_version (
  one boolean PRIMARY KEY DEFAULT true CHECK (one),
  version integer NOT NULL
)`;

export interface MigrateOptions {
  /** Create this schema first when it does not exist. */
  createSchema?: string;
  migrations?: readonly string[];
}

/**
 * Brings the schema on the search path up to date; returns its name. Safe when
 * several processes start at once: each takes a transaction-scoped advisory
 * lock, so one migrates and the others then find the work done.
 */
export async function migratePostgres(transactor: Transactor, options: MigrateOptions = {}): Promise<string> {
  const migrations = options.migrations ?? POSTGRES_MIGRATIONS;
  return transactor.run("ISOLATION LEVEL READ COMMITTED", async (sql) => {
    const lockKey = `headway:migrate:${options.createSchema ?? ""}`;
    await sql.unsafe("SELECT pg_advisory_xact_lock(hashtext($1))", [lockKey]);
    if (options.createSchema) await sql.unsafe(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(options.createSchema)}`);
    const [where] = await sql.unsafe<{ schema: string | null }>("SELECT current_schema() AS schema");
    const schema = where?.schema;
    if (!schema) {
      throw new HeadwayError(
        "schema_missing",
        "no schema on the search_path exists: create it, or pass the `schema` option to have Headway create it",
      );
    }
    // The lock above is per schema name given; a second one per actual schema covers URLs that set it another way.
    await sql.unsafe("SELECT pg_advisory_xact_lock(hashtext($1))", [`headway:migrate:${schema}`]);
    await sql.unsafe(VERSION_TABLE);
    const found = await currentVersion(sql);
    if (found > migrations.length) throw new SchemaVersionError(found, migrations.length);
    for (let version = found; version < migrations.length; version++) {
      await sql.unsafe(migrations[version] as string);
    }
    if (found < migrations.length) {
      await sql.unsafe(
        `INSERT INTO headway_schema_version (version) VALUES ($1)
         ON CONFLICT (one) DO UPDATE SET version = excluded.version`,
        [migrations.length],
      );
    }
    return schema;
  });
}

async function currentVersion(sql: PgSqlLike): Promise<number> {
  const [row] = await sql.unsafe<{ version: number }>("SELECT version FROM headway_schema_version");
  return row?.version ?? 0;
}

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
