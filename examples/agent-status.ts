/**
 * An agent loop whose status updates show on the dashboard and in the chat.
 *
 *   node --import tsx examples/agent-status.ts            (add --pace 50 to run it faster)
 *
 * The agent is an AI SDK `streamText` loop with three tools. Its model is the
 * AI SDK's `MockLanguageModelV3`, scripted to call the tools and then answer,
 * so no API key or network is needed: swap in any real model and the rest is
 * unchanged. While it works, a status updater (`headway/status`) turns what
 * it does into short sentences for people and posts each one through
 * `progress.postStatusUpdate` (the run's step on the dashboard, the tray and
 * `headway watch`, plus a `run.status.update` event), and writes it into the
 * chat's AI SDK UI message stream as `data-operation` and `data-status` parts.
 *
 * It prints what a person would see: the dashboard's row for the run (percent,
 * step, time left) and the chat (its status line, then the answer). It writes to
 * the same database as `headway serve` ($HEADWAY_DATABASE_URL, else
 * .headway/headway.db) for the same owner ($HEADWAY_OWNER, else
 * <you>@localhost), so with `headway serve` running the run shows there live.
 *
 * In your app, import from `headway/progress`, `headway/status` and `headway/core`.
 */
import { userInfo } from "node:os";
import { pathToFileURL } from "node:url";
import {
  createUIMessageStream,
  readUIMessageStream,
  simulateReadableStream,
  stepCountIs,
  streamText,
  tool,
  type UIMessage,
  type UIMessageChunk,
} from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { z } from "zod";
import { type AgentRun, etaView, type ProgressMark, trackProgress } from "../src/core/index.js";
import { createProgress, type Progress } from "../src/progress/index.js";
import { createStatusUpdater, type StatusDataParts, writeStatusUpdate } from "../src/status/index.js";

/** The chat's messages: AI SDK UI messages carrying status parts. */
export type ChatMessage = UIMessage<unknown, StatusDataParts>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------- the tools

const PAGES = [
  "https://docs.example.com/oauth/register-an-app",
  "https://docs.example.com/oauth/authorization-code",
  "https://docs.example.com/oauth/refresh-tokens",
];

/** Three toy tools; in a real agent these call your search index, fetcher and storage. */
function agentTools(pace: number) {
  return {
    search_docs: tool({
      description: "Search the product documentation",
      inputSchema: z.object({ query: z.string() }),
      execute: async ({ query }) => {
        await sleep(3 * pace);
        return PAGES.map((url) => ({ url, title: `${query}: ${url.split("/").at(-1)}` }));
      },
    }),
    read_page: tool({
      description: "Read one documentation page",
      inputSchema: z.object({ url: z.string() }),
      execute: async ({ url }) => {
        await sleep(4 * pace);
        return `The page ${url} explains one part of the OAuth flow.`;
      },
    }),
    save_draft: tool({
      description: "Save a draft answer as a file",
      inputSchema: z.object({ name: z.string(), text: z.string() }),
      execute: async ({ name }) => {
        await sleep(2 * pace);
        return { saved: name };
      },
    }),
  };
}

/**
 * Words for people about a tool call, where its input alone would read badly (a URL): the
 * offline summarizer prefers an event's `label` over what it derives from the tool's name.
 */
function labelOf(toolName: string, input: unknown): string | undefined {
  const url = (input as { url?: unknown } | null)?.url;
  if (toolName !== "read_page" || typeof url !== "string") return undefined;
  const page = (url.split("/").at(-1) ?? url).replaceAll("-", " ");
  return `Reading the page on ${page}`;
}

// ---------------------------------------------------------------- the model

/** One part of a model's stream, as `MockLanguageModelV3` takes it (the provider's `LanguageModelV3StreamPart`). */
type StreamPart =
  Awaited<ReturnType<MockLanguageModelV3["doStream"]>>["stream"] extends ReadableStream<infer T> ? T : never;

const usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 5, text: 5, reasoning: undefined },
};

const ANSWER =
  "Register your app to get a client id and secret, send people to the authorization URL, " +
  "trade the code for tokens, and refresh the access token before it expires.";

/** A scripted model: search, read two pages, save a draft, then answer in streamed text. */
function scriptedModel(pace: number) {
  let step = 0;
  const call = (toolName: string, input: unknown, id: string) => ({
    type: "tool-call" as const,
    toolCallId: id,
    toolName,
    input: JSON.stringify(input),
  });
  const steps = [
    [call("search_docs", { query: "OAuth setup" }, "call-1")],
    [call("read_page", { url: PAGES[0] }, "call-2"), call("read_page", { url: PAGES[1] }, "call-3")],
    [call("save_draft", { name: "oauth-guide.md", text: ANSWER }, "call-4")],
  ];
  return new MockLanguageModelV3({
    doStream: async () => {
      const calls = steps[step++];
      const chunks: StreamPart[] = calls
        ? [
            { type: "stream-start" as const, warnings: [] },
            ...calls,
            { type: "finish" as const, finishReason: { unified: "tool-calls" as const, raw: "tool_calls" }, usage },
          ]
        : [
            { type: "stream-start" as const, warnings: [] },
            { type: "text-start" as const, id: "answer" },
            ...ANSWER.split(/(?<= )/).map((delta) => ({ type: "text-delta" as const, id: "answer", delta })),
            { type: "text-end" as const, id: "answer" },
            { type: "finish" as const, finishReason: { unified: "stop" as const, raw: "stop" }, usage },
          ];
      return { stream: simulateReadableStream({ chunks, initialDelayInMs: pace, chunkDelayInMs: pace / 10 }) };
    },
  });
}

// ---------------------------------------------------------------- the agent

export interface AgentStatusOptions {
  progress: Progress;
  owner: string;
  /** Milliseconds per unit of simulated work; tools take 2–4 units, model steps 1. (Default: 700) */
  pace?: number;
}

export interface AgentStatusRun {
  /** The run on the dashboard. */
  runId: string;
  /** The chat's AI SDK UI message stream: the model's text and tool parts, and the status parts. */
  stream: ReadableStream<UIMessageChunk>;
}

/**
 * Starts the run and the agent; returns the run's id and the chat's stream.
 * The run completes (succeeded, with the answer's first words as its step) when
 * the agent is done, and the stream ends after it.
 */
