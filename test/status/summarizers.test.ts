import { MockLanguageModelV3 } from "ai/test";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/core/index.js";
import {
  aiSdkSummarizer,
  compileStatusComponents,
  createStatusUpdater,
  offlineSummarizer,
  type StatusEvent,
  type StatusUpdaterEvent,
  summariseEvents,
} from "../../src/status/index.js";
import { modelAnswer, recordingTarget } from "./helpers.js";

describe("offline summarizer", () => {
  it("writes plain user-facing sentences", () => {
    expect(summariseEvents([{ type: "tool_execution", tool: "search_docs", input: { query: "OAuth setup" } }])).toBe(
      "Searching docs for “OAuth setup”…",
    );
    expect(
      summariseEvents([
        { type: "tool_execution", tool: "search_docs", label: "Searching the docs for OAuth setup" },
        { type: "tool_execution", tool: "list_endpoints", status: "succeeded", count: 12, noun: "endpoints" },
        { type: "agent_generate", agent: "writer-7" },
      ]),
    ).toBe("Found 12 endpoints; drafting the answer…");
    expect(summariseEvents([{ type: "artifact_saved", name: "pricing.md", kind: "report" }])).toBe(
      "Saved the report “pricing.md”.",
    );
    expect(summariseEvents([])).toBe("Still working…");
  });

  it("never names internal agents or shows tool identifiers verbatim", () => {
    const events: StatusEvent[] = [
      { type: "transfer", from: "triage_agent", to: "billing_agent_v2", reason: "a billing question" },
      { type: "delegation_sent", from: "orchestrator-1", to: "researcher_42", task: "Compare the three pricing pages" },
      { type: "delegation_returned", from: "researcher_42", outcome: "3 pricing tables" },
      { type: "tool_execution", tool: "fetchURL", input: { url: "https://example.com/pricing" }, status: "started" },
    ];
    const text = events.map((_, i) => summariseEvents(events.slice(0, i + 1))).join(" | ");
    for (const internal of ["triage_agent", "billing_agent_v2", "orchestrator-1", "researcher_42", "fetchURL"]) {
      expect(text).not.toContain(internal);
    }
    expect(summariseEvents(events.slice(0, 2))).toBe("A helper is working on “Compare the three pricing pages”…");
    expect(summariseEvents(events.slice(0, 3))).toBe("Got 3 pricing tables back.");
    expect(summariseEvents(events)).toBe("Got 3 pricing tables back; fetching url for “https://example.com/pricing”…");
  });

  it("returns offline-marked results", async () => {
    const result = await offlineSummarizer().summarize({ events: [{ type: "agent_generate" }], previousSummaries: [] });
    expect(result).toEqual({ summary: "Working out the next step…", source: "offline" });
  });
});

