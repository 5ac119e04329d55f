/**
 * Automations: markdown files with YAML frontmatter that notify when a run matches a condition,
 * the condition language, and the pure rule core that decides when one fires.
 * @module
 */
export * from "./automation-file.js";
export * from "./condition/index.js";
export * from "./load-automations.js";
export * from "./rule-state.js";
export * from "./schedule.js";
export * from "./template.js";
