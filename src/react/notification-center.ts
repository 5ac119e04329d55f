import type {
  AgentRun,
  ConnectionStatus,
  HeadwayClient,
  HeadwayNotification,
  NotificationPage,
  NotificationSeverity,
  RunUpdate,
  Subscription,
} from "../client/index.js";
import { HeadwayClientError } from "../client/index.js";
import { isAbandonedStep } from "../core/run.js";

/** What an alert is about. */
export type AlertKind = "failed" | "abandoned" | "needs_you" | "succeeded" | "cancelled" | "notification";

/**
 * Something that deserves a person's eye now: a notification the server
 * created, or (where the server sends none for it) a run of theirs that
 * failed, was abandoned, started waiting for them, or ended while they
 * looked away. Toasts, the tab's title and browser notifications show these.
 */
export interface HeadwayAlert {
  /** The notification's id, or `run:<runId>:<kind>` for one worked out from a run. */
  id: string;
  kind: AlertKind;
  severity: NotificationSeverity;
  /** "Failed: Sync 3 calendars" */
  title: string;
  body: string | null;
  runId: string | null;
  /** The notification it shows, when it came from the server's list. */
  notification: HeadwayNotification | null;
  /** Whether the page was hidden (the person looking away) when it came. */
  away: boolean;
  /** When it came (Date.now()). */
  at: number;
}

export interface NotificationsState {
  /** The owner's notifications, newest first, as far as loaded. */
  notifications: HeadwayNotification[];
  /** Unread notifications in all (the server's count). */
  unreadCount: number;
  /** Whether older notifications remain to load. */
  hasMore: boolean;
  /** Whether the server has answered the list at least once. */
  loaded: boolean;
  /** False when the server has no notifications (an older server); null until known. */
  supported: boolean | null;
  /** The last problem reading or marking, cleared by the next success. */
  error: Error | null;
  /** The live connection's state. */
  status: ConnectionStatus;
}

const INITIAL: NotificationsState = Object.freeze({
  notifications: [],
  unreadCount: 0,
  hasMore: false,
  loaded: false,
  supported: null,
  error: null,
  status: "connecting",
}) as NotificationsState;

const PAGE = 50;
/** The live connection outlives its last user by a turn of the event loop: a remount (React's StrictMode) keeps it. */
const LINGER_MS = 0;

/** The kind of an alert for a notification, from the rule that made it. */
function kindOf(notification: HeadwayNotification): AlertKind {
  const source = notification.source ?? "";
  if (!source.startsWith("rule:")) return "notification";
  if (source.includes("abandon")) return "abandoned";
  if (source.includes("fail")) return "failed";
  if (/action|needs|wait|person/.test(source)) return "needs_you";
  return "notification";
}

/** An alert says a run failed or was abandoned: screen readers hear it at once. */
export function isUrgent(alert: Pick<HeadwayAlert, "kind" | "severity">): boolean {
  return alert.severity === "critical" || alert.kind === "failed" || alert.kind === "abandoned";
}

const isHidden = () => typeof document !== "undefined" && document.visibilityState === "hidden";

type Seen = { status: AgentRun["status"]; waiting: boolean };

/**
 * The owner's notifications and alerts for one client, shared by every
 * component that uses them (the bell, toasts, the tab's title): one live
 * connection while any is mounted, not one each.
 */
export class NotificationCenter {
  private state: NotificationsState = INITIAL;
  private readonly listeners = new Set<() => void>();
  private readonly alertListeners = new Set<(alert: HeadwayAlert) => void>();
  private users = 0;
  private subscription: Subscription | null = null;
  private linger: ReturnType<typeof setTimeout> | undefined;
  private nextBefore: string | null = null;
  private readonly seenRuns = new Map<string, Seen>();
  private readonly alerted = new Set<string>();
  /** Alerts worked out from runs before the server said whether it sends notifications. */
  private held: HeadwayAlert[] = [];
  /** Marks sent (counted when sent and when answered): a list read meanwhile is read again. */
  private marks = 0;
  /** Notifications marked read from this page, with when (the latest few). */
  private readonly readHere = new Map<string, string>();
  /** Ids of notifications the stream brought (the latest few): a page read before one came does not drop it. */
  private readonly live = new Set<string>();
  /** The list could not be read (not refused as missing): whether notifications exist is not known. */
  private unanswered = false;
  private generation = 0;

  constructor(readonly client: HeadwayClient) {}

  getState = (): NotificationsState => this.state;

  /** Calls `listener` on every change of state; returns the unsubscriber. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Calls `listener` with each new alert. */
  onAlert(listener: (alert: HeadwayAlert) => void): () => void {
    this.alertListeners.add(listener);
    return () => this.alertListeners.delete(listener);
  }

