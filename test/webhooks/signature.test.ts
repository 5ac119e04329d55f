/**
 * Signing and verifying (headway/webhooks): the Standard Webhooks test
 * vector, tampering, old and future timestamps, missing headers, several
 * signatures; and the plain-Node snippet in docs/webhooks.md, run as written.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { signWebhook, verifyWebhook, WebhookVerificationError } from "../../src/webhooks/index.js";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const NOW = 1_767_225_600_000;
const EVENT = {
  id: "12-0",
  type: "run.deleted",
  owner: "ann",
  at: "2026-01-01T00:00:00.000Z",
  payload: { runId: "r1" },
};
const BODY = JSON.stringify(EVENT);

function signed(body = BODY, at = NOW, id = EVENT.id, secret = SECRET): Record<string, string> {
  const timestamp = Math.floor(at / 1000);
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": signWebhook(secret, id, timestamp, body),
  };
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookVerificationError);
    return (error as WebhookVerificationError).code;
  }
  throw new Error("it was accepted");
}

const now = () => NOW;

describe("verifyWebhook", () => {
  it("matches the Standard Webhooks reference signature", () => {
    expect(signWebhook(SECRET, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}')).toBe(
      "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    );
  });

  it("returns the event of a genuine delivery: plain headers, fetch Headers, bytes, mixed-case names", () => {
    expect(verifyWebhook(SECRET, signed(), BODY, { now })).toEqual(EVENT);
    expect(verifyWebhook(SECRET, new Headers(signed()), Buffer.from(BODY), { now })).toEqual(EVENT);
    const upper = Object.fromEntries(Object.entries(signed()).map(([k, v]) => [k.toUpperCase(), [v]]));
    expect(verifyWebhook(SECRET, upper, new TextEncoder().encode(BODY), { now })).toEqual(EVENT);
  });

  it("refuses a tampered body, id or timestamp, another secret, and signatures of another version", () => {
    const headers = signed();
    expect(refusal(() => verifyWebhook(SECRET, headers, BODY.replace("r1", "r2"), { now }))).toBe("bad_signature");
    expect(refusal(() => verifyWebhook(SECRET, { ...headers, "webhook-id": "13-0" }, BODY, { now }))).toBe(
      "bad_signature",
    );
    const shifted = { ...headers, "webhook-timestamp": String(Number(headers["webhook-timestamp"]) - 1) };
    expect(refusal(() => verifyWebhook(SECRET, shifted, BODY, { now }))).toBe("bad_signature");
    const other = "whsec_c2VjcmV0LW9mLXNvbWVib2R5LWVsc2UtZW50aXJlbHk=";
    expect(refusal(() => verifyWebhook(other, headers, BODY, { now }))).toBe("bad_signature");
    const v2 = { ...headers, "webhook-signature": headers["webhook-signature"]!.replace("v1,", "v2,") };
    expect(refusal(() => verifyWebhook(SECRET, v2, BODY, { now }))).toBe("bad_signature");
  });

  it("accepts one matching signature among several (a secret being rotated)", () => {
    const headers = signed();
    const both = { ...headers, "webhook-signature": `v1,AAAA ${headers["webhook-signature"]}` };
    expect(verifyWebhook(SECRET, both, BODY, { now })).toEqual(EVENT);
  });

  it("refuses timestamps outside the tolerance either way (replays), and missing or malformed headers", () => {
    const old = signed(BODY, NOW - 301_000);
    expect(refusal(() => verifyWebhook(SECRET, old, BODY, { now }))).toBe("timestamp_too_old");
    expect(verifyWebhook(SECRET, old, BODY, { now, toleranceSec: 400 })).toEqual(EVENT);
    expect(verifyWebhook(SECRET, signed(BODY, NOW - 299_000), BODY, { now })).toEqual(EVENT);
    expect(refusal(() => verifyWebhook(SECRET, signed(BODY, NOW + 301_000), BODY, { now }))).toBe("timestamp_too_new");
    for (const name of ["webhook-id", "webhook-timestamp", "webhook-signature"]) {
      const headers: Record<string, string | undefined> = { ...signed(), [name]: undefined };
      expect(refusal(() => verifyWebhook(SECRET, headers, BODY, { now }))).toBe("missing_header");
    }
    expect(refusal(() => verifyWebhook(SECRET, { ...signed(), "webhook-timestamp": "soon" }, BODY, { now }))).toBe(
      "bad_timestamp",
    );
    expect(refusal(() => verifyWebhook("whsec_", signed(), BODY, { now }))).toBe("bad_secret");
    expect(refusal(() => verifyWebhook(SECRET, signed("not json"), "not json", { now }))).toBe("bad_body");
  });
});

describe("the verification snippet in docs/webhooks.md", () => {
  const dir = mkdtempSync(join(tmpdir(), "headway-snippet-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("verifies a real signature with no Headway import, and refuses tampering and old timestamps", async () => {
    const doc = readFileSync("docs/webhooks.md", "utf8");
    const marker = doc.indexOf("<!-- verify-snippet:");
    const start = doc.indexOf("```js\n", marker) + "```js\n".length;
    const code = doc.slice(start, doc.indexOf("```", start));
    expect(code).not.toContain("headway");
    const file = join(dir, "verify.mjs");
    writeFileSync(file, code);
    const { verifyHeadwayWebhook } = (await import(pathToFileURL(file).href)) as {
      verifyHeadwayWebhook: (secret: string, headers: Record<string, string>, body: string | Buffer) => unknown;
    };
    const fresh = signed(BODY, Date.now());
    expect(verifyHeadwayWebhook(SECRET, fresh, BODY)).toEqual(EVENT);
    expect(verifyHeadwayWebhook(SECRET, fresh, Buffer.from(BODY))).toEqual(EVENT);
    expect(() => verifyHeadwayWebhook(SECRET, fresh, BODY.replace("ann", "bob"))).toThrow("bad signature");
    expect(() => verifyHeadwayWebhook(SECRET, signed(BODY, Date.now() - 600_000), BODY)).toThrow("timestamp");
    expect(() => verifyHeadwayWebhook(SECRET, { ...fresh, "webhook-id": "" }, BODY)).toThrow("missing");
  });
});

describe("headway/webhooks", () => {
  it("loads nothing but node:crypto at run time (type imports vanish), so a receiver pulls in no store or server", () => {
    const specifiers = new Set<string>();
    for (const file of readdirSync("src/webhooks")) {
      const source = readFileSync(join("src/webhooks", file), "utf8");
      for (const match of source.matchAll(/^\s*(import|export)\s+(type\s+)?[^;]*?from\s+"([^"]+)";/gms)) {
        if (!match[2]) specifiers.add(match[3] as string);
      }
    }
    expect([...specifiers].sort()).toEqual(["./signature.js", "node:crypto"]);
  });
});
