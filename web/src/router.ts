import { useCallback, useEffect, useState } from "react";

/** The page shown: the run list, or one run (`/runs/:id`). */
export type Route = { page: "list" } | { page: "run"; id: string };

function parse(pathname: string): Route {
  const match = /^\/runs\/([^/]+)\/?$/.exec(pathname);
  return match?.[1] ? { page: "run", id: decodeURIComponent(match[1]) } : { page: "list" };
}

/** A two-page router over the History API; the server answers `/runs/…` with the app. */
export function useRoute(): [Route, (to: Route) => void] {
  const [route, setRoute] = useState(() => parse(window.location.pathname));
  useEffect(() => {
    const onPop = () => setRoute(parse(window.location.pathname));
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, []);
  const navigate = useCallback((to: Route) => {
    const path = to.page === "run" ? `/runs/${encodeURIComponent(to.id)}` : "/";
    window.history.pushState(null, "", path);
    setRoute(to);
    window.scrollTo(0, 0);
  }, []);
  return [route, navigate];
}
