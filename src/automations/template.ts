import { elapsedMs, formatDuration } from "../core/durations.js";
import type { AgentRun } from "../core/types.js";

/** The placeholders a body or title may use, and what each renders to. Null values render as "—". */
export const PLACEHOLDERS = {
  runId: (run: AgentRun) => run.id,
  title: (run: AgentRun) => run.title,
  step: (run: AgentRun) => run.step,
  percent: (run: AgentRun) => (run.percent === null ? null : String(run.percent)),
  status: (run: AgentRun) => run.status,
  state: (run: AgentRun) => run.state,
  owner: (run: AgentRun) => run.owner,
  elapsed: (run: AgentRun, now: number) => formatDuration(elapsedMs(run, now)),
} as const satisfies Record<string, (run: AgentRun, now: number) => string | null>;

export type PlaceholderName = keyof typeof PLACEHOLDERS;

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}/y;

export type TemplatePart = string | { name: PlaceholderName };

/** A problem in a template, at a 1-based line and column of the template text. */
export interface TemplateProblem {
  line: number;
  column: number;
  message: string;
}

/** Splits a template into text and placeholders; every `{{` must open a known placeholder. */
export function parseTemplate(text: string): { parts: TemplatePart[]; problems: TemplateProblem[] } {
  const parts: TemplatePart[] = [];
  const problems: TemplateProblem[] = [];
  let literal = "";
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf("{{", i);
    if (open < 0) {
      literal += text.slice(i);
      break;
    }
    literal += text.slice(i, open);
    PLACEHOLDER.lastIndex = open;
    const match = PLACEHOLDER.exec(text);
    const before = text.slice(0, open);
    const line = before.split("\n").length;
    const column = open - before.lastIndexOf("\n");
    if (!match) {
      problems.push({ line, column, message: "'{{' does not open a placeholder such as {{runId}}" });
      literal += "{{";
      i = open + 2;
      continue;
    }
    const name = match[1]!;
    if (!Object.hasOwn(PLACEHOLDERS, name)) {
      problems.push({
        line,
        column,
        message: `unknown placeholder {{${name}}}; the placeholders are ${Object.keys(PLACEHOLDERS)
          .map((known) => `{{${known}}}`)
          .join(", ")}`,
      });
    } else {
      if (literal) parts.push(literal);
      literal = "";
      parts.push({ name: name as PlaceholderName });
    }
    i = open + match[0].length;
  }
  if (literal) parts.push(literal);
  return { parts, problems };
}

/** Fills the placeholders from the run; `now` (epoch ms) gives {{elapsed}} for a run still going. */
export function renderTemplate(parts: readonly TemplatePart[], run: AgentRun, now: number): string {
  return parts.map((part) => (typeof part === "string" ? part : (PLACEHOLDERS[part.name](run, now) ?? "—"))).join("");
}
