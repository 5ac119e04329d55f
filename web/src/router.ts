import { useCallback, useEffect, useState } from "react";

/** The page shown: the run list, one run (`/runs/:id`), or the webhooks (`/webhooks`). */
export type Route = { page: "list" } | { page: "run"; id: string } | { page: "webhooks" };

function parse(pathname: string): Route {
  if (/^\/webhooks\/?$/.test(pathname)) return { page: "webhooks" };
  const match = /^\/runs\/([^/]+)\/?$/.exec(pathname);
  return match?.[1] ? { page: "run", id: decodeURIComponent(match[1]) } : { page: "list" };
}

function pathOf(to: Route): string {
  if (to.page === "run") return `/runs/${encodeURIComponent(to.id)}`;
  return to.page === "webhooks" ? "/webhooks" : "/";
}

/** A small router over the History API; the server answers `/runs/…` and `/webhooks` with the app. */
export function useRoute(): [Route, (to: Route) => void] {
  const [route, setRoute] = useState(() => parse(window.location.pathname));
  useEffect(() => {
    const onPop = () => setRoute(parse(window.location.pathname));
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, []);
  const navigate = useCallback((to: Route) => {
    window.history.pushState(null, "", pathOf(to));
    setRoute(to);
    window.scrollTo(0, 0);
  }, []);
  return [route, navigate];
}
