import { useCallback, useEffect, useMemo, useRef, useSyncExternalStore } from "react";
import type { HeadwayClient } from "../client/index.js";
import { type ClientSource, useHeadwayClient } from "./headway-context.js";
import {
  type HeadwayAlert,
  type NotificationCenter,
  type NotificationsState,
  notificationCenter,
} from "./notification-center.js";

/** The shared center for the client from props or the provider, kept live while the calling component is mounted. */
export function useNotificationCenter(source: ClientSource = {}): NotificationCenter {
  const client: HeadwayClient = useHeadwayClient(source);
  const center = useMemo(() => notificationCenter(client), [client]);
  useEffect(() => center.retain(), [center]);
  return center;
}

export interface NotificationsView extends NotificationsState {
  /** Marks one read (at once here, then on the server). */
  markRead: (id: string) => Promise<void>;
  /** Marks every one read. */
  markAllRead: () => Promise<void>;
  /** Loads the next older page. */
  loadMore: () => Promise<void>;
  /** Reads the list again. */
  refresh: () => Promise<void>;
}

/**
 * The owner's notifications, newest first, with the unread count, kept live
 * (the runs stream's `notification.created`; polled with the runs while the
 * stream is down). Every component using it shares one connection per client.
 */
export function useNotifications(source: ClientSource = {}): NotificationsView {
  const center = useNotificationCenter(source);
  const state = useSyncExternalStore(center.subscribe, center.getState, center.getState);
  const markRead = useCallback((id: string) => center.markRead(id), [center]);
  const markAllRead = useCallback(() => center.markAllRead(), [center]);
  const loadMore = useCallback(() => center.loadMore(), [center]);
  const refresh = useCallback(() => center.refresh(), [center]);
  return { ...state, markRead, markAllRead, loadMore, refresh };
}

/**
 * Calls `onAlert` with each alert as it comes: a notification, or a run of
 * the owner's that failed, was abandoned, waits for them, or ended while the
 * page was hidden (see `HeadwayAlert`).
 */
export function useHeadwayAlerts(onAlert: (alert: HeadwayAlert) => void, source: ClientSource = {}): void {
  const center = useNotificationCenter(source);
  const latest = useRef(onAlert);
  latest.current = onAlert;
  useEffect(() => center.onAlert((alert) => latest.current(alert)), [center]);
}
