import { afterEach, describe, expect, it } from "vitest";
import {
  completeRun,
  deleteRun,
  getDefaultProgress,
  getRun,
  listRuns,
  setDefaultProgress,
  startRun,
  updateRunProgress,
} from "../../src/progress/index.js";
import { freshSchema, POSTGRES_AVAILABLE, postgresUrl } from "../helpers/postgres.js";
import { tempDatabasePath } from "../helpers/temp-db.js";

/** The same example on each backend, chosen only by HEADWAY_DATABASE_URL. */
const URLS: Array<[string, () => string]> = [
  ["sqlite", () => `sqlite:${tempDatabasePath()}`],
  ...(POSTGRES_AVAILABLE ? ([["postgres", () => postgresUrl(freshSchema())]] as Array<[string, () => string]>) : []),
];

afterEach(async () => {
  await getDefaultProgress().close();
  setDefaultProgress(undefined);
  delete process.env.HEADWAY_DATABASE_URL;
});

describe.each(URLS)("the seed example, against the module functions (%s)", (_name, url) => {
  it("runs as written in the README", async () => {
    process.env.HEADWAY_DATABASE_URL = url();
    const owner = "alice@example.com";

    const run = await startRun({ owner, title: "Triage 128 unread emails", step: "Fetching inbox" });
    for (let i = 1; i <= 128; i += 16) {
      await updateRunProgress(run.id, owner, {
        percent: (i / 128) * 100,
        step: `Classifying ${i}/128`,
      });
    }
    await completeRun(run.id, owner, "succeeded", { step: "Triaged 128 emails" });

    const stored = await getRun(run.id, owner);
    expect(stored).toMatchObject({ status: "succeeded", percent: 100, step: "Triaged 128 emails", version: 10 });
    expect(await listRuns(owner, { activeOnly: true })).toEqual([]);
    expect((await listRuns(owner)).map((r) => r.id)).toEqual([run.id]);
    expect(await getRun(run.id, "mallory@example.com")).toBeNull();
    expect(await deleteRun(run.id, owner)).toBe(true);
  });
});

describe("the default instance", () => {
  it("stores into the file HEADWAY_DATABASE_URL names", async () => {
    const path = tempDatabasePath();
    process.env.HEADWAY_DATABASE_URL = path;
    const run = await startRun({ owner: "o", title: "persisted" });
    await getDefaultProgress().close();
    setDefaultProgress(undefined);
    expect(await getRun(run.id, "o")).toMatchObject({ title: "persisted" });
  });
});
