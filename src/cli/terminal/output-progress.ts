import { LIMITS } from "../../core/index.js";

export interface LineProgress {
  percent?: number;
  step: string;
}

// Colour codes and cursor moves that tools print around their progress text.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;
const PERCENT = /(\d{1,3}(?:\.\d+)?)\s?%/;
const COUNT = /\b(\d+)\s?\/\s?(\d+)\b/;

/**
 * What one line of a command's output says about its progress: a percent
 * from "45%" or "12/200", and the line itself as the step (trimmed to fit).
 * Null for blank lines.
 */
export function progressFromLine(raw: string): LineProgress | null {
  // A carriage return redraws a line in place: the text after the last one is what shows.
  const line = (raw.split("\r").at(-1) ?? "").replace(ANSI, "").trim();
  if (!line) return null;
  const step = line.length <= LIMITS.stepChars ? line : `${line.slice(0, LIMITS.stepChars - 1)}…`;
  const percent = PERCENT.exec(line);
  if (percent) {
    const value = Number(percent[1]);
    if (value <= 100) return { percent: value, step };
  }
  const count = COUNT.exec(line);
  if (count) {
    const done = Number(count[1]);
    const total = Number(count[2]);
    if (total > 0 && done <= total) return { percent: (done / total) * 100, step };
  }
  return { step };
}