export async function startAgentWithStatus({
  progress,
  owner,
  pace = 700,
}: AgentStatusOptions): Promise<AgentStatusRun> {
  const run = await progress.startRun({ owner, title: "How do I set up OAuth for the Acme API?", percent: 0 });
  const stream = createUIMessageStream<ChatMessage>({
    execute: async ({ writer }) => {
      const status = createStatusUpdater({
        target: progress, // postStatusUpdate: the run's step, and a run.status.update event
        runId: run.id,
        owner,
        // Demo-sized thresholds: the defaults are 10 events / 30 s, nothing in the first 10 s, 5 s apart.
        numEvents: 2,
        timeInSeconds: 1,
        initialDelaySeconds: 0,
        minIntervalSeconds: 0,
      });
      // Every update also goes into the chat: a data-operation part, and a data-status part replaced in place.
      status.on("status:posted", ({ update }) => writeStatusUpdate(writer, update, { runId: run.id }));
      let stepsDone = 0;
      try {
        status.track({ type: "agent_generate", purpose: "Planning the research" });
        const result = streamText({
          model: scriptedModel(pace),
          tools: agentTools(pace),
          prompt: "How do I set up OAuth for the Acme API?",
          stopWhen: stepCountIs(5),
          experimental_onToolCallStart: ({ toolCall }) =>
            status.track({
              type: "tool_execution",
              tool: toolCall.toolName,
              input: toolCall.input,
              status: "started",
              label: labelOf(toolCall.toolName, toolCall.input),
            }),
          experimental_onToolCallFinish: (event) => {
            const output = event.success ? event.output : undefined;
            status.track({
              type: "tool_execution",
              tool: event.toolCall.toolName,
              input: event.toolCall.input,
              label: labelOf(event.toolCall.toolName, event.toolCall.input),
              status: event.success ? "succeeded" : "failed",
              ...(Array.isArray(output) ? { count: output.length, noun: "pages" } : {}),
              ...(event.toolCall.toolName === "save_draft" ? { outcome: "Saved a draft of the answer" } : {}),
            });
          },
          onChunk: ({ chunk }) => {
            if (chunk.type === "text-delta") status.textStreamStarted(); // no update lands mid-answer
          },
          // The agent's own progress: a quarter per tool step, so the dashboard has a percent and a time left.
          onStepFinish: async ({ text }) => {
            if (text) status.textStreamEnded();
            else await progress.updateRunProgress(run.id, owner, { percent: 25 * ++stepsDone });
          },
        });
        writer.merge(result.toUIMessageStream<ChatMessage>());
        const answer = await result.text;
        await status.flush();
        await progress.completeRun(run.id, owner, "succeeded", { step: `Answered: ${answer.slice(0, 60)}…` });
      } catch (error) {
        await progress.completeRun(run.id, owner, "failed", { step: String(error) });
        throw error;
      } finally {
        await status.close();
      }
    },
  });
  return { runId: run.id, stream };
}

// ---------------------------------------------------------------- what a person sees

/** The dashboard's row for a run, as words: "50% · Reading … · about 3s left" (the clients' one ETA rule). */
export function dashboardLine(run: AgentRun, now = Date.now(), mark?: ProgressMark): string {
  if (run.status !== "running") return `${run.status} · ${run.step ?? ""}`;
  const eta = etaView(run, now, { mark });
  const percent = run.percent === null ? "…" : `${run.percent}%`;
  return [percent, run.step ?? "Starting…", eta.kind === "hidden" ? null : eta.text].filter(Boolean).join(" · ");
}

/** Runs the example and prints what the dashboard and the chat show, as they change. */
export async function main(out: (line: string) => void = console.log, pace?: number): Promise<void> {
  const progress = createProgress();
  const owner = process.env.HEADWAY_OWNER ?? `${userInfo().username}@localhost`;
  try {
    const { runId, stream } = await startAgentWithStatus({ progress, owner, pace });
    out(`Started run ${runId} for ${owner} (see it live: headway serve, then open the printed link)`);
    // The dashboard: every change of the run, as its row reads.
    let shown = "";
    let mark: ProgressMark | undefined;
    const unsubscribe = progress.subscribe(
      (event) => {
        if (event.run?.id !== runId) return;
        mark = trackProgress(mark, event.run);
        const line = dashboardLine(event.run, Date.now(), mark);
        if (line === shown) return;
        shown = line;
        out(`dashboard │ ${line}`);
      },
      { owner },
    );
    // The chat: what a real AI SDK consumer (useChat does the same) makes of the stream.
    let status = "";
    let answer = "";
    for await (const message of readUIMessageStream<ChatMessage>({ stream })) {
      const part = message.parts.find((p) => p.type === "data-status");
      if (part?.type === "data-status" && part.data.summary !== status) {
        status = part.data.summary;
        out(`chat      │ ⋯ ${status}`);
      }
      const text = message.parts.find((p) => p.type === "text");
      if (text?.type === "text" && text.state === "done") answer = text.text;
    }
    out(`chat      │ ${answer}`);
    await progress.flush();
    unsubscribe();
  } finally {
    await progress.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // `--pace 50` runs it faster (each unit of simulated work, in ms).
  const at = process.argv.indexOf("--pace");
  await main(console.log, at > 0 ? Number(process.argv[at + 1]) : undefined);
}
