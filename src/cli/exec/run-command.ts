import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { LIMITS } from "../../core/index.js";
import type { RunHandle } from "../../progress/index.js";
import { progressFromLine } from "../terminal/output-progress.js";
import { patchThrottle } from "../terminal/patch-throttle.js";

const FORWARDED: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** At most one progress write per this many ms, however fast the command prints. */
const UPDATE_INTERVAL_MS = 250;

/** Exit code of a child that ended by a signal, as shells report it. */
const SIGNAL_CODES: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGKILL: 137, SIGHUP: 129 };

export interface Ended {
  code: number;
  /** The signal that ended the command, when one did (its code is then the shell's 128 + n). */
  signal: NodeJS.Signals | null;
}

/**
 * Runs the command with its output passed through and read for progress.
 * Resolves with how it ended; Ctrl-C is forwarded (a second one kills), a
 * cancel from the dashboard stops it with SIGTERM.
 */
export function runCommand(command: string[], handle: RunHandle, interrupted: AbortController): Promise<Ended> {
  const [file, ...args] = command as [string, ...string[]];
  const child = spawn(file, args, { stdio: ["inherit", "pipe", "pipe"] });
  const throttle = patchThrottle((patch) => handle.update(patch), UPDATE_INTERVAL_MS);
  const onLine = (line: string) => {
    const seen = progressFromLine(line);
    if (seen) throttle.push(seen);
  };
  for (const [source, sink] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ] as const) {
    source.pipe(sink, { end: false });
    createInterface({ input: source }).on("line", onLine);
  }
  // Ctrl-C (or the terminal closing, or a kill) is passed on; a second one, for a command that
  // ignores the first, stops it outright.
  const onStop = (signal: NodeJS.Signals) => {
    const again = interrupted.signal.aborted;
    interrupted.abort(new Error("interrupted"));
    child.kill(again ? "SIGKILL" : signal);
  };
  for (const signal of FORWARDED) process.on(signal, onStop);
  // After Ctrl-C the run's own cancel fires this too; the command is already handling SIGINT its way.
  const onCancel = () => {
    if (!interrupted.signal.aborted) child.kill("SIGTERM");
  };
  handle.signal.addEventListener("abort", onCancel, { once: true });
  return new Promise<Ended>((resolve) => {
    child.on("error", (error: NodeJS.ErrnoException) => {
      const why = error.code === "ENOENT" ? "command not found" : error.message;
      console.error(`headway exec: cannot run ${file}: ${why}`);
      // The step shows this instead of a bare exit code.
      throttle.push({ step: `Cannot run ${file}: ${why}`.slice(0, LIMITS.stepChars) });
      void throttle.flush().then(() => resolve({ code: 127, signal: null }));
    });
    child.on("close", (code, signal) => {
      for (const signal of FORWARDED) process.off(signal, onStop);
      handle.signal.removeEventListener("abort", onCancel);
      // After a cancel, withRun sees the aborted signal and completes the run as cancelled.
      void throttle.flush().then(() => resolve({ code: code ?? SIGNAL_CODES[signal ?? ""] ?? 1, signal }));
    });
  });
}
