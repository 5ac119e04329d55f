import { basename } from "node:path";
import { isMap, isScalar, LineCounter, type Pair, parseDocument, type Scalar } from "yaml";
import { z } from "zod";
import { HeadwayError } from "../core/errors.js";
import type { EventType } from "../core/events.js";
import type { AgentRun } from "../core/types.js";
import { type CompiledCondition, ConditionSyntaxError, parseCondition } from "./condition/index.js";
import { cronProblem, nextCronTime, timezoneProblem } from "./schedule.js";
import { parseTemplate, renderTemplate, type TemplatePart } from "./template.js";

/** Events an automation can wait for: the ones that carry a run. */
export const AUTOMATION_EVENTS = [
  "run.progress.started",
  "run.progress.updated",
  "run.status.update",
] as const satisfies readonly EventType[];
export type AutomationEvent = (typeof AUTOMATION_EVENTS)[number];

export const AUTOMATION_MODES = ["deterministic", "agentic"] as const;
export const SEVERITIES = ["info", "warning", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

const common = {
  /** A condition over the run (docs/automations.md); absent = always. */
  condition: z.string().optional(),
  /** deterministic: deliver the rendered body; agentic: hand it to the configured model. (Default: deterministic) */
  mode: z.enum(AUTOMATION_MODES).default("deterministic"),
  /** Fire again for the same run after the condition stopped matching. (Default: false) */
  repeat: z.boolean().default(false),
  /** Severity of the notification. (Default: info) */
  severity: z.enum(SEVERITIES).default("info"),
  /** Title of the notification; may use placeholders. (Default: the first line of the body) */
  title: z.string().min(1).max(200).optional(),
  /** Off switch without deleting the file. (Default: true) */
  enabled: z.boolean().default(true),
};

const eventList = z.union([z.enum(AUTOMATION_EVENTS), z.array(z.enum(AUTOMATION_EVENTS)).min(1)], {
  error: `expected one of ${AUTOMATION_EVENTS.join(", ")}, or a list of them`,
});

const frontmatterSchema = z.discriminatedUnion("triggerType", [
  z.strictObject({ triggerType: z.literal("event"), event: eventList, ...common }),
  z.strictObject({ triggerType: z.literal("schedule"), cron: z.string(), timezone: z.string().optional(), ...common }),
]);

interface AutomationBase {
  /** The file name without `.md`: unique within a folder, the key a store keeps fired-state under. */
  id: string;
  file: string;
  condition: CompiledCondition | null;
  mode: (typeof AUTOMATION_MODES)[number];
  repeat: boolean;
  severity: Severity;
  enabled: boolean;
  /** The body template as written. */
  body: string;
  /** The rendered body for a run at `now` (epoch ms). */
  render(run: AgentRun, now: number): string;
  /** The rendered title: the `title:` template, else the body's first line. */
  renderTitle(run: AgentRun, now: number): string;
}

export interface EventAutomation extends AutomationBase {
  triggerType: "event";
  events: AutomationEvent[];
}

export interface ScheduleAutomation extends AutomationBase {
  triggerType: "schedule";
  cron: string;
  timezone: string;
  /** The first firing strictly after `after` (epoch ms), or null when there is none. */
  nextRun(after: number): number | null;
}

export type Automation = EventAutomation | ScheduleAutomation;

/** One thing wrong with an automation file, at a 1-based line of the file. */
export interface AutomationProblem {
  line: number;
  column?: number;
  message: string;
}

/** An automation file that cannot be used; `problems` lists every reason with its line. */
export class AutomationFileError extends HeadwayError {
  readonly file: string;
  readonly problems: AutomationProblem[];
  constructor(file: string, problems: AutomationProblem[]) {
    super(
      "automation_invalid",
      problems.map((p) => `${file}:${p.line}${p.column ? `:${p.column}` : ""}: ${p.message}`).join("\n"),
    );
    this.name = "AutomationFileError";
    this.file = file;
    this.problems = problems;
  }
}

interface Split {
  frontmatter: string;
  /** File line of the frontmatter's first line. */
  frontmatterLine: number;
  body: string;
  bodyLine: number;
}

function splitFile(text: string): Split | AutomationProblem {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  if (lines[0]?.trim() !== "---") {
    return { line: 1, message: "an automation file starts with a '---' line, then YAML frontmatter, then '---'" };
  }
  const close = lines.findIndex((line, index) => index > 0 && (line.trim() === "---" || line.trim() === "..."));
  if (close < 0) return { line: lines.length, message: "the frontmatter has no closing '---' line" };
  return {
    frontmatter: lines.slice(1, close).join("\n"),
    frontmatterLine: 2,
    body: lines.slice(close + 1).join("\n"),
    bodyLine: close + 2,
  };
}

function findPair(contents: unknown, key: string): Pair<Scalar, unknown> | undefined {
  if (!isMap(contents)) return undefined;
  return contents.items.find((pair) => isScalar(pair.key) && pair.key.value === key) as
    | Pair<Scalar, unknown>
    | undefined;
}

/**
 * Reads one automation file (markdown with YAML frontmatter). `file` names it in errors and gives the id.
 * Throws AutomationFileError listing every problem with its file line.
 */
export function parseAutomationFile(text: string, file: string): Automation {
  const split = splitFile(text);
  if ("message" in split) throw new AutomationFileError(file, [split]);
  const problems: AutomationProblem[] = [];
  const lineCounter = new LineCounter();
  const doc = parseDocument(split.frontmatter, { lineCounter, prettyErrors: false });
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line: line + split.frontmatterLine - 1, column: col };
  };
  const keyLine = (key: string): number => {
    const pair = findPair(doc.contents, key);
    return pair?.key?.range ? at(pair.key.range[0]).line : split.frontmatterLine;
  };

  for (const error of doc.errors) {
    problems.push({
      ...at(error.pos[0]),
      message: `YAML: ${error.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}`,
    });
  }
  if (problems.length > 0) throw new AutomationFileError(file, problems);
  const data: unknown = doc.toJS() ?? {};
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new AutomationFileError(file, [
      { line: split.frontmatterLine, message: "the frontmatter must be a YAML mapping of keys" },
    ]);
  }
  const trigger = (data as Record<string, unknown>).triggerType;
  if (trigger !== "event" && trigger !== "schedule") {
    const message =
      trigger === undefined
        ? "triggerType is missing; it is event or schedule"
        : `triggerType is ${JSON.stringify(trigger)}; it is event or schedule`;
    throw new AutomationFileError(file, [{ line: keyLine("triggerType"), message }]);
  }
  const parsed = frontmatterSchema.safeParse(data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === "unrecognized_keys") {
        for (const key of issue.keys) {
          problems.push({
            line: keyLine(key),
            message: `unknown key '${key}' for ${trigger === "event" ? "an event" : "a schedule"} automation`,
          });
        }
        continue;
      }
      const key = String(issue.path[0] ?? "");
      problems.push({
        line: keyLine(key),
        message: key ? `${issue.path.join(".")}: ${issue.message}` : issue.message,
      });
    }
    throw new AutomationFileError(file, problems);
  }
  const front = parsed.data;

  let condition: CompiledCondition | null = null;
  if (front.condition !== undefined) {
    try {
      condition = parseCondition(front.condition);
    } catch (error) {
      if (!(error instanceof ConditionSyntaxError)) throw error;
      problems.push(conditionProblem(error, findPair(doc.contents, "condition"), split, at));
    }
  }

  const timezone = front.triggerType === "schedule" ? (front.timezone ?? "UTC") : "UTC";
  if (front.triggerType === "schedule") {
    const zone = front.timezone === undefined ? null : timezoneProblem(front.timezone);
    if (zone) problems.push({ line: keyLine("timezone"), message: zone });
    const problem = cronProblem(front.cron, zone ? undefined : front.timezone);
    if (problem) problems.push({ line: keyLine("cron"), message: problem });
  }

  const body = split.body.trim();
  const bodyOffset = split.body.length - split.body.trimStart().length;
  const bodyLine = split.bodyLine + (split.body.slice(0, bodyOffset).match(/\n/g)?.length ?? 0);
  const bodyTemplate = parseTemplate(body);
  for (const p of bodyTemplate.problems) problems.push({ line: bodyLine + p.line - 1, message: p.message });
  let titleParts: TemplatePart[] | null = null;
  if (front.title !== undefined) {
    const titleTemplate = parseTemplate(front.title);
    titleParts = titleTemplate.parts;
    for (const p of titleTemplate.problems) problems.push({ line: keyLine("title"), message: `title: ${p.message}` });
  }
  if (!body && titleParts === null) {
    problems.push({ line: split.bodyLine, message: "the automation has neither a body nor a title to send" });
  }
  if (problems.length > 0) throw new AutomationFileError(file, problems);

  const bodyParts = bodyTemplate.parts;
  const render = (run: AgentRun, now: number) => renderTemplate(bodyParts, run, now);
  const base = {
    id: basename(file).replace(/\.md$/i, ""),
    file,
    condition,
    mode: front.mode,
    repeat: front.repeat,
    severity: front.severity,
    enabled: front.enabled,
    body,
    render,
    renderTitle: (run: AgentRun, now: number) =>
      titleParts ? renderTemplate(titleParts, run, now) : (render(run, now).split("\n")[0] ?? "").slice(0, 200),
  };
  if (front.triggerType === "event") {
    return Object.freeze({
      ...base,
      triggerType: "event",
      events: typeof front.event === "string" ? [front.event] : [...new Set(front.event)],
    });
  }
  const cron = front.cron;
  return Object.freeze({
    ...base,
    triggerType: "schedule",
    cron,
    timezone,
    nextRun: (after: number) => nextCronTime(cron, after, timezone),
  });
}

