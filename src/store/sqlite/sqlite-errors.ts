import { accessSync, constants } from "node:fs";
import { dirname } from "node:path";
import { HeadwayError } from "../../core/index.js";

/** SQLite's result codes that a person can act on, in plain words. */
const KNOWN: Array<{ match: RegExp; code: string; say: (path: string) => string }> = [
  {
    match: /^SQLITE_FULL/,
    code: "disk_full",
    say: (path) =>
      `the disk holding the database is full (${path}): nothing of this write was stored; free space and retry`,
  },
  {
    match: /^SQLITE_READONLY/,
    code: "read_only",
    say: (path) =>
      `the database is read-only (${path}: a read-only file, folder or file system): nothing of this write was stored`,
  },
  {
    match: /^SQLITE_BUSY/,
    code: "busy",
    say: (path) =>
      `another process held the database's write lock past the busy timeout (${path}): nothing of this write was stored; retry`,
  },
  {
    match: /^SQLITE_IOERR/,
    code: "io_error",
    say: (path) => `the disk failed to read or write the database (${path}): nothing of this write was stored`,
  },
];

/** A write's failure as a HeadwayError a person can act on; other errors pass through unchanged. */
export function explainSqliteError(error: unknown, path: string): unknown {
  const sqliteCode = (error as { code?: unknown } | null)?.code;
  if (typeof sqliteCode !== "string") return error;
  const known = KNOWN.find((entry) => entry.match.test(sqliteCode));
  if (!known) return error;
  return Object.assign(new HeadwayError(known.code, known.say(path)), { cause: error, sqliteCode });
}

/** Why a database could not be opened, in plain words, when the file system says why. */
export function explainOpenError(error: unknown, path: string): unknown {
  if ((error as { code?: unknown } | null)?.code !== "SQLITE_CANTOPEN") return explainSqliteError(error, path);
  let reason: string;
  try {
    accessSync(dirname(path), constants.W_OK);
    return Object.assign(new HeadwayError("cannot_open", `the database cannot be opened (${path})`), { cause: error });
  } catch (access) {
    reason = (access as NodeJS.ErrnoException).code ?? "";
  }
  if (reason === "EROFS" || reason === "EACCES" || reason === "EPERM") {
    const message = `the database is read-only (${path}: a read-only file, folder or file system); Headway must write beside it (${reason})`;
    return Object.assign(new HeadwayError("read_only", message), { cause: error });
  }
  return Object.assign(
    new HeadwayError("cannot_open", `the database cannot be opened (${path}): its folder is not usable (${reason})`),
    { cause: error },
  );
}
