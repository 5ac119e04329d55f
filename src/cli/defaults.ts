import { userInfo } from "node:os";
import { ownerSchema, parseInput } from "../core/index.js";
import { DEFAULT_DATABASE_PATH } from "../store/index.js";

/** `--database`, else $HEADWAY_DATABASE_URL, else the embedded default: the same file for every command. */
export function databaseUrlOption(value: string | undefined): string {
  return value ?? process.env.HEADWAY_DATABASE_URL ?? DEFAULT_DATABASE_PATH;
}

/**
 * `--owner`, else $HEADWAY_OWNER, else `$USER@localhost`; checked like any
 * owner (a bad one throws a ValidationError naming `--owner`).
 */
export function ownerOption(value: string | undefined): string {
  return parseInput(ownerSchema, value ?? process.env.HEADWAY_OWNER ?? `${userInfo().username}@localhost`, "--owner");
}
