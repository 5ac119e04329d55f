import { type Backend, type OpenBackendOptions, openBackend } from "../../src/store/index.js";
import { freshSchema, POSTGRES_AVAILABLE, POSTGRES_TEST_URL } from "../helpers/postgres.js";
import { tempDatabasePath } from "../helpers/temp-db.js";

/** One empty database; every `open` is another connection to it, as another process would have. */
export interface TestDatabase {
  open(options?: OpenBackendOptions): Backend;
}

export interface BackendUnderTest {
  name: string;
  /** A fresh, empty database (removed after the test). */
  database(): TestDatabase;
  /** A fresh, empty database, opened once. */
  open(): Backend;
}

function sqlite(name: string, defaults: OpenBackendOptions): BackendUnderTest {
  const database = (): TestDatabase => {
    const path = tempDatabasePath();
    return { open: (options) => openBackend(path, { ...defaults, ...options }) };
  };
  return { name, database, open: () => database().open() };
}

/** A schema of its own for each database (dropped after the test file). */
function postgres(): BackendUnderTest {
  const database = (): TestDatabase => {
    const schema = freshSchema();
    return { open: (options) => openBackend(POSTGRES_TEST_URL, { schema, maxConnections: 3, ...options }) };
  };
  return { name: "postgres", database, open: () => database().open() };
}

const ALL: BackendUnderTest[] = [
  sqlite("sqlite", {}),
  sqlite("sqlite-writer-thread", { writerThread: true }),
  // Skipped, loudly, without a server; under CI=true the postgres suites fail instead.
  ...(POSTGRES_AVAILABLE ? [postgres()] : []),
];

/**
 * The backends every contract test runs against, kysely-style. Narrow them
 * with HEADWAY_TEST_BACKENDS=sqlite,sqlite-writer-thread,postgres (names as above).
 */
export const BACKENDS: BackendUnderTest[] = (() => {
  const wanted = process.env.HEADWAY_TEST_BACKENDS?.split(",").map((name) => name.trim());
  return wanted ? ALL.filter((backend) => wanted.includes(backend.name)) : ALL;
})();
