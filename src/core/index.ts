/**
 * The domain core: run types, rules on write, ETA and roll-up. Pure: no I/O, no driver.
 * @module
 */
export * from "./diagnostics.js";
export * from "./durations.js";
export * from "./errors.js";
export * from "./eta.js";
export * from "./events.js";
export * from "./limits.js";
export * from "./metadata-check.js";
export * from "./notification.js";
export * from "./rollup.js";
export * from "./run.js";
export * from "./run-display.js";
export * from "./text.js";
export * from "./types.js";
export * from "./validation.js";
