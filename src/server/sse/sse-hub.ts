import { type EndReason, SseChannel, type SseChannelOptions } from "./sse-channel.js";

export interface SseHubOptions {
  keepAliveMs: number;
  /** How often each open stream's credential is checked again. (Default: 500) */
  reauthIntervalMs?: number;
  onError?: (error: unknown) => void;
  onOpen?: () => void;
  onClose?: () => void;
}

/**
 * How a stream proves, again, that it may go on: `key` groups streams that
 * share one credential (checked once per round), `check` resolves false
 * once that credential is revoked or no longer maps to the stream's owner.
 */
export interface StreamCredential {
  key: string;
  check: () => Promise<boolean>;
}

export interface OpenStreamOptions extends Omit<SseChannelOptions, "onClose"> {
  owner: string;
  credential?: StreamCredential;
  onClose?: () => void;
}

const REVOKED: EndReason = {
  code: "credential_revoked",
  message: "the token or session this stream signed in with was revoked; sign in again",
};

/**
 * Every open stream of one app: one keep-alive timer for all, a count per
 * owner, a periodic re-check of each stream's credential (a revoked one ends
 * its streams with a `stream.ended` event), and a clean end for all at shutdown.
 */
export class SseHub {
  private readonly channels = new Set<SseChannel>();
  private readonly perOwner = new Map<string, number>();
  private readonly credentials = new Map<SseChannel, StreamCredential>();
  private timer: NodeJS.Timeout | undefined;
  private reauthTimer: NodeJS.Timeout | undefined;
  private rechecking = false;
  private closing = false;
  private overflowTotal = 0;

  constructor(private readonly options: SseHubOptions) {}

  get size(): number {
    return this.channels.size;
  }

  /** Open streams of `owner`. */
  countFor(owner: string): number {
    return this.perOwner.get(owner) ?? 0;
  }

  /** Undelivered events summed over all clients (a gauge: slow clients show up here). */
  get backlog(): number {
    let total = 0;
    for (const channel of this.channels) total += channel.backlog;
    return total;
  }

  /** Unread bytes summed over all clients: queued frames plus what sockets hold unflushed. */
  get backlogBytes(): number {
    let total = 0;
    for (const channel of this.channels) total += channel.backlogBytes;
    return total;
  }

  /** Times, since start, that a client's backlog passed its byte budget and was dropped for a re-sync. */
  get overflows(): number {
    return this.overflowTotal;
  }

  open(options: OpenStreamOptions): SseChannel {
    const { owner, credential, ...channelOptions } = options;
    const channel = new SseChannel({
      onError: this.options.onError,
      ...channelOptions,
      onOverflow: () => {
        this.overflowTotal++;
        channelOptions.onOverflow?.();
      },
      onClose: () => {
        this.channels.delete(channel);
        this.credentials.delete(channel);
        const left = (this.perOwner.get(owner) ?? 1) - 1;
        if (left > 0) this.perOwner.set(owner, left);
        else this.perOwner.delete(owner);
        if (this.channels.size === 0) this.stopTimers();
        options.onClose?.();
        this.options.onClose?.();
      },
    });
    this.channels.add(channel);
    this.perOwner.set(owner, this.countFor(owner) + 1);
    if (credential) this.credentials.set(channel, credential);
    this.options.onOpen?.();
    if (this.closing) channel.end();
    this.timer ??= setInterval(() => {
      for (const each of this.channels) each.tick();
    }, this.options.keepAliveMs);
    this.timer.unref?.();
    if (credential && !this.reauthTimer) {
      this.reauthTimer = setInterval(() => void this.recheck(), this.options.reauthIntervalMs ?? 500);
      this.reauthTimer.unref?.();
    }
    return channel;
  }

  /** Checks each distinct credential once and ends the streams of those that no longer pass. */
  async recheck(): Promise<void> {
    if (this.rechecking) return;
    this.rechecking = true;
    try {
      const byKey = new Map<string, { credential: StreamCredential; channels: SseChannel[] }>();
      for (const [channel, credential] of this.credentials) {
        const group = byKey.get(credential.key);
        if (group) group.channels.push(channel);
        else byKey.set(credential.key, { credential, channels: [channel] });
      }
      for (const { credential, channels } of byKey.values()) {
        let valid: boolean;
        try {
          valid = await credential.check();
        } catch (error) {
          // A store that cannot answer right now is not a revocation; the next round asks again.
          this.options.onError?.(error);
          continue;
        }
        if (valid) continue;
        for (const channel of channels) {
          this.credentials.delete(channel);
          channel.endWith(REVOKED);
        }
      }
    } finally {
      this.rechecking = false;
    }
  }

  /** Ends every stream once its queued frames are written; new streams end at once. */
  endAll(): void {
    this.closing = true;
    for (const channel of this.channels) channel.end();
  }

  private stopTimers(): void {
    clearInterval(this.timer);
    clearInterval(this.reauthTimer);
    this.timer = undefined;
    this.reauthTimer = undefined;
  }
}
