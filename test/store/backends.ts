import { type Backend, type OpenBackendOptions, openBackend } from "../../src/store/index.js";
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

const ALL: BackendUnderTest[] = [sqlite("sqlite", {}), sqlite("sqlite-writer-thread", { writerThread: true })];

/**
 * The backends every contract test runs against, kysely-style. Narrow them
 * with HEADWAY_TEST_BACKENDS=sqlite,sqlite-writer-thread (names as above).
 */
export const BACKENDS: BackendUnderTest[] = (() => {
  const wanted = process.env.HEADWAY_TEST_BACKENDS?.split(",").map((name) => name.trim());
  return wanted ? ALL.filter((backend) => wanted.includes(backend.name)) : ALL;
})();
