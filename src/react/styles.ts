import { useInsertionEffect } from "react";

const LIGHT = `
  --hw-bg: var(--popover, #ffffff);
  --hw-fg: var(--popover-foreground, #09090b);
  --hw-primary: var(--primary, #18181b);
  --hw-primary-fg: var(--primary-foreground, #fafafa);
  --hw-muted: var(--muted, #f4f4f5);
  --hw-muted-fg: var(--muted-foreground, #71717a);
  --hw-accent: var(--accent, #f4f4f5);
  --hw-border: var(--border, #e4e4e7);
  --hw-destructive: var(--destructive, #dc2626);
  --hw-warning: var(--warning, #b45309);
  --hw-warning-fg: var(--warning-foreground, #ffffff);
  --hw-success: var(--success, #15803d);
  --hw-ring: var(--ring, #a1a1aa);`;

const DARK = `
  --hw-bg: var(--popover, #18181b);
  --hw-fg: var(--popover-foreground, #fafafa);
  --hw-primary: var(--primary, #e4e4e7);
  --hw-primary-fg: var(--primary-foreground, #18181b);
  --hw-muted: var(--muted, #27272a);
  --hw-muted-fg: var(--muted-foreground, #a1a1aa);
  --hw-accent: var(--accent, #27272a);
  --hw-border: var(--border, #3f3f46);
  --hw-destructive: var(--destructive, #f87171);
  --hw-warning: var(--warning, #fbbf24);
  --hw-warning-fg: var(--warning-foreground, #18181b);
  --hw-success: var(--success, #4ade80);
  --hw-ring: var(--ring, #71717a);`;

/**
 * The components' styles. Colours come from the host's shadcn tokens
 * (`--popover`, `--primary`, `--muted-foreground`…) when it defines them,
 * else from fallbacks that follow the system theme, or a `.dark` / `.light`
 * class (or `data-theme`) on an ancestor.
 */
