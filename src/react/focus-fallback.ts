const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** Where a component stood in the page, so focus can land next to it once it is gone. */
export interface Place {
  parent: Node | null;
  next: Node | null;
}

export function placeOf(element: Element | null): Place {
  return { parent: element?.parentNode ?? null, next: element?.nextSibling ?? null };
}

function focusable(element: HTMLElement): boolean {
  if (element.closest("[hidden], [inert]")) return false;
  // Where layout is known (a browser), an element not rendered cannot take focus; jsdom has no layout.
  return typeof element.checkVisibility !== "function" || element.checkVisibility();
}

/**
 * Moves focus to the first focusable element after where a component stood
 * (a bell next to a tray, say), else the last one before it: never to <body>.
 * Returns the element focused, if any.
 */
export function focusNear(place: Place): HTMLElement | null {
  if (typeof document === "undefined") return null;
  const candidates = [...document.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(focusable);
  const follows = (anchor: Node, el: HTMLElement) =>
    el === anchor || (anchor.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;
  let target: HTMLElement | undefined;
  if (place.next?.isConnected) {
    const next = place.next;
    target = candidates.find((el) => follows(next, el)) ?? candidates.filter((el) => !follows(next, el)).at(-1);
  } else if (place.parent?.isConnected) {
    const parent = place.parent;
    target =
      candidates.find((el) => parent.contains(el)) ??
      candidates.find((el) => follows(parent, el)) ??
      candidates.filter((el) => !follows(parent, el)).at(-1);
  }
  target?.focus();
  return target && document.activeElement === target ? target : null;
}
