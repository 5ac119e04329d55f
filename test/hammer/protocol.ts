/**
 * What a hammer process is told (its config, one JSON argument) and what it
 * says back (one line per fact on stdout). Shared by the process script, the
 * harness that spawns it and the tests that read its log.
 *
 * Glossary:
 * - ack: a write whose promise resolved with a run, logged only after that;
 *   the store must keep it for ever.
 * - answer: how a completion ended for its caller: acknowledged (a run came
 *   back), null (refused), or an error (nothing promised).
 * - event: one envelope a subscriber received, in the order it received them.
 */
import type { TerminalStatus } from "../../src/progress/index.js";

export interface HammerConfig {
  /** The SQLite file every process shares. */
  db: string;
  /** This process's name; it prefixes every metadata key it writes ("p0-12"). */
  name: string;
  owner: string;
  /** storeOptions.writerThread. */
  writerThread: boolean;
  /** followExternalWrites. */
  follow: boolean;
  /** Subscribe to every owner's events before saying "ready", and log each one. */
  subscribe: boolean;
  /** A JSON file holding the ids of the runs the test created up front. */
  runsFile?: string;
  /** Merge `{ "<name>-<n>": n }` into every run, n = 0..writesPerRun-1, one write at a time per run, all runs at once. */
  merge?: { writesPerRun: number };
  /** Start this many runs of its own after "go" (merged into too, when `merge` is set). */
  startRuns?: number;
  /**
   * Complete every run with `status`, in an order shuffled by `seed`, `concurrency` completions in flight.
   * With `touchFirst`, first write a step to every run (so this process holds each row, maybe stale, when it completes).
   */
  complete?: { status: TerminalStatus; seed: number; concurrency: number; touchFirst?: boolean };
  /**
   * Make one write (a run of owner "boot") before saying "ready", so a writer
   * thread is up and its connection open when "go" comes. Without it, a
   * process starts writing while its writer thread may still be booting, as a
   * CLI call or a freshly started server does. (Default: false)
   */
  bootWrite?: boolean;
  /**
   * Open the instance only when "go" comes, then write at once: a process
   * that opens a file others are busy writing (a CLI call, a server start). (Default: false)
   */
  openOnGo?: boolean;
  /**
   * Sleep this long after each write, per run (or per completion slot): a
   * paced writer whose commits are spread out, with the lock mostly free in
   * between, as agents reporting progress are. (Default: 0)
   */
  pauseMs?: number;
  /**
   * Split the writes into this many parts, each through a freshly opened
   * instance (the previous one closed), as successive CLI calls do: every
   * part starts with a new connection and, maybe, a writer thread still
   * booting. (Default: 1)
   */
  phases?: number;
  /** Close and exit once the writes are done; otherwise keep following until told "quit". */
  exitWhenDone: boolean;
}

/** What the harness writes to a process's stdin. */
export type Command = "go" | "quit";

/** One line a hammer process writes, parsed. */
export type HammerLine =
  | { kind: "ready" }
  /** Its first writes of a phase are submitted (not yet acknowledged). */
  | { kind: "writing" }
  /** A merge resolved with a run: the key is acknowledged. */
  | { kind: "ack"; runId: string; key: string; value: number }
  /** A merge resolved null: the run was not there (nothing promised). */
  | { kind: "gone"; runId: string; key: string }
  | { kind: "started"; runId: string }
  /** A completion resolved with a run whose status is `status`. */
  | { kind: "completed"; runId: string; requested: string; status: string }
  /** A completion resolved null. */
  | { kind: "refused"; runId: string; requested: string }
  | { kind: "error"; op: string; runId: string; message: string }
  | { kind: "event"; id: string; type: string; runId: string | null; version: number | null }
  | { kind: "writes-done" }
  | { kind: "closed" }
  | { kind: "unknown"; text: string };

const dash = (value: string | undefined): string | null => (value === undefined || value === "-" ? null : value);

export function formatLine(line: Exclude<HammerLine, { kind: "unknown" }>): string {
  switch (line.kind) {
    case "ack":
      return `ack ${line.runId} ${line.key} ${line.value}`;
    case "gone":
      return `gone ${line.runId} ${line.key}`;
    case "started":
      return `started ${line.runId}`;
    case "completed":
      return `completed ${line.runId} ${line.requested} ${line.status}`;
    case "refused":
      return `refused ${line.runId} ${line.requested}`;
    case "error":
      return `error ${line.op} ${line.runId} ${JSON.stringify(line.message)}`;
    case "event":
      return `event ${line.id} ${line.type} ${line.runId ?? "-"} ${line.version ?? "-"}`;
    default:
      return line.kind;
  }
}

export function parseLine(text: string): HammerLine {
  const parts = text.split(" ");
  const [kind, a = "", b = "", c = ""] = parts;
  switch (kind) {
    case "ready":
    case "writing":
    case "writes-done":
    case "closed":
      return { kind };
    case "ack":
      return { kind, runId: a, key: b, value: Number(c) };
    case "gone":
      return { kind, runId: a, key: b };
    case "started":
      return { kind, runId: a };
    case "completed":
      return { kind, runId: a, requested: b, status: c };
    case "refused":
      return { kind, runId: a, requested: b };
    case "error":
      return { kind, op: a, runId: b, message: String(JSON.parse(parts.slice(3).join(" ") || '""')) };
    case "event": {
      const version = dash(parts[4]);
      return { kind, id: a, type: b, runId: dash(c), version: version === null ? null : Number(version) };
    }
    default:
      return { kind: "unknown", text };
  }
}
