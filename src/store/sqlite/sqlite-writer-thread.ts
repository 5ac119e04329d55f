import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { OpenSqliteOptions } from "./sqlite-driver.js";
import type { WriteProgram } from "./sqlite-write-program.js";
import type { FromWriter, ToWriter, WriterData } from "./sqlite-writer-worker.js";

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

/**
 * The main thread's end of the writer thread. Replies arrive in the order
 * batches were posted; `onReply` sees each one.
 */
export class SqliteWriterThread {
  private readonly worker: Worker;
  private exited: Promise<void>;
  private dead: Error | undefined;

  constructor(
    path: string,
    options: OpenSqliteOptions,
    generation: number,
    onReply: (reply: FromWriter) => void,
    onDeath: (error: Error) => void,
  ) {
    const workerData: WriterData = { path, options, generation };
    this.worker = spawnWriter(workerData);
    this.worker.on("message", onReply);
    this.worker.on("error", (error) => {
      this.dead = error;
      onDeath(error);
    });
    this.exited = new Promise((resolve) =>
      this.worker.once("exit", (code) => {
        if (!this.dead && code !== 0) {
          this.dead = new Error(`the SQLite writer thread exited with code ${code}`);
          onDeath(this.dead);
        }
        resolve();
      }),
    );
    // An idle writer must not keep the process alive; `busy` holds it while batches are out.
    this.worker.unref();
  }

  /** While batches are out the process must stay up to hear back (promises alone do not hold it). */
  set busy(busy: boolean) {
    if (busy) this.worker.ref();
    else this.worker.unref();
  }

  get alive(): boolean {
    return this.dead === undefined;
  }

  post(generation: number, program: WriteProgram): void {
    this.send({ type: "batch", generation, program });
  }

  resync(generation: number): void {
    this.send({ type: "resync", generation });
  }

  async close(): Promise<void> {
    // Held until it has exited: an unref'd worker would let the process end mid-close.
    this.worker.ref();
    if (this.alive) this.send({ type: "close" });
    await this.exited;
  }

  private send(message: ToWriter): void {
    this.worker.postMessage(message);
  }
}