export const HEADWAY_CSS = `
.hw-root {${LIGHT}
  --hw-radius: var(--radius, 0.625rem);
  color: var(--hw-fg);
  font: inherit;
  font-size: 14px;
  line-height: 1.4;
}
@media (prefers-color-scheme: dark) { .hw-root {${DARK} } }
:where(.dark, [data-theme="dark"]) .hw-root {${DARK} }
:where(.light, [data-theme="light"]) .hw-root {${LIGHT} }
.hw-root *, .hw-root *::before, .hw-root *::after { box-sizing: border-box; }
.hw-tray, .hw-bell { position: relative; display: inline-flex; }
.hw-trigger {
  display: inline-flex; align-items: center; gap: 6px; height: 36px; padding: 0 10px;
  border: 1px solid transparent; border-radius: calc(var(--hw-radius) - 2px);
  background: transparent; color: inherit; font: inherit; cursor: pointer;
}
.hw-trigger:hover, .hw-trigger[aria-expanded="true"] { background: var(--hw-accent); }
.hw-trigger:focus-visible, .hw-button:focus-visible { outline: 2px solid var(--hw-ring); outline-offset: 2px; }
.hw-spinner { width: 16px; height: 16px; animation: hw-spin 0.9s linear infinite; }
@keyframes hw-spin { to { transform: rotate(360deg); } }
@media (prefers-reduced-motion: reduce) { .hw-spinner { animation-duration: 3s; } }
.hw-badge {
  min-width: 20px; height: 20px; padding: 0 6px; border-radius: 999px;
  background: var(--hw-primary); color: var(--hw-primary-fg);
  font-size: 12px; font-weight: 600; line-height: 20px; text-align: center; font-variant-numeric: tabular-nums;
}
/* A run waits for a person or went silent: the count takes the attention colour. */
.hw-badge[data-attention] { background: var(--hw-warning); color: var(--hw-warning-fg); }
.hw-badge[data-attention="failed"] { background: var(--hw-destructive); color: var(--hw-primary-fg); }
.hw-visually-hidden {
  position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; border: 0;
}
.hw-panel {
  position: absolute; top: calc(100% + 8px); right: 0; z-index: 50; width: min(380px, calc(100vw - 16px));
  background: var(--hw-bg); color: var(--hw-fg); border: 1px solid var(--hw-border);
  border-radius: var(--hw-radius); box-shadow: 0 10px 30px -10px rgb(0 0 0 / 0.25), 0 2px 6px rgb(0 0 0 / 0.06);
  overflow: hidden;
}
.hw-panel[data-align="start"] { right: auto; left: 0; }
.hw-trigger[data-error] { color: var(--hw-destructive); }
.hw-error { padding: 12px 14px; display: grid; gap: 8px; font-size: 13px; }
.hw-error p { margin: 0; overflow-wrap: anywhere; }
.hw-confirm { margin: 0; padding: 0; border: 0; min-width: 0; display: flex; align-items: center; gap: 6px; flex-wrap: wrap; font-size: 12px; }
.hw-confirm span { flex: 1; min-width: 0; }
.hw-button[aria-disabled="true"] { opacity: 0.6; cursor: default; }
.hw-panel-header {
  display: flex; justify-content: space-between; align-items: baseline; padding: 12px 14px 10px;
  border-bottom: 1px solid var(--hw-border); font-weight: 600;
}
.hw-panel-header small { color: var(--hw-muted-fg); font-weight: 400; font-size: 12px; }
.hw-list { list-style: none; margin: 0; padding: 4px 0; max-height: 420px; overflow-y: auto; }
.hw-item { padding: 10px 14px; display: grid; gap: 6px; }
.hw-item + .hw-item { border-top: 1px solid var(--hw-border); }
.hw-item-head { display: flex; align-items: center; gap: 8px; min-width: 0; }
.hw-title {
  flex: 1; min-width: 0; font-weight: 500; overflow: hidden; overflow-wrap: anywhere;
  display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 2;
}
a.hw-title { color: inherit; text-decoration: none; }
a.hw-title:hover { text-decoration: underline; text-underline-offset: 2px; }
a.hw-title:focus-visible { outline: 2px solid var(--hw-ring); outline-offset: 2px; border-radius: 2px; }
.hw-step { color: var(--hw-muted-fg); font-size: 13px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.hw-meta {
  display: flex; gap: 10px; color: var(--hw-muted-fg); font-size: 12px; font-variant-numeric: tabular-nums;
}
.hw-meta .hw-percent { color: var(--hw-fg); font-weight: 600; }
.hw-meta .hw-percent[data-attention] { color: var(--hw-warning); }
.hw-meta .hw-spacer { flex: 1; }
.hw-bar { position: relative; height: 6px; border-radius: 999px; background: var(--hw-muted); overflow: hidden; }
.hw-bar-fill { height: 100%; border-radius: inherit; background: var(--hw-primary); transition: width 300ms ease; }
.hw-bar[data-indeterminate] .hw-bar-fill { width: 35%; animation: hw-slide 1.4s ease-in-out infinite; }
@keyframes hw-slide { from { transform: translateX(-100%); } to { transform: translateX(290%); } }
/* Without motion, "no percent yet" is a still striped bar: never a plain full one, which reads as done. */
.hw-bar[data-indeterminate] .hw-bar-fill::after {
  content: ""; position: absolute; inset: 0;
  background: repeating-linear-gradient(-45deg, transparent 0 5px, var(--hw-muted) 5px 10px);
}
@media (prefers-reduced-motion: no-preference) { .hw-bar[data-indeterminate] .hw-bar-fill::after { content: none; } }
/* A run waiting for a person, or silent, is not busy: its bar stands still, striped. */
.hw-item[data-attention] .hw-bar[data-indeterminate] .hw-bar-fill { width: 100%; animation: none; opacity: 0.6; }
.hw-item[data-attention] .hw-bar[data-indeterminate] .hw-bar-fill::after { content: ""; }
/* Waiting for a person or gone silent is a warning, not a failure (yet): the same amber in the tray and the row. */
.hw-item[data-attention] .hw-bar-fill { background: var(--hw-warning); }
@media (prefers-reduced-motion: reduce) {
  .hw-bar[data-indeterminate] .hw-bar-fill { width: 100%; animation: none; opacity: 0.6; }
  .hw-bar-fill { transition: none; }
}
.hw-button {
  display: inline-flex; align-items: center; gap: 4px; height: 26px; padding: 0 8px;
  border: 1px solid var(--hw-border); border-radius: calc(var(--hw-radius) - 4px);
  background: transparent; color: inherit; font: inherit; font-size: 12px; cursor: pointer; white-space: nowrap;
}
.hw-button:hover:not(:disabled) { background: var(--hw-accent); }
.hw-button[data-variant="destructive"]:hover:not(:disabled) { color: var(--hw-destructive); border-color: var(--hw-destructive); }
.hw-button:disabled { opacity: 0.6; cursor: default; }
.hw-status-row {
  display: grid; grid-template-rows: 20px 40px; gap: 2px; height: 70px; padding: 4px 10px;
  border: 1px solid var(--hw-border); border-left-width: 3px; border-radius: calc(var(--hw-radius) - 2px);
  background: var(--hw-bg); color: var(--hw-fg); overflow: hidden;
}
.hw-status-row[data-attention] { border-left-color: var(--hw-destructive); }
.hw-status-row:is([data-attention="action_required"], [data-attention="stale"]) { border-left-color: var(--hw-warning); }
.hw-status-line { display: flex; align-items: center; gap: 8px; font-size: 13px; min-width: 0; }
.hw-state { font-weight: 600; white-space: nowrap; }
.hw-status-row[data-attention] .hw-state { color: var(--hw-destructive); }
.hw-status-row:is([data-attention="action_required"], [data-attention="stale"]) .hw-state { color: var(--hw-warning); }
.hw-summary { color: var(--hw-muted-fg); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; min-width: 0; flex: 1; }
.hw-elapsed, .hw-status-eta { color: var(--hw-muted-fg); font-size: 12px; font-variant-numeric: tabular-nums; white-space: nowrap; }
.hw-hint { color: var(--hw-muted-fg); font-size: 12px; white-space: nowrap; }
.hw-detail {
  margin: 0; font-size: 13px; line-height: 20px; color: var(--hw-fg);
  display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 2; overflow: hidden; overflow-wrap: anywhere;
}
.hw-dot { width: 8px; height: 8px; border-radius: 999px; background: var(--hw-primary); flex: none; }
.hw-status-row[data-attention] .hw-dot { background: var(--hw-destructive); }
.hw-status-row:is([data-attention="action_required"], [data-attention="stale"]) .hw-dot { background: var(--hw-warning); }
.hw-status-row[data-done] .hw-dot { background: var(--hw-muted-fg); }
/* A run that ended stays a while with its outcome: a failure in the destructive colour, a success in green. */
.hw-icon { flex: none; }
.hw-spinner-wrap { position: relative; display: inline-flex; }
.hw-failed-dot {
  position: absolute; top: -3px; right: -4px; width: 9px; height: 9px; border-radius: 999px;
  background: var(--hw-destructive); box-shadow: 0 0 0 2px var(--hw-bg);
}
.hw-trigger[data-outcome="failed"] { color: var(--hw-destructive); }
.hw-trigger[data-outcome="succeeded"] { color: var(--hw-success); }
.hw-trigger[data-outcome="cancelled"] { color: var(--hw-muted-fg); }
.hw-icon-button { width: 26px; padding: 0; justify-content: center; flex: none; }
.hw-item[data-status] { box-shadow: inset 3px 0 0 var(--hw-muted-fg); }
.hw-item[data-status="failed"] { box-shadow: inset 3px 0 0 var(--hw-destructive); }
.hw-item[data-status="succeeded"] { box-shadow: inset 3px 0 0 var(--hw-success); }
.hw-item[data-status] .hw-bar-fill { background: var(--hw-muted-fg); transition: none; }
.hw-item[data-status="failed"] .hw-bar-fill { background: var(--hw-destructive); }
.hw-item[data-status="succeeded"] .hw-bar-fill { background: var(--hw-success); }
.hw-outcome-step { white-space: normal; display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 2; overflow-wrap: anywhere; }
.hw-meta .hw-outcome[data-status="failed"] { color: var(--hw-destructive); }
.hw-meta .hw-outcome[data-status="cancelled"] { color: var(--hw-muted-fg); }
/* The bell: the unread count takes the colour of the most severe unread notification. */
.hw-bell-badge[data-tone="critical"] { background: var(--hw-destructive); color: var(--hw-primary-fg); }
.hw-bell-badge[data-tone="warning"] { background: var(--hw-warning); color: var(--hw-warning-fg); }
.hw-panel-header .hw-button { font-weight: 500; }
.hw-notice {
  display: grid; grid-template-columns: 18px minmax(0, 1fr) auto; gap: 10px; align-items: start; padding: 10px 14px;
}
.hw-notice + .hw-notice { border-top: 1px solid var(--hw-border); }
/* Unread: a bar in the primary colour at its edge and a bolder title; no tint, which would cost the grey text its contrast. */
.hw-notice[data-unread] { box-shadow: inset 3px 0 0 var(--hw-primary); }
.hw-notice-icon { display: inline-flex; padding-top: 2px; color: var(--hw-muted-fg); }
.hw-notice[data-severity="critical"] .hw-notice-icon { color: var(--hw-destructive); }
.hw-notice[data-severity="warning"] .hw-notice-icon { color: var(--hw-warning); }
.hw-notice-text { min-width: 0; display: grid; gap: 2px; }
.hw-notice-title { margin: 0; font-weight: 500; overflow-wrap: anywhere; }
.hw-notice[data-unread] .hw-notice-title { font-weight: 650; }
.hw-notice-body {
  margin: 0; color: var(--hw-muted-fg); font-size: 13px; overflow-wrap: anywhere; overflow: hidden;
  display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 3;
}
.hw-notice-time { color: var(--hw-muted-fg); font-size: 12px; font-variant-numeric: tabular-nums; }
.hw-link { color: inherit; text-decoration: none; }
.hw-link:hover { text-decoration: underline; text-underline-offset: 2px; }
.hw-link:focus-visible, .hw-toast-link:focus-visible, .hw-switch:focus-visible {
  outline: 2px solid var(--hw-ring); outline-offset: 2px; border-radius: 2px;
}
.hw-empty { padding: 22px 16px; text-align: center; color: var(--hw-muted-fg); font-size: 13px; }
.hw-empty p { margin: 0; }
.hw-empty .hw-empty-title { color: var(--hw-fg); font-weight: 600; margin-bottom: 4px; font-size: 14px; }
.hw-panel-footer { padding: 10px 14px; border-top: 1px solid var(--hw-border); display: flex; justify-content: center; }
.hw-panel-footer:has(.hw-switch-row) { justify-content: flex-start; }
.hw-bell-panel .hw-list { max-height: min(420px, 60vh); }
/* The switch for browser notifications: off is a grey track, on the primary colour, both 3:1 against the panel. */
.hw-switch-row { display: grid; gap: 2px; }
.hw-switch {
  display: inline-flex; align-items: center; gap: 10px; padding: 2px 0; border: 0; background: none;
  color: inherit; font: inherit; font-size: 13px; font-weight: 500; cursor: pointer; text-align: left;
}
.hw-switch-track {
  position: relative; flex: none; width: 32px; height: 18px; border-radius: 999px; background: var(--hw-muted-fg);
}
.hw-switch-thumb {
  position: absolute; top: 2px; left: 2px; width: 14px; height: 14px; border-radius: 999px; background: var(--hw-bg);
  transition: transform 150ms ease;
}
.hw-switch[aria-checked="true"] .hw-switch-track { background: var(--hw-primary); }
.hw-switch[aria-checked="true"] .hw-switch-thumb { transform: translateX(14px); background: var(--hw-primary-fg); }
.hw-switch[aria-disabled="true"] { cursor: default; }
.hw-switch[aria-disabled="true"] .hw-switch-track { opacity: 0.5; }
.hw-switch-hint { color: var(--hw-muted-fg); font-size: 12px; padding-left: 42px; }
/* Toasts: a stack in the corner, above the page; on a phone, the width of the screen. */
.hw-toaster {
  position: fixed; z-index: 60; right: 16px; bottom: 16px; width: min(380px, calc(100vw - 32px)); pointer-events: none;
}
.hw-toast-list { list-style: none; margin: 0; padding: 0; display: grid; gap: 8px; }
.hw-toast {
  --hw-tone: var(--hw-muted-fg);
  pointer-events: auto; display: grid; grid-template-columns: 18px minmax(0, 1fr) auto; gap: 10px; align-items: start;
  padding: 12px 10px 12px 14px; background: var(--hw-bg); color: var(--hw-fg); border: 1px solid var(--hw-border);
  border-radius: var(--hw-radius);
  box-shadow: inset 3px 0 0 var(--hw-tone), 0 12px 32px -12px rgb(0 0 0 / 0.35), 0 2px 6px rgb(0 0 0 / 0.08);
}
.hw-toast:is([data-kind="failed"], [data-kind="abandoned"], [data-severity="critical"]) { --hw-tone: var(--hw-destructive); }
.hw-toast:is([data-kind="needs_you"], [data-kind="notification"][data-severity="warning"]) { --hw-tone: var(--hw-warning); }
.hw-toast[data-kind="succeeded"] { --hw-tone: var(--hw-success); }
.hw-toast-icon { display: inline-flex; padding-top: 2px; color: var(--hw-tone); }
.hw-toast-text { min-width: 0; display: grid; gap: 2px; }
.hw-toast-title { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
.hw-toast-body {
  margin: 0; color: var(--hw-muted-fg); font-size: 13px; overflow-wrap: anywhere; overflow: hidden;
  display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 3;
}
.hw-toast-link {
  justify-self: start; margin-top: 4px; color: inherit; font-size: 13px; font-weight: 500;
  text-decoration: underline; text-underline-offset: 2px;
}
@media (prefers-reduced-motion: no-preference) {
  .hw-toast { animation: hw-toast-in 180ms ease-out; }
  @keyframes hw-toast-in { from { opacity: 0; transform: translateY(8px); } to { opacity: 1; transform: none; } }
}
@media (max-width: 480px) {
  .hw-toaster { right: 8px; left: 8px; bottom: 8px; width: auto; }
}
`;

/** Adds the styles to the document once, before the first paint of any Headway component. */
export function useHeadwayStyles(): void {
  useInsertionEffect(() => {
    if (typeof document === "undefined" || document.querySelector("style[data-headway]")) return;
    const style = document.createElement("style");
    style.dataset.headway = "";
    style.textContent = HEADWAY_CSS;
    document.head.append(style);
  }, []);
}
