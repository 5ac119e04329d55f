/**
 * The event bus: typed fan-out of committed run changes.
 * @module
 */
export type { EventBus, EventListener, SubscribeOptions } from "./event-bus.js";
export { InProcessBus } from "./in-process-bus.js";
