/** `headway manage-progress` numbers, property-based: decimal only, negative values taken as values. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toolArgsFromArgv, UsageError } from "../../src/cli/commands/manage-progress.js";

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

function usageErrorOf(argv: string[]): UsageError {
  try {
    toolArgsFromArgv(argv);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`expected a UsageError for ${JSON.stringify(argv)}`);
}

describe("manage-progress numeric options", () => {
  it("takes any plain decimal, negative ones too, as Number() reads it", () => {
    const decimal = fc
      .tuple(
        fc.constantFrom("", "-", "+"),
        fc.stringMatching(/^\d{1,6}$/),
        fc.option(fc.stringMatching(/^\d{0,4}$/), { nil: undefined }),
      )
      .map(([sign, whole, fraction]) => `${sign}${whole}${fraction === undefined ? "" : `.${fraction}`}`);
    fc.assert(
      fc.property(decimal, fc.boolean(), (text, joined) => {
        const argv = ["--action=update", "--run-id", "r1", ...(joined ? [`--percent=${text}`] : ["--percent", text])];
        expect(toolArgsFromArgv(argv).percent).toBe(Number(text));
      }),
      { numRuns: 200 },
    );
  });

  it("refuses anything else by option name: hex, binary, octal, exponents, Infinity, spaces", () => {
    const notDecimal = fc.oneof(
      fc.string({ minLength: 1, maxLength: 12 }),
      fc.constantFrom(
        "0x10",
        "0b101",
        "0o17",
        "1e2",
        "1E2",
        "-1e-2",
        "Infinity",
        "-Infinity",
        "NaN",
        " 5",
        "5 ",
        "1_000",
        "٣",
        "５",
        "0x",
        ".",
      ),
      fc.integer().map((n) => `0x${Math.abs(n).toString(16)}`),
      fc.double({ noNaN: true }).map((n) => n.toExponential()),
    );
    fc.assert(
      fc.property(notDecimal, (text) => {
        fc.pre(!DECIMAL.test(text) && !text.startsWith("--"));
        const error = usageErrorOf(["--action=update", "--run-id", "r1", `--percent=${text}`]);
        expect(error.message).toBe(
          `--percent: must be a number from 0 to 100 written in decimal digits (like 45 or 12.5), got "${text}"`,
        );
        const limit = usageErrorOf(["--action=list", `--limit=${text}`]);
        expect(limit.message.startsWith("--limit: must be a whole number")).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
