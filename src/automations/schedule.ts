import { CronExpressionParser } from "cron-parser";

/** Why a time zone was refused, in plain words; null when Intl knows it. */
export function timezoneProblem(timezone: string): string | null {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
    return null;
  } catch {
    return `unknown time zone '${timezone}' (use an IANA name such as Europe/Paris or UTC)`;
  }
}

/** Why a cron expression (or its time zone) was refused, in plain words; null when it is fine. */
export function cronProblem(cron: string, timezone?: string): string | null {
  const zone = timezone === undefined ? null : timezoneProblem(timezone);
  if (zone) return zone;
  if (cron.trim() === "") return "the cron expression is empty";
  try {
    CronExpressionParser.parse(cron, { tz: timezone ?? "UTC" }).next();
    return null;
  } catch (error) {
    return `invalid cron expression '${cron}': ${error instanceof Error ? error.message : String(error)}`;
  }
}

/**
 * The first time strictly after `after` (epoch ms) at which the cron expression fires, in epoch ms;
 * null when it never fires again. Cron fields are read in `timezone` (Default: UTC).
 */
export function nextCronTime(cron: string, after: number, timezone?: string): number | null {
  try {
    const expression = CronExpressionParser.parse(cron, { currentDate: new Date(after), tz: timezone ?? "UTC" });
    if (!expression.hasNext()) return null;
    return expression.next().getTime();
  } catch {
    return null;
  }
}
