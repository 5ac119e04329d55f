import { LIMITS } from "../../core/index.js";

export interface LineProgress {
  percent?: number;
  /** Absent when the line is only the figure ("40%", "[12/200]"): the step it follows stays. */
  step?: string;
}

// What is left of a line that says nothing besides its figure.
const BARE = /^[^\p{L}\p{N}]*$/u;

// Colour codes and cursor moves that tools print around their progress text.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;
const PERCENT = /(\d{1,3}(?:\.\d+)?)\s?%/;
const COUNT = /\b(\d+)\s?\/\s?(\d+)\b/;

/**
 * What one line of a command's output says about its progress: a percent
 * from "45%" or "12/200", and the line itself as the step (trimmed to fit)
 * unless it is only the figure. Null for blank lines.
 */
export function progressFromLine(raw: string): LineProgress | null {
  // A carriage return redraws a line in place: the text after the last one is what shows.
  const line = (raw.split("\r").at(-1) ?? "").replace(ANSI, "").trim();
  if (!line) return null;
  const step = line.length <= LIMITS.stepChars ? line : `${line.slice(0, LIMITS.stepChars - 1)}…`;
  const percent = PERCENT.exec(line);
  if (percent) {
    const value = Number(percent[1]);
    if (value <= 100) return withStep({ percent: value }, line.replace(percent[0], ""), step);
  }
  const count = COUNT.exec(line);
  if (count) {
    const done = Number(count[1]);
    const total = Number(count[2]);
    if (total > 0 && done <= total)
      return withStep({ percent: (done / total) * 100 }, line.replace(count[0], ""), step);
  }
  return { step };
}

function withStep(seen: LineProgress, rest: string, step: string): LineProgress {
  return BARE.test(rest) ? seen : { ...seen, step };
}
