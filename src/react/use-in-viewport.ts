import { type RefObject, useEffect, useLayoutEffect } from "react";

/**
 * Keeps an open popover panel inside the viewport, whatever its trigger's
 * place in the header (a phone, say): shifted sideways by what would overflow,
 * 8 px from either edge, and again on resize.
 */
export function useKeepInViewport(panel: RefObject<HTMLElement | null>, open: boolean): void {
  useLayoutEffect(() => {
    const el = panel.current;
    if (!open || !el) return;
    const place = () => {
      el.style.transform = "";
      const box = el.getBoundingClientRect();
      const margin = 8;
      let dx = 0;
      if (box.right > window.innerWidth - margin) dx = window.innerWidth - margin - box.right;
      if (box.left + dx < margin) dx = margin - box.left;
      if (dx !== 0) el.style.transform = `translateX(${Math.round(dx)}px)`;
    };
    place();
    window.addEventListener("resize", place);
    return () => window.removeEventListener("resize", place);
  }, [open, panel]);
}

/**
 * An open popover's dismissal, as with any popover: the panel takes focus when it opens; a pointer
 * down outside `root` closes it; Escape closes it from anywhere and hands focus back to the trigger.
 */
export function useDismissablePopover(options: {
  open: boolean;
  close: () => void;
  root: RefObject<HTMLElement | null>;
  panel: RefObject<HTMLElement | null>;
  trigger: RefObject<HTMLElement | null>;
}): void {
  const { open, close, root, panel, trigger } = options;
  useEffect(() => {
    if (!open) return;
    panel.current?.focus();
    const onPointerDown = (event: PointerEvent) => {
      if (root.current && !root.current.contains(event.target as Node)) close();
    };
    const onKeyDown = (event: globalThis.KeyboardEvent) => {
      if (event.key !== "Escape") return;
      close();
      trigger.current?.focus();
    };
    document.addEventListener("pointerdown", onPointerDown);
    document.addEventListener("keydown", onKeyDown);
    return () => {
      document.removeEventListener("pointerdown", onPointerDown);
      document.removeEventListener("keydown", onKeyDown);
    };
  }, [open, close, root, panel, trigger]);
}
