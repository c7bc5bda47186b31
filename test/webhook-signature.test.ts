import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import docs from "../docs/webhooks.md?raw";
import { redactText } from "../src/platform/log.ts";
import { generateWebhookSecret, signWebhook } from "../src/webhooks/sign.ts";
import { verifyWebhookSignature } from "../src/webhooks/verify-signature.ts";
import verifierSource from "../src/webhooks/verify-signature.ts?raw";

const eventId = "evt_01JD5Z8Q9X4R7M2K3N6P8T0V1W";
const body = JSON.stringify({ id: eventId, type: "payment.succeeded" });

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function base64ToBytes(base64: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
}

/** The signature computed from the Standard Webhooks definition with Web Crypto alone: an oracle independent of the library. */
async function expectedSignature(secret: string, id: string, timestamp: number, payload: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", base64ToBytes(secret.slice("whsec_".length)), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${id}.${timestamp}.${payload}`)));
  return `v1,${btoa(String.fromCharCode(...mac))}`;
}

describe("webhook signatures (Standard Webhooks)", () => {
  it("issues secrets as whsec_ + padded standard base64 of 32 random bytes", () => {
    const secrets = Array.from({ length: 50 }, () => generateWebhookSecret());
    for (const secret of secrets) {
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(base64ToBytes(secret.slice(6))).toHaveLength(32);
    }
    expect(new Set(secrets).size).toBe(secrets.length);
    // Over 50 secrets the wider alphabet shows up: the old base64url form would never contain these.
    expect(secrets.join("")).toMatch(/[+/]/);
  });

  it("signs `{id}.{timestamp}.{body}` with HMAC-SHA256 keyed by the secret's decoded bytes", async () => {
    const secret = generateWebhookSecret();
    const timestamp = 1_790_000_000;
    const headers = signWebhook([secret], eventId, body, timestamp);
    expect(headers).toEqual({
      "webhook-id": eventId,
      "webhook-timestamp": "1790000000",
      "webhook-signature": await expectedSignature(secret, eventId, timestamp, body),
    });
    // The published Standard Webhooks example pins the library and our use of it.
    expect(
      signWebhook(["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], "msg_p5jXN8AQM9LWM0D4loKWxJek", '{"test": 2432232314}', 1614265330)[
        "webhook-signature"
      ],
    ).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  });

  it("is accepted by the library's own Webhook.verify and by our wrapper", () => {
    const secret = generateWebhookSecret();
    const headers = signWebhook([secret], eventId, body, nowSeconds());
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(verifyWebhookSignature(body, new Headers({ ...headers }), secret)).toEqual({ ok: true });
    expect(verifyWebhookSignature(body, { ...headers }, secret)).toEqual({ ok: true });
  });

  it("rejects a wrong secret, a changed body or id, a stale or future timestamp, and missing headers", () => {
    const secret = generateWebhookSecret();
    const headers: Record<string, string> = { ...signWebhook([secret], eventId, body, nowSeconds()) };
    expect(verifyWebhookSignature(body, headers, generateWebhookSecret())).toEqual({ ok: false, reason: "No matching signature found" });
    expect(verifyWebhookSignature(body.replace("succeeded", "failed"), headers, secret)).toEqual({
      ok: false,
      reason: "No matching signature found",
    });
    expect(verifyWebhookSignature(body, { ...headers, "webhook-id": "evt_other" }, secret)).toMatchObject({ ok: false });
    // Replays: the timestamp is signed, and must be within 5 minutes of the receiver's clock.
    expect(verifyWebhookSignature(body, { ...headers, "webhook-timestamp": String(nowSeconds() + 1) }, secret)).toMatchObject({
      ok: false,
    });
    const stale = signWebhook([secret], eventId, body, nowSeconds() - 301);
    expect(verifyWebhookSignature(body, { ...stale }, secret)).toEqual({ ok: false, reason: "Message timestamp too old" });
    const future = signWebhook([secret], eventId, body, nowSeconds() + 301);
    expect(verifyWebhookSignature(body, { ...future }, secret)).toEqual({ ok: false, reason: "Message timestamp too new" });
    for (const missing of ["webhook-id", "webhook-timestamp", "webhook-signature"]) {
      const { [missing]: _dropped, ...rest } = headers;
      expect(verifyWebhookSignature(body, rest, secret), missing).toEqual({ ok: false, reason: "Missing required headers" });
    }
  });

  it("sends one signature per secret during a rotation, the new one first; either secret verifies", async () => {
    const [oldSecret, newSecret] = [generateWebhookSecret(), generateWebhookSecret()];
    const timestamp = nowSeconds();
    const headers = signWebhook([newSecret, oldSecret], eventId, body, timestamp);
    expect(headers["webhook-signature"]).toBe(
      `${await expectedSignature(newSecret, eventId, timestamp, body)} ${await expectedSignature(oldSecret, eventId, timestamp, body)}`,
    );
    expect(verifyWebhookSignature(body, { ...headers }, oldSecret)).toEqual({ ok: true });
    expect(verifyWebhookSignature(body, { ...headers }, newSecret)).toEqual({ ok: true });
    expect(verifyWebhookSignature(body, { ...headers }, generateWebhookSecret())).toMatchObject({ ok: false });
  });

  it("refuses to sign with a secret that is not base64 (a pre-migration or erased one)", () => {
    expect(() => signWebhook(["whsec_not-base64!"], eventId, body, nowSeconds())).toThrow();
    expect(() => signWebhook([""], eventId, body, nowSeconds())).toThrow();
  });

  it("keeps secrets of the new alphabet out of logs", () => {
    for (let i = 0; i < 20; i++) {
      const secret = generateWebhookSecret();
      const line = redactText(`signing with ${secret} failed`);
      expect(line).toBe("signing with whsec_[redacted] failed");
      expect(line).not.toContain(secret.slice(6, 16));
    }
    expect(redactText("key whsec_ab+/cd== and whsec_Zm9v_-9 end")).toBe("key whsec_[redacted] and whsec_[redacted] end");
  });

  it("docs/webhooks.md shows the verification code exactly as tested", () => {
    expect(docs).toContain(`\`\`\`ts\n${verifierSource}\`\`\``);
  });
});
