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

/** A watch over a counter that `read` gives (or throws for): its reads and wakes, counted. */
function watch(read: () => number): { readonly reads: number; readonly wakes: number } {
  const counts = { reads: 0, wakes: 0 };
  const readSeq = async () => {
    counts.reads++;
    return read();
  };
  const onWake = () => counts.wakes++;
  watches.push(
    new CommitWatch(silentListener, onWake, { channel: "headway_commits", readSeq, pollMs: 10, retryMs: 1000 }),
  );
  return counts;
}

describe("CommitWatch's poll", () => {
  it("wakes for a commit made before its first successful read, when the reads before it failed", async () => {
    let reachable = false;
    let seq = 7;
    const counts = watch(() => {
      if (!reachable) throw new Error("connection refused"); // the database out of reach at first
      return seq;
    });
    await until(() => counts.wakes === 1 && counts.reads >= 3, "LISTEN's wake and three failed reads");
    seq = 8; // a commit whose NOTIFY went to no one, before the poll could read any sequence
    reachable = true;
    await until(() => counts.wakes > 1, "a wake from the poll");
    expect(counts.wakes).toBe(2);
  });

  it("wakes once a read succeeds, then only when the sequence moves", async () => {
    let seq = 3;
    const counts = watch(() => seq);
    await until(() => counts.reads >= 5, "five reads");
    // One wake from LISTEN, one from the first read (no baseline yet), none from the reads that saw 3 again.
    expect(counts.wakes).toBe(2);
    seq = 4;
    await until(() => counts.wakes === 3, "the wake for the new sequence");
    const readsNow = counts.reads;
    await until(() => counts.reads >= readsNow + 5, "five more reads");
    expect(counts.wakes).toBe(3);
  });
});
