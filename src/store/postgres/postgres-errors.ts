import { HeadwayError } from "../../core/index.js";
import { isConnectionLost } from "./postgres-driver.js";

/** Losses before anything was sent: the server refused, was starting or stopping, or did not answer the connect. */
const UNREACHABLE = new Set(["ECONNREFUSED", "CONNECT_TIMEOUT", "57P03"]);

/**
 * A transaction's failure as a HeadwayError a person (or agent) can act on,
 * as explainSqliteError does for SQLite: a lost connection says whether
 * anything of the write can have been stored. A session that dies before
 * COMMIT is rolled back by the server; one lost while COMMIT was out may
 * have committed. Other errors pass through unchanged. `pgCode` and `cause`
 * keep the driver's own.
 */
export function explainPostgresError(error: unknown, committing: boolean): unknown {
  if (!isConnectionLost(error)) return error;
  const { code, message } = error as { code?: string; message?: string };
  const said = `${code}: ${message ?? "no message"}`;
  const [headwayCode, text] = UNREACHABLE.has(String(code))
    ? [
        "unavailable",
        `PostgreSQL is not accepting connections (${said}): nothing of this write was stored; retry once it is back`,
      ]
    : committing
      ? [
          "commit_unknown",
          `the connection to PostgreSQL was lost while the write was committing (${said}): it may or may not have been stored; read it back before writing it again`,
        ]
      : ["connection_lost", `the connection to PostgreSQL was lost (${said}): nothing of this write was stored; retry`];
  return Object.assign(new HeadwayError(headwayCode, text), { cause: error, pgCode: code });
}
