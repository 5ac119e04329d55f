import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { HeadwayError, ValidationError } from "../../core/index.js";
import type { BatchResult, OpOutcome, RunOp, RunStoreStats } from "../run-store.js";
import type { FromWriter, ToWriter, WireOutcome, WriterData } from "./sqlite-writer-worker.js";

/**
 * Built code runs the .js worker. Source run under a TypeScript loader (tests,
 * tsx) must teach the worker TypeScript first: a worker does not inherit the
 * parent's loader hooks, so a small bootstrap registers tsx, then imports the .ts file.
 */
function spawnWriter(workerData: WriterData): Worker {
  const ownUrl = import.meta.url;
  if (!ownUrl.endsWith(".ts")) return new Worker(new URL("./sqlite-writer-worker.js", ownUrl), { workerData });
  // tsx's ESM entry sits beside the CommonJS one that require.resolve finds.
  const tsxCjs = createRequire(ownUrl).resolve("tsx/esm/api");
  const tsx = pathToFileURL(join(dirname(tsxCjs), "index.mjs")).href;
  const worker = new URL("./sqlite-writer-worker.ts", ownUrl).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(worker)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}

function fromWire(outcome: WireOutcome): OpOutcome {
  if (outcome.ok || outcome.reason !== "invalid") return outcome;
  const error = new ValidationError(outcome.field, "");
  error.message = outcome.message;
  return { ok: false, reason: "invalid", error };
}

interface Waiting {
  resolve: (result: BatchResult) => void;
  reject: (error: unknown) => void;
}

/**
 * The main thread's end of the writer thread. Batches are answered in the
 * order they were posted. However the thread ends — an error, a crash, even
 * a clean exit nobody asked for — every batch still out is rejected, and so
 * is every later one: no promise is left waiting for a reply that cannot come.
 */
export class SqliteWriterThread {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, Waiting>();
  private readonly exited: Promise<void>;
  private nextId = 1;
  private dead: HeadwayError | undefined;
  private closing = false;
  /** Counted as the thread answers. */
  readonly stats: RunStoreStats = { batches: 0, ops: 0, rowWrites: 0, rowReads: 0 };

  constructor(workerData: WriterData) {
    this.worker = spawnWriter(workerData);
    this.worker.on("message", (reply: FromWriter) => this.onReply(reply));
    this.worker.on("error", (error) => this.die(`the SQLite writer thread failed: ${error.message}`));
    this.exited = new Promise((resolve) =>
      this.worker.once("exit", (code) => {
        this.die(
          this.closing
            ? "the store was closed"
            : `the SQLite writer thread exited (code ${code}) with ${this.waiting.size} batches unanswered`,
        );
        resolve();
      }),
    );
    // An idle writer must not keep the process alive; it is held while batches are out.
    this.worker.unref();
  }

  submit(ops: readonly RunOp[], now: number): Promise<BatchResult> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    this.stats.batches++;
    this.stats.ops += ops.length;
    return new Promise<BatchResult>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      if (this.waiting.size === 1) this.worker.ref();
      this.send({ type: "batch", id, ops, now });
    });
  }

  get inFlight(): number {
    return this.waiting.size;
  }

  /** Lets the batches out finish, then stops the thread. */
  async close(): Promise<void> {
    if (!this.closing) {
      this.closing = true;
      // Held until it has exited: an unref'd worker would let the process end mid-close.
      this.worker.ref();
      if (!this.dead) this.send({ type: "close" });
    }
    await this.exited;
  }

  private onReply(reply: FromWriter): void {
    const waiting = this.waiting.get(reply.id);
    if (!waiting) return;
    this.waiting.delete(reply.id);
    if (this.waiting.size === 0 && !this.closing) this.worker.unref();
    if (reply.type === "failed") {
      waiting.reject(new HeadwayError(reply.code ?? "store_error", reply.message));
      return;
    }
    this.stats.rowWrites += reply.rowWrites;
    this.stats.rowReads += reply.rowReads;
    waiting.resolve({
      outcomes: reply.outcomes.map(fromWire),
      commit: reply.commit,
      firstDiagnostics: reply.firstDiagnostics,
      rowBytes: reply.rowBytes,
    });
  }

  private die(message: string): void {
    this.dead ??= new HeadwayError(this.closing ? "closed" : "writer_died", message);
    for (const waiting of this.waiting.values()) waiting.reject(this.dead);
    this.waiting.clear();
  }

  private send(message: ToWriter): void {
    this.worker.postMessage(message);
  }
}
