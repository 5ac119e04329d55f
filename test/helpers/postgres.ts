import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { afterAll } from "vitest";

/**
 * PostgreSQL for tests: the server at HEADWAY_TEST_POSTGRES_URL, a fresh
 * schema per backend opened, every schema a test file made dropped after it.
 * Under CI=true an unreachable server fails the suites; elsewhere they skip, loudly.
 */
export const POSTGRES_TEST_URL = process.env.HEADWAY_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

interface AdminClient {
  unsafe(query: string, params?: unknown[]): Promise<Array<Record<string, unknown>>>;
  end(options?: { timeout?: number }): Promise<void>;
}
type Factory = (url: string, options: Record<string, unknown>) => AdminClient;
const postgres = createRequire(import.meta.url)("postgres") as Factory;

/** A one-connection client for test set-up (dropping schemas, killing connections). */
export function adminClient(): AdminClient {
  return postgres(POSTGRES_TEST_URL, { max: 1, onnotice: () => {}, connect_timeout: 3 });
}

async function probe(): Promise<string | null> {
  const admin = adminClient();
  try {
    await admin.unsafe("SELECT 1");
    return null;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await admin.end({ timeout: 1 }).catch(() => {});
  }
}

const problem = await probe();
if (problem && process.env.CI !== "true") {
  console.warn(
    `\n*** PostgreSQL tests SKIPPED: cannot reach ${POSTGRES_TEST_URL} (${problem}).\n` +
      "*** Start PostgreSQL or set HEADWAY_TEST_POSTGRES_URL; under CI=true these tests fail instead.\n",
  );
}

/** Whether the postgres suites run: reachable, or CI (where they then fail with the connection error). */
export const POSTGRES_AVAILABLE = problem === null || process.env.CI === "true";

const schemas: string[] = [];

// Registered on import, i.e. once for each test file that uses these helpers.
afterAll(async () => {
  if (schemas.length === 0) return;
  const admin = adminClient();
  try {
    for (const name of schemas.splice(0)) await admin.unsafe(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
  } finally {
    await admin.end({ timeout: 1 });
  }
});

/** A fresh schema name (dropped after the test file) for a backend to create and use. */
export function freshSchema(): string {
  const schema = `hw_${randomBytes(6).toString("hex")}`;
  schemas.push(schema);
  return schema;
}

/** The test server's URL with `?search_path=` set to `schema`. */
export function postgresUrl(schema: string): string {
  const url = new URL(POSTGRES_TEST_URL);
  url.searchParams.set("search_path", schema);
  return url.toString();
}

/** Terminates the LISTEN connections of a schema (as a network fault would); returns how many. */
export async function killListeners(schema: string): Promise<number> {
  const admin = adminClient();
  try {
    const rows = await admin.unsafe(
      "SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE application_name = $1",
      [`headway listen ${schema}`],
    );
    return rows.filter((row) => row.killed === true).length;
  } finally {
    await admin.end({ timeout: 1 });
  }
}

/** Terminates the pool connections (not LISTEN) of a schema, as a network fault would; returns how many. */
export async function killPool(schema: string): Promise<number> {
  const admin = adminClient();
  try {
    const rows = await admin.unsafe(
      "SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE application_name = $1",
      [`headway ${schema}`],
    );
    return rows.filter((row) => row.killed === true).length;
  } finally {
    await admin.end({ timeout: 1 });
  }
}
