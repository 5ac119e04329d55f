import { generateText, jsonSchema, type LanguageModel, NoObjectGeneratedError, Output } from "ai";
import { offlineSummarizer } from "./offline-summarizer.js";
import { type CompiledStatusComponents, checkPrompt, compileStatusComponents } from "./status-components.js";
import { STATUS_DEFAULTS, STATUS_LIMITS } from "./status-defaults.js";
import type { SummarizeInput, Summarizer, SummaryResult } from "./summarizer.js";
import type { StatusComponentSpec, StatusComponentValue, StatusEvent } from "./types.js";

export interface AiSdkSummarizerOptions {
  /** Extra instructions appended to the built-in prompt, at most 2,000 characters. */
  prompt?: string;
  /** Structured parts the model may add; each `detailsSchema` is compiled with Ajv here. */
  statusComponents?: StatusComponentSpec[];
  /** How long the model may take before the offline summarizer fills in, ms. (Default: 15000) */
  timeoutMs?: number;
  /** Retries of a failed call inside the AI SDK (network errors), not of invalid answers. (Default: 0) */
  maxRetries?: number;
  /** Fills in when the model fails, times out or answers invalidly twice. (Default: `offlineSummarizer()`) */
  fallback?: Summarizer;
}

const BASE_PROMPT = `You write live status updates for a person waiting on an AI assistant that is working for them.
Rules:
- One short sentence (at most 200 characters) about what changed since the previous update: what was found, what is happening now.
- Do not repeat or rephrase a previous update. If nothing new happened, say what is being waited on.
- Plain user-facing words. Never mention internal agent names or ids, tool or function names, JSON, arguments or other plumbing.
- Present tense for what is happening now ("Comparing the three plans…"), past for what is done ("Found 12 endpoints").`;

class InvalidAnswer extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("; "));
  }
}

class Timeout extends Error {}

/** Fields that name internal agents; they are never sent to the model, so it cannot repeat them. */
const AGENT_FIELDS = new Set(["agent", "from", "to"]);

function eventForModel(event: StatusEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) if (!AGENT_FIELDS.has(key) && key !== "at") out[key] = value;
  return out;
}