describe("status components (Ajv)", () => {
  const specs = [
    {
      type: "progress",
      description: "How far along the work is",
      detailsSchema: {
        type: "object",
        properties: { percent: { type: "number", minimum: 0, maximum: 100 } },
        required: ["percent"],
        additionalProperties: false,
      },
    },
    { type: "note", description: "A free-form note" },
  ];

  it("compiles schemas up front and validates each answer", () => {
    const compiled = compileStatusComponents(specs);
    expect(compiled.check([{ type: "progress", details: { percent: 40 } }, { type: "note" }])).toEqual([]);
    expect(compiled.check([{ type: "progress", details: { percent: 140 } }])).toEqual([
      "components[0].details/percent: must be <= 100",
    ]);
    expect(compiled.check([{ type: "weather" }])).toEqual([
      'components[0].type: "weather" is not a declared component',
    ]);
    expect(compiled.check("nope")).toEqual(["components: must be an array"]);
  });

  it("an invalid schema is a clear error at construction, before any model call", () => {
    const model = new MockLanguageModelV3({ doGenerate: modelAnswer({ summary: "x" }) });
    const bad = [
      { type: "progress", description: "p", detailsSchema: { type: "object", properties: { a: { type: 5 } } } },
    ];
    expect(() => aiSdkSummarizer(model, { statusComponents: bad })).toThrow(ValidationError);
    expect(() => aiSdkSummarizer(model, { statusComponents: bad })).toThrow(
      /statusComponents\[0\]\.detailsSchema: is not a valid JSON Schema/,
    );
    expect(() => compileStatusComponents([{ type: "", description: "x" }])).toThrow("statusComponents[0].type");
    expect(() => compileStatusComponents([{ type: "a", description: "" }])).toThrow("statusComponents[0].description");
    expect(() =>
      compileStatusComponents([
        { type: "a", description: "x" },
        { type: "a", description: "y" },
      ]),
    ).toThrow("declared twice");
    expect(model.doGenerateCalls).toHaveLength(0);
  });

  it("a prompt over 2,000 characters is refused by the summarizer too", () => {
    const model = new MockLanguageModelV3({ doGenerate: modelAnswer({ summary: "x" }) });
    expect(() => aiSdkSummarizer(model, { prompt: "p".repeat(2001) })).toThrow(
      "prompt: must be at most 2000 characters; got 2001",
    );
  });

  describe("AI SDK summarizer", () => {
    const events: StatusEvent[] = [
      {
        type: "tool_execution",
        tool: "search_docs",
        input: { query: "OAuth setup" },
        agent: "docs_agent",
      } as StatusEvent,
      { type: "delegation_sent", from: "planner_agent", to: "research_agent", task: "find the token endpoint" },
    ];

    function reports() {
      const seen: StatusUpdaterEvent[] = [];
      return { seen, report: (e: StatusUpdaterEvent) => seen.push(e) };
    }

    it("returns a valid model answer, marked as model-written, with its components", async () => {
      const model = new MockLanguageModelV3({
        doGenerate: modelAnswer({
          summary: "Looking up how OAuth is set up",
          components: [{ type: "progress", details: { percent: 30 } }],
        }),
      });
      const summarizer = aiSdkSummarizer(model, { statusComponents: specs, prompt: "Be brief; the reader is a CFO." });
      const result = await summarizer.summarize({ events, previousSummaries: ["Reading your request…"] });
      expect(result).toEqual({
        summary: "Looking up how OAuth is set up",
        components: [{ type: "progress", details: { percent: 30 } }],
        source: "model",
      });
      const call = model.doGenerateCalls[0];
      expect(call?.responseFormat).toMatchObject({ type: "json" });
      const sent = JSON.stringify(call?.prompt);
      expect(sent).toContain("Never mention internal agent names");
      expect(sent).toContain("Be brief; the reader is a CFO.");
      expect(sent).toContain("Reading your request…");
      expect(sent).toContain("progress: How far along the work is");
      // Agent names are not even sent.
      for (const name of ["docs_agent", "planner_agent", "research_agent"]) expect(sent).not.toContain(name);
    });

    it("retries an invalid answer once, then uses the valid one", async () => {
      const model = new MockLanguageModelV3({
        doGenerate: [
          modelAnswer({ summary: "Half way", components: [{ type: "progress", details: { percent: "half" } }] }),
          modelAnswer({ summary: "Half way there", components: [{ type: "progress", details: { percent: 50 } }] }),
        ],
      });
      const { seen, report } = reports();
      const result = await aiSdkSummarizer(model, { statusComponents: specs }).summarize({
        events,
        previousSummaries: [],
        report,
      });
      expect(result).toMatchObject({ summary: "Half way there", source: "model" });
      expect(model.doGenerateCalls).toHaveLength(2);
      expect(seen).toEqual([
        {
          type: "status:invalid_answer",
          attempt: 1,
          errors: ["components[0].details/percent: must be number"],
          dropped: false,
        },
      ]);
    });

    it("an answer that names an internal tool or agent counts as invalid", async () => {
      const model = new MockLanguageModelV3({
        doGenerate: [modelAnswer({ summary: "Called search_docs for OAuth" }), modelAnswer("not json at all")],
      });
      const { seen, report } = reports();
      const result = await aiSdkSummarizer(model).summarize({ events, previousSummaries: [], report });
      expect(result.source).toBe("offline"); // dropped twice: the offline summarizer fills in
      expect(result.summary).toBe("A helper is working on “find the token endpoint”…");
      expect(seen.map((e) => e.type)).toEqual(["status:invalid_answer", "status:invalid_answer", "status:fallback"]);
      expect(seen[0]).toMatchObject({ errors: ['summary: names an internal agent or tool ("search_docs")'] });
      expect(seen[1]).toMatchObject({ dropped: true });
    });

    it("a failing model falls back to the offline summarizer: never silence", async () => {
      const model = new MockLanguageModelV3({
        doGenerate: async () => {
          throw new Error("503 upstream unavailable");
        },
      });
      const { seen, report } = reports();
      const result = await aiSdkSummarizer(model).summarize({ events, previousSummaries: [], report });
      expect(result.source).toBe("offline");
      expect(result.summary.length).toBeGreaterThan(0);
      expect(seen).toMatchObject([{ type: "status:fallback", reason: "error" }]);
    });

    it("a model that takes too long is abandoned at timeoutMs and the offline summarizer fills in", async () => {
      const model = new MockLanguageModelV3({ doGenerate: () => new Promise(() => {}) });
      const { seen, report } = reports();
      const started = Date.now();
      const result = await aiSdkSummarizer(model, { timeoutMs: 50 }).summarize({
        events,
        previousSummaries: [],
        report,
      });
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(result.source).toBe("offline");
      expect(seen).toMatchObject([{ type: "status:fallback", reason: "timeout" }]);
    });
  });

  it("through the updater: model-written updates are marked source model and set the percent", async () => {
    const model = new MockLanguageModelV3({
      doGenerate: modelAnswer({
        summary: "Compared two of the three plans",
        components: [{ type: "progress", details: { percent: 66.6 } }],
      }),
    });
    const target = recordingTarget();
    const updater = createStatusUpdater({
      target,
      runId: "r",
      owner: "o",
      numEvents: 100,
      summarizer: aiSdkSummarizer(model),
      statusComponents: specs,
      prompt: "Mention plan names.",
    });
    updater.track({ type: "tool_execution", tool: "compare_plans", status: "succeeded" });
    await updater.flush();
    expect(target.posts).toEqual([
      {
        runId: "r",
        owner: "o",
        summary: "Compared two of the three plans",
        components: [{ type: "progress", details: { percent: 66.6 } }],
        percent: 67,
        source: "model",
      },
    ]);
    // The updater's prompt and components reached the model.
    expect(JSON.stringify(model.doGenerateCalls[0]?.prompt)).toContain("Mention plan names.");
    await updater.close();
  });
});
