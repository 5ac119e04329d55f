import type { Backend } from "../backend.js";
import { PostgresAutomationStateStore } from "./postgres-automation-state.js";
import { PostgresFeedCursorStore } from "./postgres-cursors.js";
import { openPostgresClient } from "./postgres-driver.js";
import { PostgresNotificationStore } from "./postgres-notifications.js";
import { PostgresRunStore, type PostgresStoreOptions } from "./postgres-runs.js";
import { migratePostgres, quoteIdentifier } from "./postgres-schema.js";
import { PostgresTokenStore, type PostgresTokenStoreOptions } from "./postgres-tokens.js";
import { Transactor } from "./postgres-transactor.js";
import { PostgresWebhookStore } from "./postgres-webhooks.js";

export interface OpenPostgresBackendOptions extends PostgresStoreOptions {
  /**
   * The schema to use (created when missing). Also read from the URL's
   * `?search_path=` parameter; `?options=-c search_path=…` works too, but then
   * the schema must exist. (Default: the server's search_path, usually `public`)
   */
  schema?: string;
  /** Connections in the pool for reads, tokens and webhooks, besides one for write batches and one for LISTEN. (Default: 5) */
  maxConnections?: number;
  tokens?: PostgresTokenStoreOptions;
}

/**
 * The scale-out backend. `openBackend` is synchronous, so the client is
 * created at once and the migrations run in the background: every method
 * waits for them, and `ready` rejects with their failure (a schema newer than
 * the code is a SchemaVersionError).
 */
export function openPostgresBackend(url: string, options: OpenPostgresBackendOptions = {}): Backend {
  const { schema: schemaOption, maxConnections, tokens: tokenOptions, ...storeOptions } = options;
  const schema = schemaOption ?? new URL(url).searchParams.get("search_path")?.split(",")[0]?.trim() ?? undefined;
  const connection: Record<string, string> = schemaOption ? { search_path: quoteIdentifier(schemaOption) } : {};
  // Named after the schema, so an operator (or a test) can tell the connections of one schema apart.
  const name = `headway ${schema ?? ""}`.trim().slice(0, 63);
  const named = { application_name: name, ...connection };
  const client = openPostgresClient(url, { max: maxConnections ?? 5, connection: named });
  // Write batches (and migrations) run on a connection of their own, one transaction at a time.
  const transactor = new Transactor(url, { connection: named });
  const ready = migratePostgres(transactor, { createSchema: schema?.replace(/^"(.*)"$/, "$1") });
  ready.catch(() => {}); // reported by every call that waits for it, never as an unhandled rejection
  const runs = new PostgresRunStore(
    {
      client,
      transactor,
      ready,
      openListener: ({ onnotify, onclose }) =>
        openPostgresClient(url, {
          max: 1,
          connection: { ...connection, application_name: `headway listen ${schema ?? ""}`.trim().slice(0, 63) },
          idle_timeout: null,
          max_lifetime: null,
          onnotify,
          onclose,
        }),
    },
    storeOptions,
  );
  const tokens = new PostgresTokenStore(client, ready, tokenOptions);
  const notifications = new PostgresNotificationStore(client, ready);
  const webhooks = new PostgresWebhookStore(client, ready);
  const readyVoid = ready.then(() => {});
  readyVoid.catch(() => {});
  let closing: Promise<void> | undefined;
  return {
    kind: "postgres",
    runs,
    tokens,
    notifications,
    cursors: new PostgresFeedCursorStore(client, ready),
    automationState: new PostgresAutomationStateStore(client, ready),
    webhooks,
    ready: readyVoid,
    close: () => {
      closing ??= (async () => {
        await runs.close();
        await ready.catch(() => {});
        await Promise.all([transactor.end(), client.end({ timeout: 5 })]);
      })();
      return closing;
    },
  };
}
