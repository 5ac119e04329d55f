import { useCallback, useId, useSyncExternalStore } from "react";
import type { HeadwayAlert } from "./notification-center.js";
import { useHeadwayStyles } from "./styles.js";

/** Where the opt-in is remembered (per browser and origin). */
export const BROWSER_NOTIFICATIONS_KEY = "headway-browser-notifications";

export type BrowserPermission = NotificationPermission | "unsupported";

export interface BrowserNotificationsState {
  /** The browser can show notifications at all. */
  supported: boolean;
  /** What the browser allows this site. */
  permission: BrowserPermission;
  /** The person turned them on here, and the browser allows them. */
  enabled: boolean;
}

const api = (): typeof globalThis.Notification | null =>
  typeof globalThis.Notification === "function" ? globalThis.Notification : null;

function readState(): BrowserNotificationsState {
  const N = api();
  if (!N) return { supported: false, permission: "unsupported", enabled: false };
  let on = false;
  try {
    on = globalThis.localStorage?.getItem(BROWSER_NOTIFICATIONS_KEY) === "on";
  } catch {
    // Storage refused (a privacy mode): off.
  }
  return { supported: true, permission: N.permission, enabled: on && N.permission === "granted" };
}

let current: BrowserNotificationsState | null = null;
const listeners = new Set<() => void>();
function snapshot(): BrowserNotificationsState {
  current ??= readState();
  return current;
}
function reread(): void {
  const next = readState();
  const held = snapshot();
  if (next.supported === held.supported && next.permission === held.permission && next.enabled === held.enabled) {
    return;
  }
  current = next;
  for (const listener of listeners) listener();
}
// The permission can change in the browser's own settings, the opt-in in another tab: look again then.
const onOutsideChange = () => reread();
function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (listeners.size === 1) reread();
  if (listeners.size === 1 && typeof document !== "undefined") {
    document.addEventListener("visibilitychange", onOutsideChange);
    globalThis.addEventListener?.("storage", onOutsideChange);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && typeof document !== "undefined") {
      document.removeEventListener("visibilitychange", onOutsideChange);
      globalThis.removeEventListener?.("storage", onOutsideChange);
    }
  };
}
function store(on: boolean): void {
  try {
    if (on) globalThis.localStorage?.setItem(BROWSER_NOTIFICATIONS_KEY, "on");
    else globalThis.localStorage?.removeItem(BROWSER_NOTIFICATIONS_KEY);
  } catch {
    // Not remembered; still applies to this page.
  }
  reread();
}

const SERVER: BrowserNotificationsState = { supported: false, permission: "unsupported", enabled: false };

/**
 * The opt-in to browser (system) notifications for alerts that come while the
 * page is hidden. Nothing asks the browser for permission until `enable()`,
 * which must be called from a click: never on load.
 */
export function useBrowserNotifications(): BrowserNotificationsState & {
  /** Asks the browser (if it has not been answered) and turns them on; resolves whether they are on. */
  enable: () => Promise<boolean>;
  disable: () => void;
} {
  const state = useSyncExternalStore(subscribe, snapshot, () => SERVER);
  const enable = useCallback(async () => {
    const N = api();
    if (!N) return false;
    let permission = N.permission;
    if (permission === "default") permission = await N.requestPermission();
    store(permission === "granted");
    return permission === "granted";
  }, []);
  const disable = useCallback(() => store(false), []);
  return { ...state, enable, disable };
}

/**
 * Shows an alert as a browser notification when the person turned them on and
 * the browser allows it; a click brings the page forward (and calls `onClick`).
 * Returns whether one was shown.
 */
export function showBrowserNotification(alert: HeadwayAlert, onClick?: () => void): boolean {
  const N = api();
  if (!N || !snapshot().enabled || N.permission !== "granted") return false;
  try {
    const shown = new N(alert.title, { body: alert.body ?? undefined, tag: alert.id });
    shown.onclick = () => {
      globalThis.focus?.();
      onClick?.();
      shown.close();
    };
    return true;
  } catch {
    // Some browsers allow them only from a service worker (Chrome on Android): the toast is still there.
    return false;
  }
}

export interface BrowserNotificationsToggleProps {
  /** The switch's words. (Default: "Browser notifications") */
  label?: string;
  className?: string;
}

/**
 * A switch for browser notifications: asks the browser only when switched on
 * by a person, says so when the browser blocks them, and shows nothing in a
 * browser without them.
 */
export function BrowserNotificationsToggle({
  label = "Browser notifications",
  className,
}: BrowserNotificationsToggleProps) {
  useHeadwayStyles();
  const { supported, permission, enabled, enable, disable } = useBrowserNotifications();
  const hintId = useId();
  if (!supported) return null;
  const blocked = permission === "denied";
  const hint = blocked
    ? "Blocked by the browser: allow notifications for this site in its settings."
    : "When this tab is in the background.";
  return (
    <div className={`hw-switch-row${className ? ` ${className}` : ""}`}>
      <button
        type="button"
        role="switch"
        className="hw-switch"
        aria-checked={enabled}
        aria-disabled={blocked}
        aria-describedby={hintId}
        onClick={() => {
          if (blocked) return;
          if (enabled) disable();
          else void enable();
        }}
      >
        <span className="hw-switch-track" aria-hidden="true">
          <span className="hw-switch-thumb" />
        </span>
        <span>{label}</span>
      </button>
      <small id={hintId} className="hw-switch-hint">
        {hint}
      </small>
    </div>
  );
}
