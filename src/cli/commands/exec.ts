import { parseArgs } from "node:util";
import { LIMITS } from "../../core/index.js";
import { createProgress, type RunHandle, withRun } from "../../progress/index.js";
import { DEFAULT_DATABASE_PATH } from "../../store/index.js";
import { databaseUrlOption, ownerOption } from "../defaults.js";
import { type Ended, runCommand } from "../exec/run-command.js";

const USAGE = `Usage: headway exec [--title TEXT] [--owner OWNER] [--database URL] -- <command> [args…]

Runs a command as a tracked run: its output passes through unchanged, lines
like "45%" or "12/200" set the percent, the last line with words is the
step (a bare "40%" keeps the step before it). The run ends succeeded or
failed by the exit code, and cancelled on Ctrl-C (passed on to the command;
press it twice to kill) or when someone presses cancel on the dashboard
(the command then gets SIGTERM). Exits with the command's exit code.

Options:
  --title TEXT     the run's title (default: the command line)
  --owner OWNER    whose run it is (default $HEADWAY_OWNER, else $USER@localhost)
  --database URL   SQLite file path or sqlite: URL (default $HEADWAY_DATABASE_URL, else ${DEFAULT_DATABASE_PATH})`;

class CommandFailed extends Error {}

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

function failureStep(ended: Ended, handle: RunHandle): string {
  const last = handle.run.step && handle.run.step !== "starting" ? `: ${handle.run.step}` : "";
  return `${ended.signal ? `Killed by ${ended.signal}` : `Exited with code ${ended.code}`}${last}`;
}
