import { createParser, type EventSourceMessage } from "eventsource-parser";
import { describe, expect, it } from "vitest";
import { formatSseComment, formatSseMessage } from "../../src/server/index.js";

const bytes = (text: string) => Buffer.from(text, "utf8").toString("hex");

/** What a conforming client makes of the frames (eventsource-parser implements the WHATWG algorithm). */
function parseFrames(text: string): EventSourceMessage[] {
  const out: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => out.push(event) });
  parser.feed(text);
  return out;
}

describe("SSE framing", () => {
  it("writes event, id and data fields and a blank line, byte for byte", () => {
    const frame = formatSseMessage({ event: "run.progress.updated", id: "12-0", data: '{"percent":40}' });
    expect(bytes(frame)).toBe(bytes('event: run.progress.updated\nid: 12-0\ndata: {"percent":40}\n\n'));
  });

  it("splits multi-line data into one data field per line, whatever the line ending", () => {
    const frame = formatSseMessage({ data: "one\ntwo\r\nthree\rfour" });
    expect(frame).toBe("data: one\ndata: two\ndata: three\ndata: four\n\n");
    expect(parseFrames(frame).map((e) => e.data)).toEqual(["one\ntwo\nthree\nfour"]);
  });

  it("cannot be tricked into a second event by data that looks like fields", () => {
    const frame = formatSseMessage({ event: "snapshot", data: "x\n\nevent: run.deleted\ndata: forged" });
    const parsed = parseFrames(frame);
    expect(parsed).toHaveLength(1);
    expect(parsed[0]).toMatchObject({ event: "snapshot", data: "x\n\nevent: run.deleted\ndata: forged" });
  });

  it("rejects CR or LF in event and id, and NUL in id", () => {
    expect(() => formatSseMessage({ event: "a\nb", data: "" })).toThrow("SSE event must not contain CR or LF");
    expect(() => formatSseMessage({ event: "a\rb", data: "" })).toThrow("SSE event must not contain CR or LF");
    expect(() => formatSseMessage({ id: "1\n", data: "" })).toThrow("SSE id must not contain CR or LF");
    expect(() => formatSseMessage({ id: "1\0", data: "" })).toThrow("SSE id must not contain NUL");
  });

  it("writes retry only as a whole number of ms", () => {
    expect(formatSseMessage({ retry: 2500, data: "x" })).toBe("retry: 2500\ndata: x\n\n");
    expect(() => formatSseMessage({ retry: 1.5, data: "x" })).toThrow("SSE retry must be a whole number");
  });

  it("keeps empty data as one empty data field (an event a client still dispatches)", () => {
    expect(formatSseMessage({ event: "ping", data: "" })).toBe("event: ping\ndata: \n\n");
    expect(parseFrames(formatSseMessage({ event: "ping", data: "" }))).toHaveLength(1);
  });

  it("writes comments that clients ignore, one colon line per line", () => {
    const comment = formatSseComment("keep-alive\nstill here");
    expect(comment).toBe(": keep-alive\n: still here\n\n");
    expect(parseFrames(comment + formatSseMessage({ data: "after" })).map((e) => e.data)).toEqual(["after"]);
  });

  it("round-trips UTF-8 text through a real parser", () => {
    const data = JSON.stringify({ step: "Übersetze 12/40 – 東京 🚀" });
    const [event] = parseFrames(formatSseMessage({ event: "run.progress.updated", id: "3-1", data }));
    expect(event).toMatchObject({ event: "run.progress.updated", id: "3-1", data });
  });
});
