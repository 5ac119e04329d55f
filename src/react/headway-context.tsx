import { createContext, type ReactNode, useContext, useMemo } from "react";
import { createHeadwayClient, type HeadwayClient } from "../client/index.js";

const HeadwayContext = createContext<HeadwayClient | null>(null);

/** How a component finds its server: a client, or the options to make one. */
export interface ClientSource {
  /** A client made with `createHeadwayClient`; wins over the other options. */
  client?: HeadwayClient;
  /** The server's origin. (Default: the page's own origin) */
  baseUrl?: string;
  /** Bearer token. (Default: none, for hosts that authenticate by cookie) */
  token?: string | null;
  /** Where the runs API is mounted. (Default: "/_agent-native/runs") */
  basePath?: string;
}

export interface HeadwayProviderProps extends ClientSource {
  children?: ReactNode;
}

/** Gives every Headway component and hook below it one client (and so one server and token). */
export function HeadwayProvider({ client, baseUrl, token, basePath, children }: HeadwayProviderProps) {
  const value = useMemo(
    () => client ?? createHeadwayClient({ baseUrl, token, basePath }),
    [client, baseUrl, token, basePath],
  );
  return <HeadwayContext.Provider value={value}>{children}</HeadwayContext.Provider>;
}

/**
 * The client from props, else from the nearest provider, else null: for
 * parts that may talk to a server but must not guess one (StatusRow's report).
 */
export function useProvidedClient(client?: HeadwayClient): HeadwayClient | null {
  const fromContext = useContext(HeadwayContext);
  return client ?? fromContext;
}

/** The client from props, else from the nearest provider, else one for the page's own origin. */
export function useHeadwayClient(source: ClientSource = {}): HeadwayClient {
  const fromContext = useContext(HeadwayContext);
  const { client, baseUrl, token, basePath } = source;
  const hasOwn = baseUrl !== undefined || token !== undefined || basePath !== undefined;
  return useMemo(() => {
    if (client) return client;
    if (!hasOwn && fromContext) return fromContext;
    return createHeadwayClient({ baseUrl, token, basePath });
  }, [client, hasOwn, fromContext, baseUrl, token, basePath]);
}
