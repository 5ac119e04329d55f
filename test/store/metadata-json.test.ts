import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { eventJson, runJson } from "../../src/store/index.js";
import { parseMetadata } from "../../src/store/metadata-json.js";

const json = fc.jsonValue({ maxDepth: 4 });
const metadata = fc.dictionary(fc.string(), json, { maxKeys: 6 });
const run = fc.record({
  id: fc.string(),
  title: fc.string(),
  percent: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: null }),
  step: fc.option(fc.string(), { nil: undefined }),
  metadata,
});

describe("run and event JSON with the stored metadata text spliced in", () => {
  it("is the same value JSON.stringify gives, for runs and for events with or without a run", () => {
    fc.assert(
      fc.property(run, fc.boolean(), fc.string(), (value, parsed, id) => {
        // A run read from the store carries metadata parsed from its stored text, which is what is spliced.
        const fromStore = parsed ? { ...value, metadata: parseMetadata(JSON.stringify(value.metadata)) } : value;
        expect(JSON.parse(runJson(fromStore))).toEqual(JSON.parse(JSON.stringify(fromStore)));
        const event = { type: "run.progress.updated", id, run: fromStore };
        expect(JSON.parse(eventJson(event))).toEqual(JSON.parse(JSON.stringify(event)));
        const notice = { type: "notification", id, run: null, notification: { title: value.title } };
        expect(eventJson(notice)).toBe(JSON.stringify(notice));
      }),
      { numRuns: 300 },
    );
  });

  it("splices the text the metadata was parsed from, not a new serialization of it", () => {
    const stored = '{"b": 1, "a": [1, 2]}';
    const spliced = runJson({ id: "r1", metadata: parseMetadata(stored) });
    expect(spliced).toBe(`{"id":"r1","metadata":${stored}}`);
  });
});
