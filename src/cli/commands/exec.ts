import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { LIMITS } from "../../core/index.js";
import { createProgress, type RunHandle, withRun } from "../../progress/index.js";
import { DEFAULT_DATABASE_PATH } from "../../store/index.js";
import { databaseUrlOption, ownerOption } from "../defaults.js";
import { progressFromLine } from "../terminal/output-progress.js";
import { patchThrottle } from "../terminal/patch-throttle.js";

const USAGE = `Usage: headway exec [--title TEXT] [--owner OWNER] [--database URL] -- <command> [args…]

Runs a command as a tracked run: its output passes through unchanged, lines
like "45%" or "12/200" set the percent, the last line with words is the
step (a bare "40%" keeps the step before it). The run
ends succeeded or failed by the exit code, and cancelled on Ctrl-C or when
someone presses cancel on the dashboard (the command then gets SIGTERM).

Options:
  --title TEXT     the run's title (default: the command line)
  --owner OWNER    whose run it is (default $HEADWAY_OWNER, else $USER@localhost)
  --database URL   SQLite file path or sqlite: URL (default $HEADWAY_DATABASE_URL, else ${DEFAULT_DATABASE_PATH})`;

class CommandFailed extends Error {}

const FORWARDED: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** At most one progress write per this many ms, however fast the command prints. */
const UPDATE_INTERVAL_MS = 250;

/** Exit code of a child that ended by a signal, as shells report it. */
const SIGNAL_CODES: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGKILL: 137, SIGHUP: 129 };

export async function run(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  } catch (error) {
    console.error(`headway exec: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals: command } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (command.length === 0) {
    console.error(`headway exec: no command given (put it after --)\n\n${USAGE}`);
    return 2;
  }
  let owner: string;
  try {
    owner = ownerOption(values.owner);
  } catch (error) {
    console.error(`headway exec: ${(error as Error).message}`);
    return 2;
  }
  const commandLine = command.join(" ");
  const title =
    values.title ??
    (commandLine.length <= LIMITS.titleChars ? commandLine : `${commandLine.slice(0, LIMITS.titleChars - 1)}…`);
  // Following other writers' commits lets a cancel pressed on the dashboard reach us within milliseconds.
  const progress = createProgress({
    databaseUrl: databaseUrlOption(values.database),
    followExternalWrites: true,
    sweepIntervalMs: 0,
  });
  const interrupted = new AbortController();
  let exitCode = 0;
  try {
    await withRun({ progress, owner, title, step: "starting", signal: interrupted.signal }, async (handle) => {
      const ended = await runCommand(command, handle, interrupted);
      exitCode = ended.code;
      await handle.flush();
      // A command that exits cleanly after Ctrl-C or a cancel was still stopped: withRun records it cancelled.
      if (interrupted.signal.aborted || handle.signal.aborted) throw new CommandFailed("cancelled");
      if (exitCode !== 0) throw new CommandFailed(failureStep(ended, handle));
    });
  } catch (error) {
    if (
      !(error instanceof CommandFailed) &&
      !interrupted.signal.aborted &&
      !(error instanceof Error && error.name === "AbortError")
    ) {
      console.error(`headway exec: ${(error as Error).message}`);
      exitCode ||= 1;
    }
  } finally {
    await progress.close();
  }
  return exitCode;
}

const OPTIONS = {
  title: { type: "string" },
  owner: { type: "string" },
  database: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

interface Ended {
  code: number;
  /** The signal that ended the command, when one did (its code is then the shell's 128 + n). */
  signal: NodeJS.Signals | null;
}

function failureStep(ended: Ended, handle: RunHandle): string {
  const last = handle.run.step && handle.run.step !== "starting" ? `: ${handle.run.step}` : "";
  return `${ended.signal ? `Killed by ${ended.signal}` : `Exited with code ${ended.code}`}${last}`;
}

/**
 * Runs the command with its output passed through and read for progress.
 * Resolves with its exit code; Ctrl-C is forwarded, a cancel from the
 * dashboard stops it with SIGTERM.
 */
function runCommand(command: string[], handle: RunHandle, interrupted: AbortController): Promise<Ended> {
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
