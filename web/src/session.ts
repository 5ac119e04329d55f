const TOKEN_KEY = "headway-token";
const DEFAULT_BASE_PATH = "/_agent-native/runs";

/**
 * The token from `?token=` (the link `headway serve` prints), kept in
 * sessionStorage and taken out of the address bar so it is not bookmarked,
 * shared in a screenshot or left in history.
 */
export function takeToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get("token");
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete("token");
    window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

export function saveToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** Where the API lives, as the server announces it in the page it serves. */
export function basePath(): string {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="headway-base-path"]');
  return meta?.content || DEFAULT_BASE_PATH;
}