/** Maps a condition error to the file: the line of `condition:`'s value plus the error's line within it. */
function conditionProblem(
  error: ConditionSyntaxError,
  pair: Pair<Scalar, unknown> | undefined,
  split: Split,
  at: (offset: number) => { line: number; column: number },
): AutomationProblem {
  const value = pair?.value;
  if (!isScalar(value) || !value.range) return { line: split.frontmatterLine, message: `condition: ${error.detail}` };
  const start = at(value.range[0]);
  if (value.type === "BLOCK_LITERAL" || value.type === "BLOCK_FOLDED") {
    // The text starts on the line after the `|` or `>`; its indentation is stripped.
    const line = start.line + error.line;
    const fileLine = split.frontmatter.split("\n")[line - split.frontmatterLine] ?? "";
    const indent = fileLine.length - fileLine.trimStart().length;
    return { line, column: indent + error.column, message: `condition: ${error.detail}` };
  }
  const quoted = value.type === "QUOTE_DOUBLE" || value.type === "QUOTE_SINGLE" ? 1 : 0;
  if (error.line === 1)
    return {
      line: start.line,
      column: start.column + quoted + error.column - 1,
      message: `condition: ${error.detail}`,
    };
  return { line: start.line + error.line - 1, message: `condition: ${error.detail}` };
}
