import { afterEach, describe, expect, it } from "vitest";
import { FeedReader } from "../../src/progress/feed-reader.js";
import { createProgress, type Progress } from "../../src/progress/index.js";
import type { FeedCursorStore } from "../../src/store/index.js";
import { tempDatabasePath } from "../helpers/temp-db.js";

let progress: Progress | undefined;
let reader: FeedReader | undefined;
let release: (() => void) | undefined;
afterEach(async () => {
  release?.();
  await reader?.close();
  await progress?.close();
  reader = undefined;
  progress = undefined;
});

/** A cursor store whose saves, once `stall()` is called, wait until `release()`: another process holding the lock. */
function stallingCursors(inner: FeedCursorStore) {
  let stalled = false;
  let waiting: Array<() => void> = [];
  let saves = 0;
  const cursors: FeedCursorStore = {
    get: (name) => inner.get(name),
    advance: async (name, seq, now) => {
      saves++;
      if (stalled) await new Promise<void>((resolve) => waiting.push(resolve));
      await inner.advance(name, seq, now);
    },
  };
  return {
    cursors,
    saves: () => saves,
    stall: () => {
      stalled = true;
    },
    release: () => {
      stalled = false;
      for (const resolve of waiting) resolve();
      waiting = [];
    },
  };
}

describe("FeedReader", () => {
  it("keeps handling live commits while a save of its cursor waits for the database", async () => {
    progress = createProgress({ databaseUrl: tempDatabasePath(), sweepIntervalMs: 0 });
    const p = progress;
    const cursors = stallingCursors(p.backend.cursors);
    release = cursors.release;
    let now = 0;
    const handled: number[] = [];
    reader = new FeedReader(p.store, cursors.cursors, {
      name: "stalling",
      live: (listener) => p.subscribe(listener),
      liveAfter: () => p.publishedAfter,
      intervalMs: 60_000,
      onError: (error) => {
        throw error;
      },
      // Every handled commit finds the last save long ago: each would save, were saves awaited.
      clock: () => (now += 10_000),
      handle: async (events) => {
        for (const event of events) if (event.run) handled.push(event.run.percent ?? 0);
      },
    });
    await reader.idle();
    cursors.stall();

    const run = await p.startRun({ owner: "ann", title: "stalled saves" });
    for (let percent = 1; percent <= 30; percent++) await p.updateRunProgress(run.id, "ann", { percent });
    const deadline = Date.now() + 3000;
    while (handled.length < 31 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));

    expect(handled).toEqual([0, ...Array.from({ length: 30 }, (_, i) => i + 1)]);
    // One save in flight, not one per commit.
    const savesWhileStalled = cursors.saves();
    expect(savesWhileStalled).toBeLessThanOrEqual(2);

    cursors.release();
    await reader.close();
    reader = undefined;
    expect(await p.backend.cursors.get("stalling")).toBe(await p.store.currentCommitSeq());
  });

  it("leaves a save that finds the database busy for later, without reporting it", async () => {
    progress = createProgress({ databaseUrl: tempDatabasePath(), sweepIntervalMs: 0 });
    const p = progress;
    const errors: unknown[] = [];
    let busy = false;
    const cursors: FeedCursorStore = {
      get: (name) => p.backend.cursors.get(name),
      advance: async (name, seq, now) => {
        if (busy) throw Object.assign(new Error("database is busy"), { code: "busy" });
        await p.backend.cursors.advance(name, seq, now);
      },
    };
    let now = 0;
    let handled = 0;
    reader = new FeedReader(p.store, cursors, {
      name: "busy",
      live: (listener) => p.subscribe(listener),
      liveAfter: () => p.publishedAfter,
      intervalMs: 60_000,
      onError: (error) => errors.push(error),
      clock: () => (now += 10_000),
      handle: async (events) => {
        handled += events.length;
      },
    });
    await reader.idle();
    busy = true;
    const run = await p.startRun({ owner: "ann", title: "busy saves" });
    await p.updateRunProgress(run.id, "ann", { percent: 50 });
    const deadline = Date.now() + 3000;
    while (handled < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(handled).toBe(2);
    expect(errors).toEqual([]);

    busy = false;
    await reader.close();
    reader = undefined;
    expect(await p.backend.cursors.get("busy")).toBe(await p.store.currentCommitSeq());
  });
});