  /** Keeps the live connection open until the returned release is called. */
  retain(): () => void {
    this.users++;
    clearTimeout(this.linger);
    if (!this.subscription) this.start();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.users--;
      if (this.users === 0) this.linger = setTimeout(() => this.stop(), LINGER_MS);
    };
  }

  private set(patch: Partial<NotificationsState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }

  private start(): void {
    const generation = ++this.generation;
    void this.refresh();
    this.subscription = this.client.subscribe((update) => this.onRunUpdate(update), {
      onNotification: (notification) => this.onNotification(notification),
      onNotificationPage: (page) => this.onPage(page),
      onStatus: (status) => {
        if (generation !== this.generation) return;
        const opened = status === "live" && this.state.status !== "live";
        this.set({ status });
        // The stream carries what is created from now on: read the list again for what came before it opened
        // (between the first read and now, or while it was down) and what was marked read elsewhere.
        if (opened) void this.refresh();
      },
    });
    if (typeof document !== "undefined") document.addEventListener("visibilitychange", this.onVisibility);
  }

  private stop(): void {
    this.generation++;
    this.subscription?.close();
    this.subscription = null;
    if (typeof document !== "undefined") document.removeEventListener("visibilitychange", this.onVisibility);
  }

  private onVisibility = () => {
    // Coming back to the tab: the list may have changed in another one.
    if (!isHidden() && this.state.supported !== false) void this.refresh();
  };

  /** Reads the newest page again, keeping older pages already loaded. */
  async refresh(): Promise<void> {
    try {
      const marks = this.marks;
      const page = await this.client.listNotifications({ limit: PAGE });
      // A mark went out while this page was on its way: its read states and count may predate it; read again.
      if (marks !== this.marks) {
        await this.refresh();
        return;
      }
      this.onPage(page);
    } catch (error) {
      // No such route (or a page that is not the API, as a dashboard's fallback): a server without notifications.
      if (error instanceof HeadwayClientError && (error.status === 404 || error.code === "unexpected_response")) {
        this.set({ supported: false, loaded: true, error: null });
      } else {
        // Not known yet: alerts worked out from runs are shown rather than held for an answer that may not come.
        this.unanswered = true;
        this.set({ error: error instanceof Error ? error : new Error(String(error)) });
      }
      this.settleHeld();
    }
  }

  /** Loads the next older page. */
  async loadMore(): Promise<void> {
    if (!this.nextBefore) return;
    try {
      const page = await this.client.listNotifications({ limit: PAGE, before: this.nextBefore });
      const known = new Set(this.state.notifications.map((n) => n.id));
      this.nextBefore = page.nextBefore;
      this.set({
        notifications: [...this.state.notifications, ...page.notifications.filter((n) => !known.has(n.id))],
        unreadCount: page.unreadCount,
        hasMore: page.nextBefore !== null,
        error: null,
      });
    } catch (error) {
      this.set({ error: error instanceof Error ? error : new Error(String(error)) });
    }
  }

  private onPage(received: NotificationPage): void {
    this.unanswered = false;
    // What was marked read here stays read, whatever a page read before the mark says (a poll, say).
    let corrected = 0;
    const page = {
      ...received,
      notifications: received.notifications.map((n) => {
        if (n.readAt || !this.readHere.has(n.id)) return n;
        corrected++;
        return { ...n, readAt: this.readHere.get(n.id) ?? null };
      }),
    };
    page.unreadCount = Math.max(0, received.unreadCount - corrected);
    const held = this.state.notifications;
    const fresh = new Set(page.notifications.map((n) => n.id));
    const newest = page.notifications[0]?.createdAt;
    const oldest = page.notifications.at(-1)?.createdAt;
    // Notifications the stream brought while this page was on its way are newer than it: they stay, and count.
    const later = held.filter(
      (n) => !fresh.has(n.id) && this.live.has(n.id) && (newest === undefined || n.createdAt >= newest),
    );
    // Older pages loaded before stay, when this page does not reach back to them.
    const older =
      page.nextBefore !== null && oldest !== undefined
        ? held.filter((n) => !fresh.has(n.id) && n.createdAt < oldest)
        : [];
    if (older.length === 0) this.nextBefore = page.nextBefore;
    this.set({
      notifications: [...later, ...page.notifications, ...older],
      unreadCount: page.unreadCount + later.filter((n) => !n.readAt).length,
      hasMore: this.nextBefore !== null,
      loaded: true,
      supported: true,
      error: null,
    });
    this.settleHeld();
  }

  private onNotification(notification: HeadwayNotification): void {
    this.live.add(notification.id);
    if (this.live.size > PAGE * 4) {
      const oldest = this.live.values().next().value;
      if (oldest !== undefined) this.live.delete(oldest);
    }
    if (!this.state.notifications.some((n) => n.id === notification.id)) {
      this.set({
        notifications: [notification, ...this.state.notifications],
        unreadCount: this.state.unreadCount + (notification.readAt ? 0 : 1),
        supported: true,
      });
    }
    this.emit({
      id: notification.id,
      kind: kindOf(notification),
      severity: notification.severity,
      title: notification.title,
      body: notification.body,
      runId: notification.runId,
      notification,
      away: isHidden(),
      at: Date.now(),
    });
  }

  private onRunUpdate(update: RunUpdate): void {
    if (update.kind === "snapshot") {
      for (const run of update.runs) this.seenRuns.set(run.id, seenOf(run));
      return;
    }
    const { event } = update;
    if (event.type === "run.deleted") {
      this.seenRuns.delete(event.payload.runId);
      return;
    }
    const run = event.run;
    if (!run) return;
    const before = this.seenRuns.get(run.id);
    const after = seenOf(run);
    if (after.status === "running") this.seenRuns.set(run.id, after);
    else this.seenRuns.delete(run.id);
    const alert = (kind: AlertKind, title: string, severity: NotificationSeverity) =>
      this.emitFromRun({
        id: `run:${run.id}:${kind}`,
        kind,
        severity,
        title: `${title}: ${run.title}`,
        body: run.step,
        runId: run.id,
        notification: null,
        away: isHidden(),
        at: Date.now(),
      });
    if (after.status === "failed" && before?.status !== "failed") {
      if (isAbandonedStep(run.step)) alert("abandoned", "Abandoned", "warning");
      else alert("failed", "Failed", "warning");
    } else if (after.waiting && !before?.waiting) {
      alert("needs_you", "Needs you", "warning");
    } else if (
      (after.status === "succeeded" || after.status === "cancelled") &&
      before?.status === "running" &&
      !run.parentId &&
      isHidden()
    ) {
      // Finished while the person looked away: worth a word when they come back.
      alert(after.status, after.status === "succeeded" ? "Done" : "Cancelled", "info");
    }
  }

  /**
   * A failure, an abandoned run, a run waiting for a person: the server's own
   * rules notify about these, so when it sends notifications, those are
   * shown and these are not (no toast twice; a rule the owner turned off stays off).
   */
  private emitFromRun(alert: HeadwayAlert): void {
    const covered = alert.kind === "failed" || alert.kind === "abandoned" || alert.kind === "needs_you";
    if (!covered) this.emit(alert);
    else if (this.state.supported === null && !this.unanswered) this.held.push(alert);
    else if (this.state.supported !== true) this.emit(alert);
  }

  private settleHeld(): void {
    const held = this.held;
    this.held = [];
    if (this.state.supported !== true) for (const alert of held) this.emit(alert);
  }

  private emit(alert: HeadwayAlert): void {
    if (this.alerted.has(alert.id)) return;
    this.alerted.add(alert.id);
    if (this.alerted.size > 1000) {
      const oldest = this.alerted.values().next().value;
      if (oldest !== undefined) this.alerted.delete(oldest);
    }
    for (const listener of this.alertListeners) {
      try {
        listener(alert);
      } catch (error) {
        console.error(error);
      }
    }
  }

  /** Marks one read at once on the page, then on the server (put back if the server refuses). */
  async markRead(id: string): Promise<void> {
    const target = this.state.notifications.find((n) => n.id === id);
    if (!target || target.readAt) return;
    const readAt = new Date().toISOString();
    this.marks++;
    this.noteRead([id], readAt);
    this.set({
      notifications: this.state.notifications.map((n) => (n.id === id ? { ...n, readAt } : n)),
      unreadCount: Math.max(0, this.state.unreadCount - 1),
    });
    try {
      const marked = await this.client.markNotificationRead(id);
      this.marks++;
      this.set({
        notifications: marked
          ? this.state.notifications.map((n) => (n.id === id ? marked : n))
          : this.state.notifications.filter((n) => n.id !== id),
        error: null,
      });
    } catch (error) {
      this.marks++;
      this.readHere.delete(id);
      this.set({
        notifications: this.state.notifications.map((n) => (n.id === id ? { ...n, readAt: null } : n)),
        unreadCount: this.state.unreadCount + 1,
        error: error instanceof Error ? error : new Error(String(error)),
      });
    }
  }

  /** Marks every notification read, here and on the server. */
  async markAllRead(): Promise<void> {
    const readAt = new Date().toISOString();
    this.marks++;
    this.noteRead(
      this.state.notifications.filter((n) => !n.readAt).map((n) => n.id),
      readAt,
    );
    this.set({
      notifications: this.state.notifications.map((n) => (n.readAt ? n : { ...n, readAt })),
      unreadCount: 0,
    });
    try {
      await this.client.markAllNotificationsRead();
      this.marks++;
      this.set({ error: null });
    } catch (error) {
      this.marks++;
      this.readHere.clear();
      this.set({ error: error instanceof Error ? error : new Error(String(error)) });
      await this.refresh();
    }
  }

  private noteRead(ids: readonly string[], readAt: string): void {
    for (const id of ids) this.readHere.set(id, readAt);
    while (this.readHere.size > PAGE * 10) {
      const oldest = this.readHere.keys().next().value;
      if (oldest === undefined) break;
      this.readHere.delete(oldest);
    }
  }
}

function seenOf(run: AgentRun): Seen {
  return { status: run.status, waiting: run.status === "running" && run.state === "action_required" };
}

const centers = new WeakMap<HeadwayClient, NotificationCenter>();

/** The one center for this client. */
export function notificationCenter(client: HeadwayClient): NotificationCenter {
  let center = centers.get(client);
  if (!center) {
    center = new NotificationCenter(client);
    centers.set(client, center);
  }
  return center;
}
