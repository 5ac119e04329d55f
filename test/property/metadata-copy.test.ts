/** The metadata walk must agree with JSON itself: same size in bytes, same value, for any JSON object. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { copyJsonObject, jsonStringBytes, LIMITS } from "../../src/core/index.js";

const unicodeJson = fc.jsonValue({ maxDepth: 6, stringUnit: "binary" });

describe("copyJsonObject agrees with JSON.stringify and JSON.parse", () => {
  it("measures exactly the UTF-8 bytes JSON.stringify writes, and copies what JSON.parse reads back", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: "binary" }), unicodeJson, { maxKeys: 8 }), (object) => {
        const text = JSON.stringify(object);
        const bytes = Buffer.byteLength(text);
        const result = copyJsonObject(object);
        if (bytes > LIMITS.metadataBytes) {
          expect(result).toMatchObject({ message: expect.stringMatching(/^must be at most 16384 bytes/) });
          return;
        }
        if ("message" in result) {
          // Only depth can refuse valid JSON within the size limit.
          expect(result.message).toBe("nesting deeper than 32 levels");
          return;
        }
        expect(result.bytes).toBe(bytes);
        expect(result.value).toEqual(JSON.parse(text));
        expect(JSON.stringify(result.value)).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it("measures any string as JSON.stringify writes it", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (text) => {
        expect(jsonStringBytes(text)).toBe(Buffer.byteLength(JSON.stringify(text)));
      }),
      { numRuns: 300 },
    );
    for (const text of ['"', "\\", "\b\f\n\r\t", "\u0000\u001f\u007f", "\u2028\u2029", "é😀中", "\uD800", "\uDC00x"]) {
      expect(jsonStringBytes(text), JSON.stringify(text)).toBe(Buffer.byteLength(JSON.stringify(text)));
    }
  });

  it("shares nothing with the input", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }), (object) => {
        const before = JSON.stringify(object);
        const result = copyJsonObject(object);
        if ("message" in result) return;
        // Scribble over the copy: the input stays as it was.
        const stack: unknown[] = [result.value];
        while (stack.length) {
          const item = stack.pop();
          if (typeof item !== "object" || item === null) continue;
          for (const key of Object.keys(item)) {
            stack.push((item as Record<string, unknown>)[key]);
            (item as Record<string, unknown>)[key] = "changed";
          }
        }
        expect(JSON.stringify(object)).toBe(before);
      }),
      { numRuns: 150 },
    );
  });
});
