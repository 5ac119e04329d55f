import { afterEach, describe, expect, it, vi } from "vitest";
import { type SnapshotPage, SnapshotPages } from "../../src/server/sse/snapshot-pages.js";

const page = (seq: number): SnapshotPage => ({ seq, json: new Uint8Array(), versions: [], more: false });

afterEach(() => {
  vi.useRealTimers();
});

describe("snapshot pages shared between streams", () => {
  it("reads a page once for clients asking for it together, and again for another key", async () => {
    const pages = new SnapshotPages();
    let reads = 0;
    const read = async () => page(++reads);
    const [a, b] = await Promise.all([pages.get("ann|cursor1", 0, read), pages.get("ann|cursor1", 0, read)]);
    expect(a).toBe(b);
    expect(reads).toBe(1);
    await pages.get("bob|cursor1", 0, read);
    expect(reads).toBe(2);
  });

  it("does not share a page read before the asking snapshot started: its events up to then may be gone", async () => {
    const pages = new SnapshotPages();
    await pages.get("k", 0, async () => page(5));
    expect(await pages.get("k", 5, async () => page(9))).toMatchObject({ seq: 5 });
    expect(await pages.get("k", 6, async () => page(9))).toMatchObject({ seq: 9 });
  });

  it("reads at most two pages at once", async () => {
    const pages = new SnapshotPages(2);
    let active = 0;
    let most = 0;
    const read = (seq: number) => async () => {
      active++;
      most = Math.max(most, active);
      await new Promise((resolve) => setTimeout(resolve, 5));
      active--;
      return page(seq);
    };
    await Promise.all(Array.from({ length: 8 }, (_, i) => pages.get(`key${i}`, 0, read(i))));
    expect(most).toBe(2);
  });

  it("starts each read in a turn of the event loop of its own, so other work gets in between", async () => {
    const pages = new SnapshotPages(2);
    let turn = 0;
    let counting = true;
    const count = () => {
      turn++;
      if (counting) setImmediate(count);
    };
    setImmediate(count);
    const startedIn: number[] = [];
    const read = (seq: number) => async () => {
      startedIn.push(turn);
      return page(seq);
    };
    await Promise.all(Array.from({ length: 10 }, (_, i) => pages.get(`key${i}`, 0, read(i))));
    counting = false;
    // Handed on from one finished read to the next, all ten would start in one run of microtasks.
    const perTurn = new Map<number, number>();
    for (const each of startedIn) perTurn.set(each, (perTurn.get(each) ?? 0) + 1);
    expect(startedIn).toHaveLength(10);
    expect(Math.max(...perTurn.values())).toBeLessThanOrEqual(2);
  });

  it("holds at most 64 pages, and lets them go a second after they were read, asked for again or not", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    const pages = new SnapshotPages();
    await Promise.all(Array.from({ length: 100 }, (_, i) => pages.get(`key${i}`, 0, async () => page(i))));
    expect(pages.cached).toBe(64);
    vi.advanceTimersByTime(999);
    expect(pages.cached).toBe(64);
    vi.advanceTimersByTime(2);
    expect(pages.cached).toBe(0);
  });

  it("forgets a page whose read failed, so the next client reads it again", async () => {
    const pages = new SnapshotPages();
    await expect(pages.get("k", 0, async () => Promise.reject(new Error("busy")))).rejects.toThrow("busy");
    expect(await pages.get("k", 0, async () => page(7))).toMatchObject({ seq: 7 });
  });
});
