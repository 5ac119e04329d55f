import { type HeadwayEvent, parseEventId } from "../../core/index.js";
import { PendingEvents } from "./pending-events.js";
import { formatSseComment, formatSseMessage, type SseMessage } from "./sse-writer.js";

/** Frames that bring a client to the store's state as of commit `seq`. */
export interface Opening {
  frames: SseMessage[];
  seq: number;
  /** Version of each run the frames carry: queued events at or below it are old news. */
  versions: ReadonlyMap<string, number>;
}

export interface SseChannelOptions {
  maxPendingEvents: number;
  /** Which of the owner's events this client wants (e.g. one run and its children). */
  filter: (event: HeadwayEvent) => boolean;
  /** Catches up a client whose backlog overflowed, from the last commit it was sent. */
  resync: (sinceSeq: number) => Promise<Opening>;
  onClose: () => void;
  /** Where a failure while writing the stream is reported. */
  onError?: (error: unknown) => void;
}

const MAX_EVENTS_PER_CHUNK = 256;
const KEEP_ALIVE = new TextEncoder().encode(formatSseComment("keep-alive"));
const encoder = new TextEncoder();
// The same envelope object goes to every subscriber of its owner: encode it once.
const frameCache = new WeakMap<HeadwayEvent, Uint8Array>();

function frameOf(event: HeadwayEvent): Uint8Array {
  let bytes = frameCache.get(event);
  if (!bytes) {
    bytes = encoder.encode(formatSseMessage({ event: event.type, id: event.id, data: JSON.stringify(event) }));
    frameCache.set(event, bytes);
  }
  return bytes;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

function coveredBy(opening: Opening): (event: HeadwayEvent) => boolean {
  return (event) => {
    const seq = parseEventId(event.id)?.commitSeq;
    if (seq !== undefined && seq <= opening.seq) return true;
    const version = event.run ? opening.versions.get(event.run.id) : undefined;
    return version !== undefined && event.run !== undefined && event.run.version <= version;
  };
}

/**
 * One stream client. The body is a pull stream with no buffer of its own:
 * frames are built only when the response asks for more, which it does only
 * while the socket drains. A client that stops reading therefore stops
 * pulling, and its backlog stays in `PendingEvents`, coalesced per run.
 */
export class SseChannel {
  readonly stream: ReadableStream<Uint8Array>;
  private readonly pending: PendingEvents;
  private opening: Uint8Array | undefined;
  private started = false;
  private ending = false;
  private closed = false;
  private idle = true;
  private keepAliveDue = false;
  private lastSeq = 0;
  private wake: (() => void) | undefined;

  constructor(private readonly options: SseChannelOptions) {
    this.pending = new PendingEvents(options.maxPendingEvents);
    this.stream = new ReadableStream<Uint8Array>(
      { pull: (controller) => this.pull(controller), cancel: () => this.dispose() },
      { highWaterMark: 0 },
    );
  }

  /** Events waiting for this client. */
  get backlog(): number {
    return this.pending.size;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  push(event: HeadwayEvent): void {
    if (this.closed || this.ending || !this.options.filter(event)) return;
    this.pending.push(event);
    this.notify();
  }

  /** Sends the snapshot or replay first, then the live events it does not already cover. */
  begin(opening: Opening): void {
    this.opening = encoder.encode(opening.frames.map(formatSseMessage).join(""));
    this.lastSeq = opening.seq;
    this.pending.discard(coveredBy(opening));
    this.started = true;
    this.notify();
  }

  /** Called every keep-alive period: a client that was sent nothing since the last one gets a comment. */
  tick(): void {
    if (this.idle) {
      this.keepAliveDue = true;
      this.notify();
    }
    this.idle = true;
  }

  /** Ends the stream once what is queued has been handed to the socket. */
  end(): void {
    this.ending = true;
    this.notify();
  }

  /** Stops at once, dropping the backlog (client gone, or the request failed before responding). */
  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending.reset();
    this.notify();
    this.options.onClose();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private async pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    try {
      await this.fill(controller);
    } catch (error) {
      // A failed re-sync ends this stream (the client reconnects and resumes); it must not leak the subscription.
      this.dispose();
      this.options.onError?.(error);
      controller.error(error);
    }
  }

  private async fill(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    for (;;) {
      if (this.closed) return;
      const chunk = this.started ? await this.nextChunk() : undefined;
      if (this.closed) return;
      if (chunk) {
        controller.enqueue(chunk);
        this.idle = false;
        return;
      }
      if (this.ending) {
        controller.close();
        this.dispose();
        return;
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  private async nextChunk(): Promise<Uint8Array | undefined> {
    const parts: Uint8Array[] = [];
    if (this.opening) {
      parts.push(this.opening);
      this.opening = undefined;
    }
    if (this.pending.overflowed) {
      this.pending.reset();
      const opening = await this.options.resync(this.lastSeq);
      parts.push(encoder.encode(opening.frames.map(formatSseMessage).join("")));
      this.lastSeq = opening.seq;
      this.pending.discard(coveredBy(opening));
    }
    for (const event of this.pending.take(MAX_EVENTS_PER_CHUNK)) {
      parts.push(frameOf(event));
      this.lastSeq = parseEventId(event.id)?.commitSeq ?? this.lastSeq;
    }
    if (parts.length === 0 && this.keepAliveDue) parts.push(KEEP_ALIVE);
    this.keepAliveDue = false;
    return parts.length > 0 ? concat(parts) : undefined;
  }
}
