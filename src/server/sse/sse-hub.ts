import { SseChannel, type SseChannelOptions } from "./sse-channel.js";

export interface SseHubOptions {
  keepAliveMs: number;
  onError?: (error: unknown) => void;
  onOpen?: () => void;
  onClose?: () => void;
}

/** Every open stream of one app: one keep-alive timer for all, and a clean end for all at shutdown. */
export class SseHub {
  private readonly channels = new Set<SseChannel>();
  private timer: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(private readonly options: SseHubOptions) {}

  get size(): number {
    return this.channels.size;
  }

  /** Undelivered events summed over all clients (a gauge: slow clients show up here). */
  get backlog(): number {
    let total = 0;
    for (const channel of this.channels) total += channel.backlog;
    return total;
  }

  open(options: Omit<SseChannelOptions, "onClose"> & { onClose?: () => void }): SseChannel {
    const channel = new SseChannel({
      onError: this.options.onError,
      ...options,
      onClose: () => {
        this.channels.delete(channel);
        if (this.channels.size === 0) this.stopTimer();
        options.onClose?.();
        this.options.onClose?.();
      },
    });
    this.channels.add(channel);
    this.options.onOpen?.();
    if (this.closing) channel.end();
    this.timer ??= setInterval(() => {
      for (const each of this.channels) each.tick();
    }, this.options.keepAliveMs);
    this.timer.unref?.();
    return channel;
  }

  /** Ends every stream once its queued frames are written; new streams end at once. */
  endAll(): void {
    this.closing = true;
    for (const channel of this.channels) channel.end();
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
