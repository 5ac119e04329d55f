/**
 * Automations: markdown files with YAML frontmatter that notify a run's owner
 * when the run matches a condition — on events, on a timer for time
 * conditions, or on a cron schedule — once per run across processes. Also the
 * condition language (`parseCondition`) and the pure rule core, for tools.
 * @module
 */
export {
  type AutomationLogEntry,
  type DeliveryOutcome,
  deterministicNotification,
  type Firing,
  runForModel,
} from "./automation-delivery.js";
export {
  AUTOMATION_DEFAULTS,
  type AutomationEngine,
  type RunAutomationsOptions,
  runAutomations,
} from "./automation-engine.js";
export * from "./automation-file.js";
export * from "./condition/index.js";
export * from "./load-automations.js";
export * from "./rule-state.js";
export * from "./schedule.js";
export * from "./template.js";