/** Internal names an answer must not contain: agent names and tool identifiers that look like code. */
function internalNames(events: readonly StatusEvent[]): string[] {
  const names = new Set<string>();
  for (const event of events) {
    for (const key of AGENT_FIELDS) {
      const value = (event as unknown as Record<string, unknown>)[key];
      if (typeof value === "string" && value.trim().length >= 3) names.add(value.trim());
    }
    if (event.type === "tool_execution" && /[_\-.]|[a-z][A-Z]/.test(event.tool)) names.add(event.tool);
  }
  return [...names];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function outputSchema(components: CompiledStatusComponents): Record<string, unknown> {
  const properties: Record<string, unknown> = {
    summary: { type: "string", minLength: 1, maxLength: STATUS_LIMITS.summaryChars },
  };
  if (components.specs.length > 0) {
    properties.components = {
      type: "array",
      items: {
        anyOf: components.specs.map((spec) => ({
          type: "object",
          description: spec.description,
          properties: { type: { const: spec.type }, details: spec.detailsSchema ?? { type: "object" } },
          required: ["type"],
        })),
      },
    };
  }
  return { type: "object", properties, required: ["summary"], additionalProperties: false };
}

function buildPrompt(input: SummarizeInput, components: CompiledStatusComponents, prompt?: string) {
  const system = [BASE_PROMPT];
  if (components.specs.length > 0) {
    system.push(
      "You may add components, each { type, details } of these declared types:",
      ...components.specs.map((s) => `- ${s.type}: ${s.description}`),
      'A component whose details hold "percent" (0-100) sets the progress bar; give it only when you can tell.',
    );
  }
  if (prompt) system.push("Additional instructions:", prompt);
  const previous = input.previousSummaries.length
    ? input.previousSummaries.map((s) => `- ${s}`).join("\n")
    : "(none yet: this is the first update)";
  const user = `Previous updates, oldest first:\n${previous}\n\nWhat happened since the last update, oldest first:\n${input.events
    .map((e) => JSON.stringify(eventForModel(e)))
    .join("\n")}\n\nWrite the next update.`;
  return { system: system.join("\n"), prompt: user };
}

/** Checks one answer; returns the problems (empty when it may be posted). */
function checkAnswer(answer: unknown, components: CompiledStatusComponents, banned: readonly string[]): string[] {
  if (typeof answer !== "object" || answer === null) return ["answer: must be an object"];
  const { summary, components: values } = answer as { summary?: unknown; components?: unknown };
  const problems: string[] = [];
  if (typeof summary !== "string" || summary.trim() === "") problems.push("summary: must be a non-empty string");
  else {
    if (summary.length > STATUS_LIMITS.summaryChars) {
      problems.push(`summary: must be at most ${STATUS_LIMITS.summaryChars} characters`);
    }
    for (const name of banned) {
      if (new RegExp(`(^|[^\\p{L}\\p{N}_])${escapeRegExp(name)}($|[^\\p{L}\\p{N}_])`, "iu").test(summary)) {
        problems.push(`summary: names an internal agent or tool ("${name}")`);
      }
    }
  }
  problems.push(...components.check(values));
  return problems;
}

/**
 * A summarizer over any AI SDK language model, with structured output
 * (`generateText` + `Output.object`). Each answer is checked against the
 * declared components' schemas and for internal names; an invalid answer is
 * retried once, then dropped with a warning. When the model fails, times out
 * or answers invalidly twice, the offline summarizer fills in: never silence.
 */
export function aiSdkSummarizer(model: LanguageModel, options: AiSdkSummarizerOptions = {}): Summarizer {
  const ownPrompt = checkPrompt(options.prompt, "prompt");
  const ownComponents = compileStatusComponents(options.statusComponents);
  const timeoutMs = options.timeoutMs ?? STATUS_DEFAULTS.modelTimeoutMs;
  const maxRetries = options.maxRetries ?? 0;
  const fallback = options.fallback ?? offlineSummarizer();

  async function ask(input: SummarizeInput, components: CompiledStatusComponents, prompt?: string) {
    const controller = new AbortController();
    const onAbort = () => controller.abort(input.signal?.reason);
    input.signal?.addEventListener("abort", onAbort, { once: true });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort(new Timeout(`the model took longer than ${timeoutMs} ms`));
        reject(new Timeout(`the model took longer than ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      const { system, prompt: user } = buildPrompt(input, components, prompt);
      const call = generateText({
        model,
        system,
        prompt: user,
        maxRetries,
        abortSignal: controller.signal,
        output: Output.object({ schema: jsonSchema(outputSchema(components)), name: "status_update" }),
      });
      call.catch(() => {}); // the race below may leave it behind
      const result = await Promise.race([call, timeout]);
      return result.output as unknown;
    } finally {
      clearTimeout(timer);
      input.signal?.removeEventListener("abort", onAbort);
    }
  }

  return {
    async summarize(input: SummarizeInput): Promise<SummaryResult> {
      const components = input.components ?? ownComponents;
      const prompt = input.prompt ?? ownPrompt;
      const banned = internalNames(input.events);
      for (let attempt = 1; attempt <= 2; attempt++) {
        let answer: unknown;
        try {
          answer = await ask(input, components, prompt);
        } catch (error) {
          if (input.signal?.aborted) throw error;
          if (NoObjectGeneratedError.isInstance(error)) {
            answer = new InvalidAnswer([`answer: not the requested JSON object (${error.message})`]);
          } else {
            input.report?.({ type: "status:fallback", reason: error instanceof Timeout ? "timeout" : "error", error });
            return fallback.summarize(input);
          }
        }
        const problems = answer instanceof InvalidAnswer ? answer.problems : checkAnswer(answer, components, banned);
        if (problems.length === 0) {
          const { summary, components: values } = answer as { summary: string; components?: StatusComponentValue[] };
          return {
            summary: summary.trim(),
            ...(values && values.length > 0 ? { components: values } : {}),
            source: "model",
          };
        }
        input.report?.({ type: "status:invalid_answer", attempt, errors: problems, dropped: attempt === 2 });
      }
      input.report?.({ type: "status:fallback", reason: "invalid" });
      return fallback.summarize(input);
    },
  };
}
