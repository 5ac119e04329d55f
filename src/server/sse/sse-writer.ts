/** One Server-Sent Events message. */
export interface SseMessage {
  /** The event name; a client's `addEventListener(name)` receives it. No CR or LF. */
  event?: string;
  /** Becomes the client's Last-Event-ID. No CR, LF or NUL (a browser would ignore it). */
  id?: string;
  /** Any text; lines are split into one `data:` field each and rejoined by the client. */
  data: string;
  /** Reconnection delay the client should use, in ms. */
  retry?: number;
}

function checkField(name: "event" | "id", value: string): void {
  if (/[\r\n]/.test(value)) throw new TypeError(`SSE ${name} must not contain CR or LF: ${JSON.stringify(value)}`);
  if (name === "id" && value.includes("\0")) throw new TypeError("SSE id must not contain NUL");
}

/**
 * The wire form of one message (WHATWG HTML, "server-sent events"). Every
 * frame goes through here, so nothing a run holds can break the framing or
 * forge a second event.
 */
export function formatSseMessage(message: SseMessage): string {
  let frame = "";
  if (message.event !== undefined) {
    checkField("event", message.event);
    frame += `event: ${message.event}\n`;
  }
  if (message.id !== undefined) {
    checkField("id", message.id);
    frame += `id: ${message.id}\n`;
  }
  if (message.retry !== undefined) {
    if (!Number.isInteger(message.retry) || message.retry < 0) {
      throw new TypeError(`SSE retry must be a whole number of ms, got ${message.retry}`);
    }
    frame += `retry: ${message.retry}\n`;
  }
  for (const line of message.data.split(/\r\n|\r|\n/)) frame += `data: ${line}\n`;
  return `${frame}\n`;
}

/** A comment frame: clients ignore it; proxies see traffic. */
export function formatSseComment(text: string): string {
  return `${text
    .split(/\r\n|\r|\n/)
    .map((line) => `: ${line}`)
    .join("\n")}\n\n`;
}
