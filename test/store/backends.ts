import { type Backend, openBackend } from "../../src/store/index.js";
import { tempDatabasePath } from "../helpers/temp-db.js";

export interface BackendUnderTest {
  name: string;
  /** A fresh, empty backend. */
  open: () => Backend;
}

const ALL: BackendUnderTest[] = [
  { name: "sqlite", open: () => openBackend(tempDatabasePath()) },
  { name: "sqlite-writer-thread", open: () => openBackend(tempDatabasePath(), { writerThread: true }) },
];

/**
 * The backends every contract test runs against, kysely-style. Narrow them
 * with HEADWAY_TEST_BACKENDS=sqlite,sqlite-writer-thread (names as above).
 */
export const BACKENDS: BackendUnderTest[] = (() => {
  const wanted = process.env.HEADWAY_TEST_BACKENDS?.split(",").map((name) => name.trim());
  return wanted ? ALL.filter((backend) => wanted.includes(backend.name)) : ALL;
})();
