import { type MouseEvent, useCallback, useEffect, useId, useRef, useState } from "react";
import type { HeadwayNotification } from "../client/index.js";
import { BrowserNotificationsToggle, useBrowserNotifications } from "./browser-notifications.js";
import { formatAgo } from "./format.js";
import type { ClientSource } from "./headway-context.js";
import { AlertIcon, BellIcon, CheckIcon, FailedIcon, InfoIcon } from "./icons.js";
import { useHeadwayStyles } from "./styles.js";
import { useDismissablePopover, useKeepInViewport } from "./use-in-viewport.js";
import { useNotifications } from "./use-notifications.js";
import { useNow } from "./use-now.js";

export interface NotificationsBellProps extends ClientSource {
  /** Which edge of the bell the list lines up with. (Default: "end", for a header's right side) */
  align?: "start" | "end";
  /** Heading of the list. (Default: "Notifications") */
  heading?: string;
  /** The address of a run's page: a notification about a run links there. */
  runHref?: (run: { id: string }) => string | undefined;
  /** A plain click on that link, after the list closes; call `event.preventDefault()` to navigate in place. */
  onOpenRun?: (runId: string, event: MouseEvent<HTMLAnchorElement>) => void;
  /** Offer the switch for browser notifications at the foot of the list (where the browser has them). (Default: true) */
  browserToggle?: boolean;
  className?: string;
}

const SEVERITY_WORD = { critical: "Critical", warning: "Warning", info: "Info" } as const;

function SeverityIcon({ severity }: { severity: HeadwayNotification["severity"] }) {
  if (severity === "critical") return <FailedIcon />;
  if (severity === "warning") return <AlertIcon />;
  return <InfoIcon />;
}

/** "Notifications, 3 unread": the count in words, for the button's name. */
export function bellLabel(unread: number): string {
  return `Notifications, ${unread === 0 ? "none" : unread} unread`;
}

/**
 * A bell for the owner's notifications, made to sit next to `<RunsTray />`:
 * the unread count on it (in the button's name too), and a list — severity,
 * title, body, how long ago, a link to the run — with mark read and mark all
 * read. Hidden against a server without notifications.
 */
