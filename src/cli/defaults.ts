import { userInfo } from "node:os";
import { ownerSchema, parseInput } from "../core/index.js";
import { DEFAULT_DATABASE_PATH } from "../store/index.js";

/** `--database`, else $HEADWAY_DATABASE_URL, else the embedded default: the same file for every command. */
export function databaseUrlOption(value: string | undefined): string {
  return value ?? process.env.HEADWAY_DATABASE_URL ?? DEFAULT_DATABASE_PATH;
}

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** A duration option like `90s`, `2m`, `7d`, in ms; undefined when absent. Throws naming the option. */
export function durationOption(name: string, value: string | undefined, example = "2m"): number | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d+)([smhd])$/.exec(value);
  if (!match || Number(match[1]) === 0) {
    throw new Error(`${name} must be a positive number and a unit (s, m, h or d), like "${example}"; got "${value}"`);
  }
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/**
 * `--owner`, else $HEADWAY_OWNER, else `$USER@localhost`; checked like any
 * owner (a bad one throws a ValidationError naming `--owner`).
 */
export function ownerOption(value: string | undefined): string {
  return parseInput(ownerSchema, value ?? process.env.HEADWAY_OWNER ?? `${userInfo().username}@localhost`, "--owner");
}
