import { type HeadwayEvent, parseEventId } from "../../core/index.js";
import { eventJson } from "../../store/index.js";
import { PendingEvents } from "./pending-events.js";
import { formatSseComment, formatSseMessage, type SseMessage } from "./sse-writer.js";

/** Frames that bring a client to the store's state as of commit `seq`. */
export interface Opening {
  frames: SseMessage[];
  seq: number;
  /** Version of each run the frames carry: queued events at or below it are old news. */
  versions: ReadonlyMap<string, number>;
}

/**
 * An opening produced piece by piece as the socket drains (a snapshot read
 * page by page). `versions` is complete once `next()` resolved undefined.
 */
export interface OpeningSource {
  readonly seq: number;
  readonly versions: ReadonlyMap<string, number>;
  next(): Promise<Uint8Array | undefined>;
}

/** Why the server ended a stream; sent as the data of a last `stream.ended` event. */
export interface EndReason {
  code: string;
  message: string;
}

export interface SseChannelOptions {
  maxPendingEvents: number;
  /**
   * Most bytes this client may leave unread: queued frames plus `unflushed()`.
   * Past it the queue is dropped and the client is re-synced once it reads.
   */
  bufferBytes: number;
  /** Bytes already handed to the socket but not yet flushed (Node: the response's `writableLength`). */
  unflushed?: () => number;
  /** Which of the owner's events this client wants (e.g. one run and its children). */
  filter: (event: HeadwayEvent) => boolean;
  /** Catches up a client whose backlog overflowed, from the last commit it was sent. */
  resync: (sinceSeq: number) => Promise<Opening | OpeningSource>;
  onClose: () => void;
  /** Called each time the client's backlog is dropped for a later re-sync. */
  onOverflow?: () => void;
  /** Called when the server ends the stream with a reason (the last frame may never be read). */
  onEndWith?: (reason: EndReason) => void;
  /** Where a failure while writing the stream is reported. */
  onError?: (error: unknown) => void;
}

const MAX_EVENTS_PER_CHUNK = 256;
/** Past the first frame, a chunk stops growing here, so the socket never holds much more than one. */
const MAX_CHUNK_BYTES = 64 * 1024;
const KEEP_ALIVE = new TextEncoder().encode(formatSseComment("keep-alive"));
const encoder = new TextEncoder();
// The same envelope object goes to every subscriber of its owner: encode it once.
const frameCache = new WeakMap<HeadwayEvent, Uint8Array>();

function frameOf(event: HeadwayEvent): Uint8Array {
  let bytes = frameCache.get(event);
  if (!bytes) {
    bytes = encoder.encode(formatSseMessage({ event: event.type, id: event.id, data: eventJson(event) }));
    frameCache.set(event, bytes);
  }
  return bytes;
}

