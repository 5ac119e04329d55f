import { describe, expect, it } from "vitest";
import { type SnapshotPage, SnapshotPages } from "../../src/server/sse/snapshot-pages.js";

const page = (seq: number): SnapshotPage => ({ seq, json: new Uint8Array(), versions: [], more: false });

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

  it("forgets a page whose read failed, so the next client reads it again", async () => {
    const pages = new SnapshotPages();
    await expect(pages.get("k", 0, async () => Promise.reject(new Error("busy")))).rejects.toThrow("busy");
    expect(await pages.get("k", 0, async () => page(7))).toMatchObject({ seq: 7 });
  });
});