export function NotificationsBell({
  align = "end",
  heading = "Notifications",
  runHref,
  onOpenRun,
  browserToggle = true,
  className,
  ...source
}: NotificationsBellProps) {
  useHeadwayStyles();
  const { notifications, unreadCount, hasMore, loaded, supported, error, markRead, markAllRead, loadMore } =
    useNotifications(source);
  const [open, setOpen] = useState(false);
  const closePanel = useCallback(() => setOpen(false), []);
  const root = useRef<HTMLDivElement>(null);
  const trigger = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  const panelId = useId();
  const headingId = useId();
  const now = useNow(30_000, open);
  const { supported: browserCan } = useBrowserNotifications();
  // Where focus goes after a row's "Mark read" goes away: the button now in its place, else the one before, else the panel.
  const focusNext = useRef<{ id: string; index: number } | null>(null);

  useDismissablePopover({ open, close: closePanel, root, panel, trigger });

  useKeepInViewport(panel, open);

  // After a mark read, focus lands on the next unread row's button, or the panel: never on <body>.
  useEffect(() => {
    const after = focusNext.current;
    if (after === null || !open) return;
    focusNext.current = null;
    const buttons = [...(panel.current?.querySelectorAll<HTMLElement>("[data-mark-read]") ?? [])];
    // Not gone yet (a render before the mark): wait for the one that takes it away.
    if (buttons.some((b) => b.dataset.markRead === after.id)) {
      focusNext.current = after;
      return;
    }
    (buttons[after.index] ?? buttons.at(-1) ?? panel.current)?.focus();
  });

  if (supported === false) return null;
  const unread = notifications.filter((n) => !n.readAt);
  const badgeTone = unread.some((n) => n.severity === "critical")
    ? "critical"
    : unread.some((n) => n.severity === "warning")
      ? "warning"
      : undefined;

  return (
    <div ref={root} className={`hw-root hw-bell${className ? ` ${className}` : ""}`}>
      <button
        ref={trigger}
        type="button"
        className="hw-trigger"
        aria-haspopup="dialog"
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        aria-label={bellLabel(unreadCount)}
        onClick={() => setOpen((was) => !was)}
      >
        <BellIcon />
        {unreadCount > 0 && (
          <span className="hw-badge hw-bell-badge" aria-hidden="true" data-tone={badgeTone}>
            {unreadCount > 99 ? "99+" : unreadCount}
          </span>
        )}
      </button>
      {open && (
        <div
          ref={panel}
          id={panelId}
          className="hw-panel hw-bell-panel"
          role="dialog"
          aria-labelledby={headingId}
          data-align={align}
          tabIndex={-1}
        >
          <div className="hw-panel-header">
            <span id={headingId}>{heading}</span>
            {unreadCount > 0 ? (
              <button
                type="button"
                className="hw-button"
                onClick={() => {
                  panel.current?.focus();
                  void markAllRead();
                }}
              >
                Mark all read
              </button>
            ) : (
              <small>{loaded ? "All read" : ""}</small>
            )}
          </div>
          {error && (
            <div className="hw-error" role="alert">
              <p>{error.message}</p>
            </div>
          )}
          {notifications.length === 0 ? (
            <div className="hw-empty">
              {loaded ? (
                <>
                  <p className="hw-empty-title">No notifications yet</p>
                  <p>You will hear here when a run of yours fails, is abandoned or needs you.</p>
                </>
              ) : (
                <p>Loading…</p>
              )}
            </div>
          ) : (
            <ul className="hw-list hw-notice-list">
              {notifications.map((n) => {
                const href = n.runId ? runHref?.({ id: n.runId }) : undefined;
                const when = new Date(n.createdAt);
                return (
                  <li
                    key={n.id}
                    className="hw-notice"
                    data-severity={n.severity}
                    data-unread={n.readAt ? undefined : ""}
                  >
                    <span className="hw-notice-icon" title={SEVERITY_WORD[n.severity]}>
                      <SeverityIcon severity={n.severity} />
                    </span>
                    <div className="hw-notice-text">
                      <p className="hw-notice-title">
                        <span className="hw-visually-hidden">
                          {n.readAt ? "" : "Unread, "}
                          {SEVERITY_WORD[n.severity]}:{" "}
                        </span>
                        {href ? (
                          <a
                            className="hw-link"
                            href={href}
                            onClick={(event) => {
                              if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
                              if (!n.readAt) void markRead(n.id);
                              setOpen(false);
                              trigger.current?.focus();
                              if (n.runId) onOpenRun?.(n.runId, event);
                            }}
                          >
                            {n.title}
                          </a>
                        ) : (
                          n.title
                        )}
                      </p>
                      {n.body && <p className="hw-notice-body">{n.body}</p>}
                      <time className="hw-notice-time" dateTime={n.createdAt} title={when.toLocaleString()}>
                        {formatAgo(n.createdAt, now)}
                      </time>
                    </div>
                    {!n.readAt && (
                      <button
                        type="button"
                        className="hw-button hw-icon-button hw-mark-read"
                        data-mark-read={n.id}
                        aria-label={`Mark read: ${n.title}`}
                        title="Mark read"
                        onClick={(event) => {
                          const buttons = [...(panel.current?.querySelectorAll("[data-mark-read]") ?? [])];
                          focusNext.current = { id: n.id, index: Math.max(0, buttons.indexOf(event.currentTarget)) };
                          void markRead(n.id);
                        }}
                      >
                        <CheckIcon />
                      </button>
                    )}
                  </li>
                );
              })}
            </ul>
          )}
          {hasMore && (
            <div className="hw-panel-footer">
              <button type="button" className="hw-button" onClick={() => void loadMore()}>
                Load older
              </button>
            </div>
          )}
          {browserToggle && browserCan && (
            <div className="hw-panel-footer">
              <BrowserNotificationsToggle />
            </div>
          )}
        </div>
      )}
    </div>
  );
}
