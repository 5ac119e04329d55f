import { STATUS_LIMITS } from "./status-defaults.js";
import type { SummarizeInput, Summarizer, SummaryResult } from "./summarizer.js";
import type { StatusEvent, ToolExecutionEvent } from "./types.js";

const VERBS = new Set(
  (
    "search fetch get read write list create update delete run query find look browse open send check compute " +
    "calculate analyze analyse summarize summarise generate download upload scrape crawl load save parse extract " +
    "translate execute call review compare plan draft edit scan index rank sort filter merge build test deploy"
  ).split(" "),
);
const DOUBLED = new Set(["get", "run", "set", "put", "plan", "scan", "sort"]);
const SUBJECT_KEYS = ["query", "q", "search", "topic", "question", "url", "path", "file", "name", "title"];
const SUBJECT_CHARS = 60;

function ing(verb: string): string {
  if (DOUBLED.has(verb)) return `${verb}${verb.at(-1)}ing`;
  if (verb.endsWith("ie")) return `${verb.slice(0, -2)}ying`;
  if (verb.endsWith("e") && !verb.endsWith("ee")) return `${verb.slice(0, -1)}ing`;
  return `${verb}ing`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function lowerFirst(text: string): string {
  // Keep acronyms ("OAuth", "API") as they are.
  return /^[A-Z](?![A-Z])/.test(text) ? text.charAt(0).toLowerCase() + text.slice(1) : text;
}

function clip(text: string, max: number): string {
  const clean = text.replace(/\s+/g, " ").trim();
  return clean.length <= max ? clean : `${clean.slice(0, max - 1).trimEnd()}…`;
}

function stripEnd(text: string): string {
  return text.replace(/[\s.…]+$/u, "");
}

/** Words of a tool name: `searchDocs`, `search_docs`, `search-docs` → ["search", "docs"]. */
function toolWords(tool: string): string[] {
  return tool
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

function subjectOf(input: unknown): string | undefined {
  if (typeof input === "string") return clip(input, SUBJECT_CHARS);
  if (typeof input !== "object" || input === null) return undefined;
  const record = input as Record<string, unknown>;
  for (const key of SUBJECT_KEYS) {
    const value = record[key];
    if (typeof value === "string" && value.trim() !== "") return clip(value, SUBJECT_CHARS);
  }
  return undefined;
}

/** "Searching docs for “OAuth setup”" from `{ tool: "search_docs", input: { query: "OAuth setup" } }`. */
function toolActivity(event: ToolExecutionEvent): string {
  if (event.label) return stripEnd(event.label);
  const words = toolWords(event.tool);
  const subject = subjectOf(event.input);
  const [first, ...rest] = words;
  let phrase: string;
  if (first && VERBS.has(first)) phrase = [ing(first), ...rest].join(" ");
  else if (words.length > 0) phrase = `using ${words.join(" ")}`;
  else phrase = "using a tool";
  return capitalise(subject ? `${phrase} for “${subject}”` : phrase);
}

function toolOutcome(event: ToolExecutionEvent): string | undefined {
  if (event.outcome) return stripEnd(event.outcome);
  if (typeof event.count === "number" && Number.isFinite(event.count)) {
    return `Found ${event.count} ${event.noun ?? (event.count === 1 ? "result" : "results")}`;
  }
  return undefined;
}

interface Phrases {
  /** Things finished in this batch, oldest first. */
  done: string[];
  /** What is going on now, if anything. */
  now?: string;
}

/** The user-facing phrases of a batch. Agent names, ids and tool names never appear verbatim. */
export function describeEvents(events: readonly StatusEvent[]): Phrases {
  const done: string[] = [];
  let now: string | undefined;
  for (const event of events) {
    switch (event.type) {
      case "tool_execution": {
        const activity = toolActivity(event);
        if (event.status === "failed") {
          done.push(`Hit a problem while ${lowerFirst(activity)}`);
          now = "Trying another way";
        } else if (event.status === "started") {
          now = activity;
        } else {
          const outcome = toolOutcome(event);
          if (outcome) {
            done.push(outcome);
            now = undefined;
          } else now = activity;
        }
        break;
      }
      case "delegation_sent":
        now = event.label
          ? stripEnd(event.label)
          : event.task
            ? `A helper is working on “${stripEnd(clip(event.task, SUBJECT_CHARS))}”`
            : "Handing part of the work to a helper";
        break;
      case "delegation_returned":
        done.push(
          event.label
            ? stripEnd(event.label)
            : event.outcome
              ? `Got ${lowerFirst(stripEnd(clip(event.outcome, SUBJECT_CHARS)))} back`
              : event.task
                ? `Finished “${stripEnd(clip(event.task, SUBJECT_CHARS))}”`
                : "A helper finished its part",
        );
        now = undefined;
        break;
      case "artifact_saved": {
        if (event.label) {
          done.push(stripEnd(event.label));
          break;
        }
        const what = event.kind ? `the ${event.kind}` : "a file";
        done.push(event.name ? `Saved ${what} “${clip(event.name, SUBJECT_CHARS)}”` : `Saved ${what}`);
        break;
      }
      case "transfer":
        now = event.label
          ? stripEnd(event.label)
          : event.reason
            ? `Bringing in a specialist for ${lowerFirst(stripEnd(clip(event.reason, SUBJECT_CHARS)))}`
            : "Bringing in a specialist";
        break;
      case "agent_generate":
        now = event.label
          ? stripEnd(event.label)
          : event.purpose
            ? capitalise(stripEnd(clip(event.purpose, SUBJECT_CHARS)))
            : done.length > 0
              ? "Drafting the answer"
              : "Working out the next step";
        break;
    }
  }
  return { done, now };
}

/** One sentence from a batch: "Found 12 endpoints; drafting the answer…". */
export function summariseEvents(events: readonly StatusEvent[]): string {
  const { done, now } = describeEvents(events);
  const recent = [...new Set(done)].slice(-2);
  const parts = recent.map((p, i) => (i === 0 ? capitalise(p) : lowerFirst(p)));
  let text: string;
  if (now) {
    const nowText = parts.length > 0 ? lowerFirst(now) : capitalise(now);
    text = `${[...parts, nowText].join("; ")}…`;
  } else if (parts.length > 0) {
    text = `${parts.join("; ")}.`;
  } else {
    text = "Still working…";
  }
  return clip(text, STATUS_LIMITS.summaryChars);
}

/**
 * The built-in summarizer: plain user-facing sentences from the events, no
 * model, no network, no agent names. Used alone or as the model's fallback.
 */
export function offlineSummarizer(): Summarizer {
  return {
    async summarize(input: SummarizeInput): Promise<SummaryResult> {
      return { summary: summariseEvents(input.events), source: "offline" };
    },
  };
}
