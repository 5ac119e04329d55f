import { MultiBar, Presets, type SingleBar } from "cli-progress";
import { type AgentRun, type ProgressMark, trackProgress } from "../../core/index.js";
import { elapsedOf, etaOf, plainLine, STATUS_MARK } from "./format.js";

/** How long a finished run stays on the board before it leaves. */
const LINGER_MS = 3000;

/** A live view of runs: bars redrawn in place on a terminal, one line per change elsewhere. */
export interface RunBoard {
  show(run: AgentRun): void;
  remove(runId: string): void;
  stop(): void;
}

/** Plain lines for pipes and logs: one per change, nothing redrawn. */
export function lineBoard(out: NodeJS.WritableStream): RunBoard {
  const printed = new Map<string, string>();
  const marks = new Map<string, ProgressMark>();
  return {
    show(run) {
      const mark = trackProgress(marks.get(run.id), run);
      marks.set(run.id, mark);
      const line = plainLine(run, Date.now(), mark);
      if (printed.get(run.id) === line) return;
      printed.set(run.id, line);
      out.write(`${line}\n`);
    },
    remove(runId) {
      printed.delete(runId);
      marks.delete(runId);
    },
    stop() {},
  };
}

/** cli-progress bars, one per active run; elapsed and the ETA countdown tick every second. */
export function barBoard(out: NodeJS.WritableStream & { isTTY?: boolean }): RunBoard {
  const multibar = new MultiBar(
    {
      format: "{mark} {title} {bar} {pct} {step}  {times}",
      barsize: 24,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      autopadding: true,
      forceRedraw: true,
      stream: out,
    },
    Presets.shades_classic,
  );
  const bars = new Map<string, { bar: SingleBar; run: AgentRun; mark: ProgressMark; leaving?: NodeJS.Timeout }>();
  const payload = (run: AgentRun, mark: ProgressMark) => ({
    mark: STATUS_MARK[run.status],
    title: run.title.length > 32 ? `${run.title.slice(0, 31)}…` : run.title.padEnd(32),
    pct: run.percent === null ? "   …" : `${String(run.percent).padStart(3)}%`,
    step: run.status === "running" ? (run.step ?? "") : `${run.status}${run.step ? ` — ${run.step}` : ""}`,
    times: [elapsedOf(run, Date.now()), etaOf(run, Date.now(), mark)].filter(Boolean).join("  "),
  });
  // The board always holds a line: cli-progress leaves the last bar's text on screen when it removes it,
  // so an idle line comes in before the last run leaves, and goes after the first run arrives.
  const idleLine = () => multibar.create(0, 0, {}, { format: "No active runs; waiting for one (Ctrl-C to stop)" });
  let idle: SingleBar | null = idleLine();
  const remove = (runId: string) => {
    const entry = bars.get(runId);
    if (!entry) return;
    clearTimeout(entry.leaving);
    if (bars.size === 1) idle = idleLine();
    multibar.remove(entry.bar);
    bars.delete(runId);
  };
  const ticker = setInterval(() => {
    for (const { bar, run, mark } of bars.values()) bar.update(run.percent ?? 0, payload(run, mark));
  }, 1000);
  return {
    show(run) {
      let entry = bars.get(run.id);
      if (entry && entry.run.version > run.version) return;
      if (!entry) {
        const mark = trackProgress(undefined, run);
        entry = { bar: multibar.create(100, run.percent ?? 0, payload(run, mark)), run, mark };
        bars.set(run.id, entry);
        if (idle) multibar.remove(idle);
        idle = null;
      }
      entry.run = run;
      entry.mark = trackProgress(entry.mark, run);
      entry.bar.update(run.percent ?? 0, payload(run, entry.mark));
      if (run.status !== "running" && !entry.leaving) entry.leaving = setTimeout(() => remove(run.id), LINGER_MS);
    },
    remove,
    stop() {
      clearInterval(ticker);
      multibar.stop();
    },
  };
}
