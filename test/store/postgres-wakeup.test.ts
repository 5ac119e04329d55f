/**
 * The poll behind NOTIFY, with the connection and the sequence read in the test's hands, so the
 * order in which the first read lands against a commit is not left to a loaded machine.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { PgClientLike } from "../../src/store/postgres/postgres-driver.js";
import { CommitWatch } from "../../src/store/postgres/postgres-wakeup.js";

const watches: CommitWatch[] = [];
afterEach(async () => {
  await Promise.all(watches.splice(0).map((watch) => watch.stop()));
});

/** A LISTEN connection that answers LISTEN and never delivers a notification. */
function silentListener(): PgClientLike {
  const client = {
    unsafe: async () => [],
    end: async () => {},
  };
  return client as unknown as PgClientLike;
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function watch(readSeq: () => Promise<number>, onWake: () => void): void {
  watches.push(
    new CommitWatch(silentListener, onWake, { channel: "headway_commits", readSeq, pollMs: 10, retryMs: 1000 }),
  );
}

describe("CommitWatch's poll", () => {
  it("wakes for a commit made before its first successful read, when the reads before it failed", async () => {
    let reachable = false;
    let seq = 7;
    let reads = 0;
    let wakes = 0;
    watch(
      async () => {
        reads++;
        if (!reachable) throw new Error("connection refused"); // the database out of reach at first
        return seq;
      },
      () => wakes++,
    );
    await until(() => wakes === 1 && reads >= 3, "LISTEN's wake and three failed reads");
    seq = 8; // a commit whose NOTIFY went to no one, before the poll could read any sequence
    reachable = true;
    await until(() => wakes > 1, "a wake from the poll");
    expect(wakes).toBe(2);
  });

  it("wakes once a read succeeds, then only when the sequence moves", async () => {
    let seq = 3;
    let reads = 0;
    let wakes = 0;
    watch(
      async () => {
        reads++;
        return seq;
      },
      () => wakes++,
    );
    await until(() => reads >= 5, "five reads");
    // One wake from LISTEN, one from the first read (no baseline yet), none from the reads that saw 3 again.
    expect(wakes).toBe(2);
    seq = 4;
    await until(() => wakes === 3, "the wake for the new sequence");
    const readsNow = reads;
    await until(() => reads >= readsNow + 5, "five more reads");
    expect(wakes).toBe(3);
  });
});