function encodeFrames(frames: readonly SseMessage[]): Uint8Array {
  return encoder.encode(frames.map(formatSseMessage).join(""));
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

function sourceOf(opening: Opening | OpeningSource, before?: Uint8Array): OpeningSource {
  if ("next" in opening && !before) return opening;
  let first: Uint8Array | undefined = before;
  if (!("next" in opening)) {
    const bytes = encodeFrames(opening.frames);
    first = before ? concat([before, bytes]) : bytes;
    return {
      seq: opening.seq,
      versions: opening.versions,
      next: async () => {
        const out = first;
        first = undefined;
        return out;
      },
    };
  }
  return {
    seq: opening.seq,
    versions: opening.versions,
    next: async () => {
      if (!first) return opening.next();
      const out = first;
      first = undefined;
      return out;
    },
  };
}

function coveredBy(opening: { seq: number; versions: ReadonlyMap<string, number> }): (event: HeadwayEvent) => boolean {
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
 * pulling, and its backlog stays in `PendingEvents`, coalesced per run and
 * bounded in bytes: past `bufferBytes` (queued frames plus what the socket
 * still holds) the backlog is dropped, and the client gets a `stream.resync`
 * event and a catch-up from the store when it reads again.
 */
export class SseChannel {
  readonly stream: ReadableStream<Uint8Array>;
  private readonly pending: PendingEvents;
  /** What goes out before any queued event (the opening, a re-sync, a last reason), read as the socket drains. */
  private head: OpeningSource | undefined;
  /** Bytes of the head already read but not yet sent, handed out in slices. */
  private tail: Uint8Array | undefined;
  private started = false;
  private ending = false;
  private closed = false;
  private idle = true;
  private keepAliveDue = false;
  private lastSeq = 0;
  /**
   * The commit the last snapshot or replay was read at: it holds every run as
   * of then, so a live event at or below it (published late: the feed lags the
   * database a little) is old news, and its id would repeat the opening's.
   */
  private coveredSeq = 0;
  private overflows = 0;
  /** The re-sync snapshot being sent: overflowing again before it is out ends the stream instead. */
  private resyncHead: OpeningSource | undefined;
  /** Part of the current head already went out: ending now would cut a frame in two. */
  private headSent = false;
  /** Ended in the middle of a frame: the connection is cut rather than sent a broken frame. */
  private aborted = false;
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

  /** Bytes waiting for this client: queued frames plus what the socket has not flushed. */
  get backlogBytes(): number {
    return this.pending.bytes + (this.options.unflushed?.() ?? 0);
  }

  /** How many times this client's backlog was dropped for a re-sync. */
  get overflowCount(): number {
    return this.overflows;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  push(event: HeadwayEvent): void {
    if (this.closed || this.ending || this.pending.overflowed || !this.options.filter(event)) return;
    if ((parseEventId(event.id)?.commitSeq ?? Number.POSITIVE_INFINITY) <= this.coveredSeq) return;
    this.pending.push(event, frameOf(event).byteLength);
    if (!this.pending.overflowed && this.backlogBytes > this.options.bufferBytes) this.pending.drop();
    if (this.pending.overflowed) {
      this.overflows++;
      this.options.onOverflow?.();
    }
    this.notify();
  }

  /** Sends the snapshot or replay first, then the live events it does not already cover. */
  begin(opening: Opening | OpeningSource): void {
    if (this.closed || (this.ending && this.head)) return; // ended with a reason while the opening was read
    this.head = sourceOf(opening);
    this.lastSeq = opening.seq;
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

  /**
   * Ends the stream now: what is queued is dropped, and the client is sent
   * one last `stream.ended` event saying why.
   */
  endWith(reason: EndReason): void {
    if (this.closed) return;
    this.pending.reset();
    this.tail = undefined;
    if (this.headSent) {
      this.head = undefined;
      this.aborted = true;
      this.ending = true;
      this.notify();
      this.options.onEndWith?.(reason);
      return;
    }
    this.head = sourceOf({
      frames: [{ event: "stream.ended", data: JSON.stringify(reason) }],
      seq: 0,
      versions: new Map(),
    });
    this.resyncHead = undefined;
    this.started = true;
    this.ending = true;
    this.notify();
    this.options.onEndWith?.(reason);
  }

  /** Stops at once, dropping the backlog (client gone, or the request failed before responding). */
  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending.reset();
    this.head = undefined;
    this.tail = undefined;
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
      if (this.aborted) {
        this.dispose();
        controller.error(new Error("the stream was ended in the middle of a frame"));
        return;
      }
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

  /** The next slice of what was read from the head, if any is left. */
  private tailSlice(): Uint8Array | undefined {
    const tail = this.tail;
    if (!tail) return undefined;
    if (tail.byteLength <= MAX_CHUNK_BYTES) {
      this.tail = undefined;
      return tail;
    }
    this.tail = tail.subarray(MAX_CHUNK_BYTES);
    return tail.subarray(0, MAX_CHUNK_BYTES);
  }

  /** The next bytes of the head; when it is done, drops the queued events it already covers. */
  private async headChunk(): Promise<Uint8Array | undefined> {
    for (;;) {
      const slice = this.tailSlice();
      if (slice) {
        this.headSent = true;
        return slice;
      }
      const head = this.head;
      if (!head) return undefined;
      const bytes = await head.next();
      if (this.closed) return undefined;
      if (this.head !== head) continue; // replaced while reading (ended with a reason)
      if (bytes) {
        this.tail = bytes;
        continue;
      }
      this.head = undefined;
      this.headSent = false;
      this.lastSeq = Math.max(this.lastSeq, head.seq);
      this.coveredSeq = Math.max(this.coveredSeq, head.seq);
      this.pending.discard(coveredBy(head));
      if (head === this.resyncHead) {
        this.resyncHead = undefined;
        // Fell behind again while its re-sync went out: another snapshot per budget's worth of events would
        // cost more than the events. It has a whole snapshot now; it is ended and reconnects to resume from it.
        if (this.pending.overflowed) {
          this.endWith({
            code: "slow_client",
            message: `this client fell more than ${this.options.bufferBytes} bytes behind again while being re-synced; reconnect to resume`,
          });
          continue;
        }
      }
      return undefined;
    }
  }

  private async nextChunk(): Promise<Uint8Array | undefined> {
    const head = await this.headChunk();
    if (head || this.closed) return head;
    if (this.pending.overflowed) {
      if (this.ending) return undefined;
      this.pending.reset();
      const notice = encodeFrames([
        {
          event: "stream.resync",
          data: JSON.stringify({
            reason: "slow_client",
            message: `this client fell more than ${this.options.bufferBytes} bytes behind; a fresh snapshot follows`,
          }),
        },
      ]);
      const opening = await this.options.resync(this.lastSeq);
      if (this.closed) return undefined;
      if (this.head) return this.headChunk(); // ended with a reason meanwhile
      this.head = sourceOf(opening, notice);
      this.resyncHead = this.head;
      this.lastSeq = opening.seq;
      return this.headChunk();
    }
    const parts: Uint8Array[] = [];
    for (const event of this.pending.take(MAX_EVENTS_PER_CHUNK, MAX_CHUNK_BYTES)) {
      parts.push(frameOf(event));
      this.lastSeq = parseEventId(event.id)?.commitSeq ?? this.lastSeq;
    }
    if (parts.length === 0 && this.keepAliveDue) parts.push(KEEP_ALIVE);
    this.keepAliveDue = false;
    // One chunk per pull: the socket's writableLength then counts all of it against the budget.
    return parts.length > 0 ? concat(parts) : undefined;
  }
}
