import type { HeadwayEvent } from "../core/index.js";

export type EventListener = (event: HeadwayEvent) => void;

export interface SubscribeOptions {
  /** Only this owner's events. Omit to receive every owner's (server-side consumers only). */
  owner?: string;
}

/** Fan-out of committed changes. Listeners run synchronously, in publish order. */
export interface EventBus {
  publish(events: readonly HeadwayEvent[]): void;
  subscribe(listener: EventListener, options?: SubscribeOptions): () => void;
  /** Listener errors land here instead of breaking the publisher. */
  onError(handler: (error: unknown) => void): () => void;
  readonly listenerCount: number;
}
