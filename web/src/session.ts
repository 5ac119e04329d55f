const DEFAULT_BASE_PATH = "/_agent-native/runs";
const DEFAULT_NOTIFICATIONS_PATH = "/_agent-native/notifications";
const SESSION_PATH = "/_headway/session";

/**
 * The server trades a `?token=` link for an HttpOnly session cookie and
 * redirects to the same address without it, so a token still in the address
 * bar is one the server did not accept. It is taken out of the address bar
 * (so it is not bookmarked, shared in a screenshot or left in history) and
 * returned only so the page can say it was refused; it is never stored.
 */
export function takeRejectedToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get("token");
  if (!fromUrl) return null;
  url.searchParams.delete("token");
  window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
  return fromUrl;
}

/** Signs in with a pasted token the way the printed link does: the server sets the cookie and redirects back. */
export function signInWith(token: string): void {
  const url = new URL(window.location.href);
  url.searchParams.set("token", token);
  window.location.assign(url.pathname + url.search + url.hash);
}

export interface Session {
  owner: string;
  /** "read" for a browser session (one sign-out can end); "agent" when the host app decides who is asking. */
  scope: string;
}

/** Who the session cookie says this is, or null when there is no session (or the server predates sessions). */
export async function currentSession(): Promise<Session | null> {
  try {
    const response = await fetch(SESSION_PATH, { headers: { Accept: "application/json" }, cache: "no-store" });
    if (!response.ok) return null;
    const body = (await response.json()) as Partial<Session>;
    return typeof body.owner === "string" ? { owner: body.owner, scope: String(body.scope ?? "") } : null;
  } catch {
    return null;
  }
}

/** Ends the session on the server (which clears the cookie). */
export async function signOut(): Promise<void> {
  await fetch(SESSION_PATH, { method: "DELETE", headers: { Accept: "application/json" } });
}

/** Where the API lives, as the server announces it in the page it serves. */
export function basePath(): string {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="headway-base-path"]');
  return meta?.content || DEFAULT_BASE_PATH;
}

/** Where the notifications API lives, as the server announces it in the page it serves. */
export function notificationsPath(): string {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="headway-notifications-path"]');
  return meta?.content || DEFAULT_NOTIFICATIONS_PATH;
}
