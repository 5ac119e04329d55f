/**
 * The episode protocol of `repeat: true` rules, as a property over a real
 * SQLite store: two processes look at one run's versions (each in its own
 * order of arrival, a view of its own) and fire episode keys. Whatever they
 * see, no true episode is delivered under two keys and keys count up from 1;
 * when one process sees every version (the other in step or lagging), every
 * episode is delivered.
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { type EpisodeView, stepEpisode } from "../../src/automations/rule-episodes.js";
import { openBackend } from "../../src/store/index.js";
import { tempDatabasePath } from "../helpers/temp-db.js";

const backend = openBackend(tempDatabasePath());
afterAll(() => backend.close());
const store = backend.automationState;
let nextId = 0;

/** The true episode each version belongs to (0 = not matching), numbered from 1 in order of rises. */
function episodesOf(matching: readonly boolean[]): number[] {
  let episode = 0;
  return matching.map((m, i) => {
    if (m && (i === 0 || !matching[i - 1])) episode++;
    return m ? episode : 0;
  });
}

/**
 * Plays the looks in `order` (process 0 or 1 takes its next version; 2: both at once, their store
 * calls interleaving) and returns the fires: the key each fired, and the version it looked at.
 */
async function play(matching: readonly boolean[], seen: [number[], number[]], order: readonly number[]) {
  const automationId = `rule-${nextId++}`;
  const views: Array<EpisodeView | undefined> = [undefined, undefined];
  const next = [0, 0];
  const fires: Array<{ key: number; version: number }> = [];
  const look = async (who: number) => {
    const version = seen[who]![next[who]!];
    if (version === undefined) return;
    next[who]!++;
    const check = { version, checkedAt: version };
    const step = await stepEpisode(store, { automationId, runId: "r" }, views[who], matching[version - 1]!, check, 0);
    if (!step) return;
    views[who] = step.view;
    if (step.fire !== null) fires.push({ key: step.fire, version });
  };
  for (const who of order) {
    if (who === 2) await Promise.all([look(0), look(1)]);
    else await look(who);
  }
  return fires;
}

/**
 * Each key is delivered by its first firing (later ones are no-ops: the dedupe key exists). No true
 * episode is delivered under two keys, every delivery is at a matching version, and keys count up
 * from 1. (A key fired again in a later episode is that episode missed, never doubled: it happens
 * only when no process saw the condition stop matching in between.) Returns how many were delivered.
 */
function checkFires(matching: readonly boolean[], fires: Array<{ key: number; version: number }>) {
  const truth = episodesOf(matching);
  const delivered = new Map<number, number>(); // key → the true episode its first firing was in
  for (const { key, version } of fires) {
    const episode = truth[version - 1]!;
    expect(episode, `key ${key} fired at version ${version}, which did not match`).toBeGreaterThan(0);
    if (!delivered.has(key)) delivered.set(key, episode);
  }
  const episodes = [...delivered.values()];
  expect(new Set(episodes).size, `an episode delivered under two keys: ${JSON.stringify(fires)}`).toBe(episodes.length);
  const keys = [...delivered.keys()].sort((a, b) => a - b);
  expect(keys).toEqual(keys.map((_, i) => i + 1));
  return episodes.length;
}

const timeline = fc.array(fc.boolean(), { minLength: 1, maxLength: 14 });
const rises = (matching: readonly boolean[]) => Math.max(0, ...episodesOf(matching));
const all = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe("repeat episodes across two processes", () => {
  it("never announce one episode twice, whatever each process sees and in whatever order", async () => {
    const scenario = timeline.chain((matching) =>
      fc.record({
        matching: fc.constant(matching),
        // Each process sees some versions, not always in order (a timer look can overtake an event).
        a: fc.array(fc.integer({ min: 1, max: matching.length }), { maxLength: 20 }),
        b: fc.array(fc.integer({ min: 1, max: matching.length }), { maxLength: 20 }),
        order: fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 40 }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(scenario, async ({ matching, a, b, order }) => {
        const fires = await play(matching, [a, b], order);
        expect(checkFires(matching, fires)).toBeLessThanOrEqual(rises(matching));
      }),
      { numRuns: 300 },
    );
  });

  it("announce every episode when both see every version, in any interleaving", async () => {
    const scenario = timeline.chain((matching) =>
      fc.record({
        matching: fc.constant(matching),
        order: fc.shuffledSubarray([...Array(matching.length).fill(0), ...Array(matching.length).fill(1)], {
          minLength: 2 * matching.length,
        }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(scenario, async ({ matching, order }) => {
        const seen = all(matching.length);
        const fires = await play(matching, [seen, seen], order);
        expect(checkFires(matching, fires)).toBe(rises(matching));
      }),
      { numRuns: 300 },
    );
  });

  it("announce every episode when one sees every version and the other lags behind it", async () => {
    const scenario = timeline.chain((matching) =>
      fc.record({
        matching: fc.constant(matching),
        lagging: fc.subarray(all(matching.length)),
        gaps: fc.array(fc.nat({ max: 3 }), { minLength: matching.length, maxLength: matching.length }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(scenario, async ({ matching, lagging, gaps }) => {
        // The leader looks at each version; after it, the laggard catches up on what it was shown, a few at a time.
        const order: number[] = [];
        let shown = 0;
        for (let version = 1; version <= matching.length; version++) {
          order.push(0);
          for (let i = 0; i < gaps[version - 1]! && shown < lagging.length && lagging[shown]! <= version; i++) {
            order.push(1);
            shown++;
          }
        }
        while (shown++ < lagging.length) order.push(1);
        const fires = await play(matching, [all(matching.length), lagging], order);
        expect(checkFires(matching, fires)).toBe(rises(matching));
      }),
      { numRuns: 300 },
    );
  });
});
