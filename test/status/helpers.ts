import type { MockLanguageModelV3 } from "ai/test";
import type {
  StatusTarget,
  StatusTargetUpdate,
  StatusUpdaterEvent,
  SummarizeInput,
  Summarizer,
  SummaryResult,
} from "../../src/status/index.js";

/** A target that records every post, in order. */
export function recordingTarget(): StatusTarget & {
  posts: Array<{ runId: string; owner: string } & StatusTargetUpdate>;
} {
  const posts: Array<{ runId: string; owner: string } & StatusTargetUpdate> = [];
  return {
    posts,
    async postStatusUpdate(runId, owner, update) {
      posts.push({ runId, owner, ...update });
      return { ok: true };
    },
  };
}

/** A summarizer whose answers the test releases by hand, recording what it was asked. */
export function manualSummarizer(): Summarizer & {
  calls: SummarizeInput[];
  release(result?: Partial<SummaryResult>): void;
} {
  const calls: SummarizeInput[] = [];
  const waiting: Array<(r: SummaryResult) => void> = [];
  return {
    calls,
    summarize(input) {
      calls.push(input);
      return new Promise<SummaryResult>((resolve) => waiting.push(resolve));
    },
    release(result = {}) {
      const next = waiting.shift();
      if (!next) throw new Error("no summary in flight");
      next({ summary: `update ${calls.length}`, source: "offline", ...result });
    },
  };
}

/** A summarizer that numbers its answers, so none is a duplicate. */
export function countingSummarizer(): Summarizer & { calls: SummarizeInput[] } {
  const calls: SummarizeInput[] = [];
  return {
    calls,
    async summarize(input) {
      calls.push(input);
      return { summary: `Update number ${calls.length} covering ${input.events.length} events`, source: "offline" };
    },
  };
}

export function collectEvents(): { events: StatusUpdaterEvent[]; onEvent: (e: StatusUpdaterEvent) => void } {
  const events: StatusUpdaterEvent[] = [];
  return { events, onEvent: (e) => events.push(e) };
}

/** A generate result whose text is `value` as JSON (or `value` itself when a string). */
type GenerateResult = Awaited<ReturnType<MockLanguageModelV3["doGenerate"]>>;

export function modelAnswer(value: unknown): GenerateResult {
  return {
    content: [{ type: "text", text: typeof value === "string" ? value : JSON.stringify(value) }],
    finishReason: { unified: "stop", raw: "stop" },
    usage: {
      inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
      outputTokens: { total: 5, text: 5, reasoning: undefined },
    },
    warnings: [],
  };
}
