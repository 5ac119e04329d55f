import { type Backend, openBackend } from "../../src/store/index.js";
import { freshSchema, POSTGRES_AVAILABLE, POSTGRES_TEST_URL } from "../helpers/postgres.js";
import { tempDatabasePath } from "../helpers/temp-db.js";

export interface BackendUnderTest {
  name: string;
  /** A fresh, empty backend. */
  open: () => Backend;
}

const ALL: BackendUnderTest[] = [
  { name: "sqlite", open: () => openBackend(tempDatabasePath()) },
  { name: "sqlite-writer-thread", open: () => openBackend(tempDatabasePath(), { writerThread: true }) },
  // A schema of its own for each backend opened (dropped after the test file); skipped, loudly, without a server.
  ...(POSTGRES_AVAILABLE
    ? [{ name: "postgres", open: () => openBackend(POSTGRES_TEST_URL, { schema: freshSchema(), maxConnections: 3 }) }]
    : []),
];

/**
 * The backends every contract test runs against, kysely-style. Narrow them
 * with HEADWAY_TEST_BACKENDS=sqlite,sqlite-writer-thread,postgres (names as above).
 */
export const BACKENDS: BackendUnderTest[] = (() => {
  const wanted = process.env.HEADWAY_TEST_BACKENDS?.split(",").map((name) => name.trim());
  return wanted ? ALL.filter((backend) => wanted.includes(backend.name)) : ALL;
})();
