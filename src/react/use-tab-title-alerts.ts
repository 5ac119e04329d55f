import { useCallback, useEffect, useRef, useState } from "react";
import type { ClientSource } from "./headway-context.js";
import type { HeadwayAlert } from "./notification-center.js";
import { useHeadwayAlerts } from "./use-notifications.js";

export interface TabTitleAlertsOptions extends ClientSource {
  /**
   * The page's own title while there is nothing to say; with it the hook owns
   * `document.title`. (Default: whatever the title was, put back once the alerts are seen)
   */
  title?: string;
  /** The name after the dash: "(1) Failed: Sync 3 calendars — Headway". (Default: the page's own title) */
  appName?: string;
  /** Which alerts count. (Default: every one) */
  filter?: (alert: HeadwayAlert) => boolean;
  /** Off: the title is left alone. (Default: true) */
  enabled?: boolean;
}

export interface TabTitleAlerts {
  /** The alerts that came while the page was hidden and have not been seen, oldest first. */
  unseen: HeadwayAlert[];
  /** Forgets them (the title goes back). */
  clear: () => void;
}

/** "(2) Failed: Sync 3 calendars — Headway": the count and the latest of them. */
export function alertTitle(unseen: readonly HeadwayAlert[], appName: string): string {
  const latest = unseen.at(-1);
  if (!latest) return appName;
  return `(${unseen.length}) ${latest.title}${appName ? ` — ${appName}` : ""}`;
}

const hidden = () => typeof document !== "undefined" && document.visibilityState === "hidden";

/**
 * Puts what happened while the person looked away in the tab's title —
 * "(1) Failed: Sync 3 calendars — Headway" — from the moment it happens
 * until they come back to the tab, then restores the title. Alerts that come
 * while the page is in view are left to the toasts.
 */
export function useTabTitleAlerts(options: TabTitleAlertsOptions = {}): TabTitleAlerts {
  const { title, appName, filter, enabled = true, ...source } = options;
  const [unseen, setUnseen] = useState<HeadwayAlert[]>([]);
  const filterRef = useRef(filter);
  filterRef.current = filter;
  // The title as the page had it before ours, and the one we wrote: put back only if nobody changed it since.
  const saved = useRef<string | null>(null);
  const written = useRef<string | null>(null);

  useHeadwayAlerts((alert) => {
    if (!enabled || !hidden() || (filterRef.current && !filterRef.current(alert))) return;
    setUnseen((list) => (list.some((a) => a.id === alert.id) ? list : [...list, alert]));
  }, source);

  const clear = useCallback(() => setUnseen([]), []);

  // Seen: the tab is in view again.
  useEffect(() => {
    if (typeof document === "undefined") return;
    const onVisibility = () => {
      if (!hidden()) setUnseen([]);
    };
    document.addEventListener("visibilitychange", onVisibility);
    return () => document.removeEventListener("visibilitychange", onVisibility);
  }, []);

  useEffect(() => {
    if (typeof document === "undefined") return;
    if (!enabled) {
      setUnseen([]);
      return;
    }
    if (unseen.length === 0) {
      if (title !== undefined) document.title = title;
      else if (saved.current !== null && document.title === written.current) document.title = saved.current;
      saved.current = null;
      written.current = null;
      return;
    }
    if (saved.current === null || document.title !== written.current) saved.current = title ?? document.title;
    const next = alertTitle(unseen, appName ?? saved.current);
    document.title = next;
    written.current = next;
  }, [unseen, title, appName, enabled]);

  // Unmounted with alerts showing: the page's title comes back.
  useEffect(
    () => () => {
      if (saved.current !== null && document.title === written.current) document.title = saved.current;
    },
    [],
  );

  return { unseen, clear };
}
