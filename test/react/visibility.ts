/** jsdom's page is always visible: tests hide and show it as a browser does when the tab goes to the background. */
let state: DocumentVisibilityState = "visible";
let installed = false;

export function setVisibility(next: DocumentVisibilityState): void {
  if (!installed) {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => state });
    Object.defineProperty(document, "hidden", { configurable: true, get: () => state === "hidden" });
    installed = true;
  }
  state = next;
  document.dispatchEvent(new Event("visibilitychange"));
}
