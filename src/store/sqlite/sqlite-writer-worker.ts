/**
 * The writer thread: owns a write connection and runs whole batches on it
 * (read, plan, write, commit), so one batch's fsync overlaps the main
 * thread's work on the next batch's callers and events. Batches run in the
 * order they arrive and are answered in that order.
 */
import { parentPort, workerData } from "node:worker_threads";
import { ValidationError } from "../../core/index.js";
import type { BatchResult, OpOutcome, RunOp } from "../run-store.js";
import { type BatchWriterOptions, SqliteBatchWriter } from "./sqlite-batch.js";
import { type OpenSqliteOptions, openSqliteDatabase } from "./sqlite-driver.js";

export type ToWriter = { type: "batch"; id: number; ops: readonly RunOp[]; now: number } | { type: "close" };

/** An outcome as it crosses threads: a ValidationError would arrive as a plain Error without its field. */
export type WireOutcome =
  | Exclude<OpOutcome, { reason: "invalid" }>
  | { ok: false; reason: "invalid"; field: string; message: string };

export type FromWriter =
  | {
      type: "done";
      id: number;
      outcomes: WireOutcome[];
      commit: BatchResult["commit"];
      firstDiagnostics: BatchResult["firstDiagnostics"];
      rowBytes: number;
      rowWrites: number;
      rowReads: number;
    }
  | { type: "failed"; id: number; message: string; code?: string };

export interface WriterData {
  path: string;
  open: OpenSqliteOptions;
  batch: BatchWriterOptions;
}

export function toWire(outcome: OpOutcome): WireOutcome {
  if (outcome.ok || outcome.reason !== "invalid") return outcome;
  const { error } = outcome;
  const field = error instanceof ValidationError ? error.field : "input";
  return { ok: false, reason: "invalid", field, message: error.message };
}

const port = parentPort;
if (port) {
  const data = workerData as WriterData;
  const db = openSqliteDatabase(data.path, data.open);
  const writer = new SqliteBatchWriter(db, data.batch);
  port.on("message", (message: ToWriter) => {
    if (message.type === "close") {
      db.close();
      port.close();
      return;
    }
    try {
      const before = { ...writer.stats };
      const result = writer.execute(message.ops, message.now);
      const reply: FromWriter = {
        type: "done",
        id: message.id,
        outcomes: result.outcomes.map(toWire),
        commit: result.commit,
        firstDiagnostics: result.firstDiagnostics,
        rowBytes: result.rowBytes,
        rowWrites: writer.stats.rowWrites - before.rowWrites,
        rowReads: writer.stats.rowReads - before.rowReads,
      };
      port.postMessage(reply);
    } catch (error) {
      const { message: text, code } = error as { message?: string; code?: string };
      port.postMessage({ type: "failed", id: message.id, message: text ?? String(error), code } satisfies FromWriter);
    }
  });
}
