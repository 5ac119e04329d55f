import { type MouseEvent, useCallback, useEffect, useRef, useState } from "react";
import { showBrowserNotification } from "./browser-notifications.js";
import type { ClientSource } from "./headway-context.js";
import { AlertIcon, CheckIcon, CloseIcon, FailedIcon, InfoIcon, StoppedIcon } from "./icons.js";
import { type HeadwayAlert, isUrgent } from "./notification-center.js";
import { useHeadwayStyles } from "./styles.js";
import { useNotificationCenter } from "./use-notifications.js";

export interface ToasterProps extends ClientSource {
  /** How long a toast stays, in ms, counted only while the page is in view and the toasts are not hovered or focused; critical ones stay until dismissed. (Default: 8000) */
  durationMs?: number;
  /** At most this many toasts at once; the oldest that is not critical makes room, else the oldest. (Default: 3) */
  max?: number;
  /** The address of a run's page: a toast about a run links there ("View run"). */
  runHref?: (run: { id: string }) => string | undefined;
  /** A plain click on that link; call `event.preventDefault()` to navigate in place. */
  onOpenRun?: (runId: string, event: MouseEvent<HTMLAnchorElement>) => void;
  /** Alerts that come while the page is hidden also go to the system, when the person turned browser notifications on. (Default: true) */
  browserNotifications?: boolean;
  /** Which alerts become toasts. (Default: every one) */
  filter?: (alert: HeadwayAlert) => boolean;
  /** The toasts' region, as screen readers name it. (Default: "Alerts") */
  label?: string;
  className?: string;
}

interface Toast {
  alert: HeadwayAlert;
  /** ms left to show while the clock is stopped; null: until dismissed. */
  remaining: number | null;
  /** When it leaves (Date.now()) while the clock runs; null while stopped. */
  deadline: number | null;
}

function ToastIcon({ alert }: { alert: HeadwayAlert }) {
  if (alert.kind === "failed" || alert.kind === "abandoned") return <FailedIcon />;
  if (alert.kind === "succeeded") return <CheckIcon />;
  if (alert.kind === "cancelled") return <StoppedIcon />;
  if (alert.kind === "needs_you" || alert.severity !== "info") return <AlertIcon />;
  return <InfoIcon />;
}

const hidden = () => typeof document !== "undefined" && document.visibilityState === "hidden";

/**
 * Toasts for the owner's alerts: a run that failed, was abandoned or waits
 * for them, a notification, a run that ended while they looked away. Screen
 * readers hear each one (failures and critical ones at once, the rest
 * politely). They leave after `durationMs` of being in view, not while
 * hovered or focused, and critical ones only when dismissed; Escape
 * dismisses the focused one. While the page is hidden, alerts also go to the
 * system when the person turned browser notifications on.
 */
