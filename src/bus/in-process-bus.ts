import type { HeadwayEvent } from "../core/index.js";
import type { EventBus, EventListener, SubscribeOptions } from "./event-bus.js";

/**
 * Per-owner listener sets, so publishing an event costs the listeners of its
 * owner, not every connection of the server.
 */
export class InProcessBus implements EventBus {
  private readonly byOwner = new Map<string, Set<EventListener>>();
  private readonly everyOwner = new Set<EventListener>();
  private readonly errorHandlers = new Set<(error: unknown) => void>();
  private count = 0;

  get listenerCount(): number {
    return this.count;
  }

  publish(events: readonly HeadwayEvent[]): void {
    if (this.count === 0) return;
    for (const event of events) {
      const owned = this.byOwner.get(event.owner);
      if (owned) for (const listener of owned) this.deliver(listener, event);
      for (const listener of this.everyOwner) this.deliver(listener, event);
    }
  }

  subscribe(listener: EventListener, options: SubscribeOptions = {}): () => void {
    const { owner } = options;
    let set = this.everyOwner;
    if (owner !== undefined) {
      set = this.byOwner.get(owner) ?? new Set();
      this.byOwner.set(owner, set);
    }
    // A wrapper makes each subscription distinct, even for the same function.
    const entry: EventListener = (event) => listener(event);
    set.add(entry);
    this.count++;
    return () => {
      if (!set.delete(entry)) return;
      this.count--;
      if (owner !== undefined && set.size === 0) this.byOwner.delete(owner);
    };
  }

  onError(handler: (error: unknown) => void): () => void {
    this.errorHandlers.add(handler);
    return () => this.errorHandlers.delete(handler);
  }

  private deliver(listener: EventListener, event: HeadwayEvent): void {
    try {
      listener(event);
    } catch (error) {
      if (this.errorHandlers.size === 0) console.error("[headway] event listener failed:", error);
      for (const handler of this.errorHandlers) handler(error);
    }
  }
}
