/**
 * The writer thread: owns the write connection and runs each batch's
 * program in one IMMEDIATE transaction, so the fsync of one batch overlaps
 * the main thread's work on the next. Batches planned against state another
 * connection has since changed are refused ("stale") and re-planned by the
 * main thread; after any refusal it ignores batches until told to resync.
 */
import { parentPort, workerData } from "node:worker_threads";
import { type OpenSqliteOptions, openSqliteDatabase } from "./sqlite-driver.js";
import { runWriteProgram, type StatementCache, type WriteProgram } from "./sqlite-write-program.js";

export type ToWriter =
  | { type: "batch"; generation: number; program: WriteProgram }
  | { type: "resync"; generation: number }
  | { type: "close" };

export type FromWriter =
  | { type: "ok"; generation: number; seq: number }
  | { type: "stale"; generation: number }
  | { type: "error"; generation: number; message: string; code?: string }
  | { type: "refused"; generation: number };

export interface WriterData {
  path: string;
  options: OpenSqliteOptions;
  generation: number;
}

const port = parentPort;
if (port) {
  const { path, options, generation: initial } = workerData as WriterData;
  const db = openSqliteDatabase(path, options);
  const statements: StatementCache = new Map();
  const dataVersion = () => Number(db.pragma("data_version", { simple: true }));
  let generation = initial;
  let refusing = false;
  let seenVersion = dataVersion();
  const reply = (message: FromWriter) => port.postMessage(message);

  port.on("message", (message: ToWriter) => {
    if (message.type === "close") {
      db.close();
      port.close();
      return;
    }
    if (message.type === "resync") {
      generation = message.generation;
      refusing = false;
      seenVersion = dataVersion();
      return;
    }
    if (refusing || message.generation !== generation) {
      reply({ type: "refused", generation: message.generation });
      return;
    }
    try {
      db.exec("BEGIN IMMEDIATE");
      const version = dataVersion();
      if (version !== seenVersion) {
        // Another connection committed since our last batch: the plan may rest on rows it changed.
        db.exec("ROLLBACK");
        seenVersion = version;
        refusing = true;
        reply({ type: "stale", generation });
        return;
      }
      const seq = runWriteProgram(db, statements, message.program);
      db.exec("COMMIT");
      reply({ type: "ok", generation, seq });
    } catch (error) {
      if (db.inTransaction) db.exec("ROLLBACK");
      refusing = true;
      const { message: text, code } = error as { message?: string; code?: string };
      reply({ type: "error", generation, message: text ?? String(error), code });
    }
  });
}