export function Toaster({
  durationMs = 8000,
  max = 3,
  runHref,
  onOpenRun,
  browserNotifications = true,
  filter,
  label = "Alerts",
  className,
  ...source
}: ToasterProps) {
  useHeadwayStyles();
  const center = useNotificationCenter(source);
  const [toasts, setToasts] = useState<Toast[]>([]);
  const [announced, setAnnounced] = useState<{ urgent: string; polite: string; n: number }>({
    urgent: "",
    polite: "",
    n: 0,
  });
  const [hovered, setHovered] = useState(false);
  const [focused, setFocused] = useState(false);
  const [pageHidden, setPageHidden] = useState(hidden);
  const paused = hovered || focused || pageHidden;
  const region = useRef<HTMLElement>(null);
  const returnTo = useRef<HTMLElement | null>(null);
  const latest = useRef({ filter, runHref, onOpenRun, browserNotifications, durationMs, max });
  latest.current = { filter, runHref, onOpenRun, browserNotifications, durationMs, max };

  const dismiss = useCallback((id: string) => {
    setToasts((list) => list.filter((t) => t.alert.id !== id));
  }, []);

  const openRun = useCallback(
    (alert: HeadwayAlert, event?: MouseEvent<HTMLAnchorElement>) => {
      if (alert.notification && !alert.notification.readAt) void center.markRead(alert.notification.id);
      if (event && alert.runId) latest.current.onOpenRun?.(alert.runId, event);
      dismiss(alert.id);
    },
    [center, dismiss],
  );

  useEffect(
    () =>
      center.onAlert((alert) => {
        const { filter: keep, durationMs: duration, max: most, browserNotifications: toSystem } = latest.current;
        if (keep && !keep(alert)) return;
        const sticky = alert.severity === "critical";
        setToasts((list) => {
          if (list.some((t) => t.alert.id === alert.id)) return list;
          const next = [...list, { alert, remaining: sticky ? null : duration, deadline: null }];
          // Room for the new one: the oldest that would have left on its own goes first, else the oldest
          // (it stays in the bell's list): a screen is never buried under toasts.
          while (next.length > Math.max(1, most)) {
            const timed = next.findIndex((t) => t.remaining !== null);
            next.splice(timed === -1 || timed === next.length - 1 ? 0 : timed, 1);
          }
          return next;
        });
        const text = alert.body ? `${alert.title}. ${alert.body}` : alert.title;
        setAnnounced((held) =>
          isUrgent(alert) ? { ...held, urgent: text, n: held.n + 1 } : { ...held, polite: text, n: held.n + 1 },
        );
        if (toSystem && alert.away) {
          showBrowserNotification(alert, () => {
            const href = alert.runId ? latest.current.runHref?.({ id: alert.runId }) : undefined;
            if (href) window.location.assign(href);
            if (alert.notification && !alert.notification.readAt) void center.markRead(alert.notification.id);
          });
        }
      }),
    [center],
  );

  // Time runs only while the toasts can be read: the page in view, no pointer or focus on them.
  useEffect(() => {
    if (typeof document === "undefined") return;
    const onVisibility = () => setPageHidden(hidden());
    document.addEventListener("visibilitychange", onVisibility);
    return () => document.removeEventListener("visibilitychange", onVisibility);
  }, []);

  useEffect(() => {
    const now = Date.now();
    if (paused) {
      // Stopped: each keeps the time it had left.
      if (toasts.some((t) => t.deadline !== null)) {
        setToasts((list) =>
          list.map((t) =>
            t.deadline === null ? t : { ...t, remaining: Math.max(0, t.deadline - now), deadline: null },
          ),
        );
      }
      return;
    }
    if (toasts.some((t) => t.remaining !== null && t.deadline === null)) {
      setToasts((list) =>
        list.map((t) => (t.remaining !== null && t.deadline === null ? { ...t, deadline: now + t.remaining } : t)),
      );
      return;
    }
    const deadlines = toasts.flatMap((t) => (t.deadline === null ? [] : [t.deadline]));
    if (deadlines.length === 0) return;
    const timer = setTimeout(
      () => setToasts((list) => list.filter((t) => t.deadline === null || t.deadline > Date.now())),
      Math.max(0, Math.min(...deadlines) - now),
    );
    return () => clearTimeout(timer);
  }, [toasts, paused]);

  // Escape dismisses the focused toast; focus goes to the next one, else back where it was before.
  useEffect(() => {
    const el = region.current;
    if (!el) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== "Escape") return;
      const item = (event.target as HTMLElement).closest<HTMLElement>("[data-toast-id]");
      const id = item?.dataset.toastId;
      if (!id) return;
      event.stopPropagation();
      const items = [...el.querySelectorAll<HTMLElement>("[data-toast-id]")];
      const i = items.indexOf(item);
      const neighbour = items[i + 1] ?? items[i - 1];
      const target = neighbour?.querySelector<HTMLElement>("button") ?? returnTo.current;
      dismiss(id);
      if (target?.isConnected) target.focus();
    };
    const onFocusIn = (event: FocusEvent) => {
      const from = event.relatedTarget as HTMLElement | null;
      if (from && !el.contains(from)) returnTo.current = from;
      setFocused(true);
    };
    const onFocusOut = (event: FocusEvent) => {
      if (!el.contains(event.relatedTarget as Node | null)) setFocused(false);
    };
    const onEnter = () => setHovered(true);
    const onLeave = () => setHovered(false);
    el.addEventListener("keydown", onKeyDown);
    el.addEventListener("focusin", onFocusIn);
    el.addEventListener("focusout", onFocusOut);
    el.addEventListener("pointerenter", onEnter);
    el.addEventListener("pointerleave", onLeave);
    return () => {
      el.removeEventListener("keydown", onKeyDown);
      el.removeEventListener("focusin", onFocusIn);
      el.removeEventListener("focusout", onFocusOut);
      el.removeEventListener("pointerenter", onEnter);
      el.removeEventListener("pointerleave", onLeave);
    };
  });

  // A toast dismissed by its button: focus to the next one, else back where it was, never to <body>.
  const dismissFrom = (id: string) => {
    const el = region.current;
    const items = el ? [...el.querySelectorAll<HTMLElement>("[data-toast-id]")] : [];
    const i = items.findIndex((item) => item.dataset.toastId === id);
    const neighbour = items[i + 1] ?? items[i - 1];
    const target = neighbour?.querySelector<HTMLElement>("button") ?? returnTo.current;
    dismiss(id);
    if (target?.isConnected) target.focus();
    if (!neighbour) setFocused(false);
  };

  return (
    <>
      <div className="hw-visually-hidden" aria-live="assertive" aria-atomic="true" data-testid="headway-alert-urgent">
        {announced.urgent && <span key={announced.n}>{announced.urgent}</span>}
      </div>
      <div
        className="hw-visually-hidden"
        role="status"
        aria-live="polite"
        aria-atomic="true"
        data-testid="headway-alert-polite"
      >
        {announced.polite && <span key={announced.n}>{announced.polite}</span>}
      </div>
      <section
        ref={region}
        className={`hw-root hw-toaster${className ? ` ${className}` : ""}`}
        aria-label={label}
        hidden={toasts.length === 0}
      >
        <ol className="hw-toast-list">
          {toasts.map(({ alert }) => {
            const href = alert.runId ? runHref?.({ id: alert.runId }) : undefined;
            return (
              <li
                key={alert.id}
                className="hw-toast"
                data-toast-id={alert.id}
                data-kind={alert.kind}
                data-severity={alert.severity}
              >
                <span className="hw-toast-icon">
                  <ToastIcon alert={alert} />
                </span>
                <div className="hw-toast-text">
                  <p className="hw-toast-title">{alert.title}</p>
                  {alert.body && <p className="hw-toast-body">{alert.body}</p>}
                  {href && (
                    <a
                      className="hw-toast-link"
                      href={href}
                      onClick={(event) => {
                        if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
                          return;
                        }
                        openRun(alert, event);
                      }}
                    >
                      View run
                    </a>
                  )}
                </div>
                <button
                  type="button"
                  className="hw-button hw-icon-button"
                  aria-label={`Dismiss: ${alert.title}`}
                  title="Dismiss"
                  onClick={() => dismissFrom(alert.id)}
                >
                  <CloseIcon />
                </button>
              </li>
            );
          })}
        </ol>
      </section>
    </>
  );
}
