import { createRequire } from "node:module";

/** Drops a bench schema, with the same driver Headway uses (loaded only when a bench runs on PostgreSQL). */
export async function dropSchema(url: string, schema: string): Promise<void> {
  type Admin = { unsafe(q: string): Promise<unknown>; end(o?: { timeout?: number }): Promise<void> };
  const postgres = createRequire(import.meta.url)("postgres") as (url: string, o: object) => Admin;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end({ timeout: 1 });
}
