import type { TokenScope } from "../store/index.js";

/** What the auth middleware leaves on the context for the handlers after it. */
export interface AppEnv {
  Variables: {
    owner: string;
    scope: TokenScope;
  };
}
