import { describe, expect, it } from "vitest";
import {
  type CompletionAnswer,
  checkAcks,
  checkCompletions,
  checkEventOrder,
  checkFinalStatesDelivered,
  describeViolations,
  type MergeAck,
  type SeenEvent,
} from "./checker.js";
import { formatLine, parseLine } from "./protocol.js";

const ev = (id: string, runId: string | null, version: number | null, type = "run.progress.updated"): SeenEvent => ({
  id,
  type,
  runId,
  version,
});

describe("the hammer checker", () => {
  describe("checkAcks", () => {
    const acks: MergeAck[] = [
      { proc: "p0", runId: "r1", key: "p0-0", value: 0 },
      { proc: "p1", runId: "r1", key: "p1-0", value: 0 },
      { proc: "p0", runId: "r2", key: "p0-0", value: 0 },
    ];

    it("passes when every acknowledged key is stored", () => {
      const stored = new Map([
        ["r1", { metadata: { "p0-0": 0, "p1-0": 0, extra: 1 } }],
        ["r2", { metadata: { "p0-0": 0 } }],
      ]);
      expect(checkAcks(acks, stored)).toEqual([]);
    });

    it("names a lost key, a wrong value and a lost run", () => {
      const stored = new Map([["r1", { metadata: { "p0-0": 7 } }]]);
      const violations = checkAcks(acks, stored);
      expect(violations).toEqual([
        { kind: "wrong-value", proc: "p0", runId: "r1", key: "p0-0", expected: 0, found: 7 },
        { kind: "lost-key", proc: "p1", runId: "r1", key: "p1-0" },
        { kind: "lost-run", runId: "r2", acks: 1 },
      ]);
      const message = describeViolations(violations);
      expect(message).toContain("lost-key ×1 (in 1 runs; by p1: 1)");
      expect(message).toContain("lost-run ×1");
    });
  });

  describe("checkCompletions", () => {
    const answer = (proc: string, runId: string, requested: string, outcome: CompletionAnswer["outcome"]) =>
      ({ proc, runId, requested, outcome, status: outcome === "acked" ? requested : undefined }) as CompletionAnswer;

    it("passes when one caller won each run and the store agrees", () => {
      const answers = [
        answer("a", "r1", "succeeded", "acked"),
        answer("b", "r1", "failed", "refused"),
        answer("a", "r2", "succeeded", "refused"),
        answer("b", "r2", "failed", "acked"),
        answer("a", "r3", "succeeded", "error"),
        answer("b", "r3", "failed", "refused"),
      ];
      const stored = new Map([
        ["r1", { status: "succeeded" }],
        ["r2", { status: "failed" }],
        ["r3", { status: "failed" }],
      ]);
      expect(checkCompletions(answers, stored)).toEqual([]);
    });

    it("finds a run acknowledged twice, a stored status nobody was told, a run refused by all and a wrong status", () => {
      const answers = [
        answer("a", "r1", "succeeded", "acked"),
        answer("b", "r1", "failed", "acked"),
        answer("a", "r2", "succeeded", "acked"),
        answer("b", "r2", "failed", "refused"),
        answer("a", "r3", "succeeded", "refused"),
        answer("b", "r3", "failed", "refused"),
        { proc: "a", runId: "r4", requested: "succeeded", outcome: "acked", status: "failed" } as CompletionAnswer,
      ];
      const stored = new Map([
        ["r1", { status: "failed" }],
        ["r2", { status: "failed" }],
        ["r3", { status: "running" }],
        ["r4", { status: "succeeded" }],
      ]);
      expect(checkCompletions(answers, stored)).toEqual([
        { kind: "acked-twice", runId: "r1", statuses: ["succeeded", "failed"] },
        { kind: "stored-differs", runId: "r2", acked: "succeeded", stored: "failed" },
        { kind: "refused-by-all", runId: "r3", stored: "running" },
        { kind: "acked-other-status", proc: "a", runId: "r4", requested: "succeeded", status: "failed" },
      ]);
    });
  });

  describe("checkEventOrder", () => {
    it("passes a clean log, deletions and a gap in sequences included", () => {
      const log = [ev("3-0", "r1", 1), ev("3-1", "r2", 1), ev("7-0", "r1", 2), ev("10-0", null, null, "run.deleted")];
      expect(checkEventOrder(log)).toEqual([]);
    });

    it("compares ids as numbers, not strings", () => {
      expect(
        checkEventOrder([ev("9-0", "r1", 1), ev("10-0", "r1", 2), ev("10-2", "r1", 3), ev("10-10", "r1", 4)]),
      ).toEqual([]);
    });

    it("finds a repeated id, an id out of order, a malformed id and a version going back", () => {
      const log = [
        ev("5-0", "r1", 2),
        ev("5-0", "r2", 1), // repeated
        ev("4-9", "r2", 2), // out of order
        ev("nonsense", "r3", 1),
        ev("6-0", "r1", 1), // r1 back from 2 to 1
      ];
      expect(checkEventOrder(log)).toEqual([
        { kind: "repeated-id", position: 1, id: "5-0", firstAt: 0 },
        { kind: "out-of-order", position: 2, id: "4-9", after: "5-0" },
        { kind: "bad-id", position: 3, id: "nonsense" },
        { kind: "version-regress", position: 4, id: "6-0", runId: "r1", version: 1, after: 2 },
      ]);
    });
  });

  describe("checkFinalStatesDelivered", () => {
    const finals = new Map([
      ["r1", 5],
      ["r2", 3],
      ["r3", 2],
    ]);

    it("passes when each final version was seen or already known at subscribe time", () => {
      const log = [ev("1-0", "r1", 4), ev("2-0", "r1", 5), ev("3-0", "r2", 3)];
      expect(checkFinalStatesDelivered(log, finals, new Map([["r3", 2]]))).toEqual([]);
    });

    it("names each run whose last state never arrived", () => {
      const log = [ev("1-0", "r1", 4), ev("3-0", "r2", 3)];
      expect(checkFinalStatesDelivered(log, finals, new Map([["r3", 1]]))).toEqual([
        { kind: "final-missing", runId: "r1", finalVersion: 5, newestSeen: 4 },
        { kind: "final-missing", runId: "r3", finalVersion: 2, newestSeen: null },
      ]);
    });
  });

  it("describes nothing when there is nothing wrong", () => {
    expect(describeViolations([])).toBe("");
  });

  it("reads back every line a hammer process writes", () => {
    const lines = [
      { kind: "ready" },
      { kind: "writing" },
      { kind: "ack", runId: "r1", key: "p0-3", value: 3 },
      { kind: "gone", runId: "r1", key: "p0-4" },
      { kind: "started", runId: "r9" },
      { kind: "completed", runId: "r1", requested: "failed", status: "failed" },
      { kind: "refused", runId: "r2", requested: "succeeded" },
      { kind: "error", op: "merge", runId: "r1", message: 'SqliteError: "busy" now' },
      { kind: "event", id: "12-0", type: "run.progress.updated", runId: "r1", version: 7 },
      { kind: "event", id: "13-0", type: "run.deleted", runId: null, version: null },
      { kind: "writes-done" },
      { kind: "closed" },
    ] as const;
    for (const line of lines) expect(parseLine(formatLine(line))).toEqual(line);
    expect(parseLine("something else")).toEqual({ kind: "unknown", text: "something else" });
  });
});
