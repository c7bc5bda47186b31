import { describe, expect, it } from "vitest";
import docs from "../docs/webhooks.md?raw";
import { generateWebhookSecret, hmacSha256Hex, signatureHeader } from "../src/webhooks/sign.ts";
import { verifyWebhookSignature } from "../src/webhooks/verify-signature.ts";
import verifierSource from "../src/webhooks/verify-signature.ts?raw";

const body = JSON.stringify({ id: "evt_01JD5Z8Q9X4R7M2K3N6P8T0V1W", type: "payment.succeeded" });
const now = 1_790_000_000;

describe("webhook signatures", () => {
  it("verifies what the connector signs", async () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const header = await signatureHeader([secret], body, now);
    expect(header).toMatch(/^t=1790000000,v1=[0-9a-f]{64}$/);
    expect(await verifyWebhookSignature(body, header, secret, { nowSeconds: now })).toEqual({ ok: true, timestamp: now });
  });

  it("signs HMAC-SHA256 over `t.body` keyed with the secret's UTF-8 bytes", async () => {
    // RFC 4231 test case 2 ("Jefe" / "what do ya want for nothing?") pins the HMAC itself.
    expect(await hmacSha256Hex("Jefe", "what do ya want for nothing?")).toBe(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
    const header = await signatureHeader(["whsec_test"], "{}", 1700000000);
    expect(header).toBe(`t=1700000000,v1=${await hmacSha256Hex("whsec_test", "1700000000.{}")}`);
  });

  it("rejects a wrong secret, a changed body, a stale timestamp and malformed headers", async () => {
    const secret = generateWebhookSecret();
    const header = await signatureHeader([secret], body, now);
    expect(await verifyWebhookSignature(body, header, generateWebhookSecret(), { nowSeconds: now })).toEqual({
      ok: false,
      reason: "no signature matches",
    });
    expect(await verifyWebhookSignature(body.replace("succeeded", "failed"), header, secret, { nowSeconds: now })).toMatchObject({
      ok: false,
    });
    expect(await verifyWebhookSignature(body, header, secret, { nowSeconds: now + 301 })).toEqual({
      ok: false,
      reason: "timestamp outside tolerance",
    });
    expect(await verifyWebhookSignature(body, header, secret, { nowSeconds: now + 301, toleranceSeconds: 600 })).toMatchObject({
      ok: true,
    });
    // Re-signing the timestamp part alone is not possible without the secret.
    const replayed = header.replace(`t=${now}`, `t=${now + 1000}`);
    expect(await verifyWebhookSignature(body, replayed, secret, { nowSeconds: now + 1000 })).toMatchObject({ ok: false });
    for (const bad of [null, "", "v1=abc", `t=${now}`, `t=abc,v1=${"0".repeat(64)}`]) {
      expect(await verifyWebhookSignature(body, bad, secret, { nowSeconds: now })).toMatchObject({ ok: false });
    }
  });

  it("accepts either signature while a secret is being rotated", async () => {
    const [oldSecret, newSecret] = [generateWebhookSecret(), generateWebhookSecret()];
    const header = await signatureHeader([newSecret, oldSecret], body, now);
    expect(header.split(",").filter((part) => part.startsWith("v1="))).toHaveLength(2);
    expect(await verifyWebhookSignature(body, header, oldSecret, { nowSeconds: now })).toMatchObject({ ok: true });
    expect(await verifyWebhookSignature(body, header, newSecret, { nowSeconds: now })).toMatchObject({ ok: true });
  });

  it("docs/webhooks.md shows the verification code exactly as tested", () => {
    expect(docs).toContain("```ts\n" + verifierSource + "```");
  });
});
