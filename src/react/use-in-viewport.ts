import { type RefObject, useLayoutEffect } from "react";

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
