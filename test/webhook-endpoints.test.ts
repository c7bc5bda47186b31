import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MAX_WEBHOOK_ENDPOINTS, WebhookEndpoint, WebhookEndpointWithSecret } from "../schemas/webhooks.ts";
import { call, createMerchant, merchantStub } from "./support/api.ts";
import { HOOK_HOST, uniqueHookPath } from "./support/webhooks.ts";

function post(apiKey: string, path: string, body?: unknown): Promise<Response> {
  return call(path, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

function get(apiKey: string, path: string): Promise<Response> {
  return call(path, { headers: { authorization: `Bearer ${apiKey}` } });
}

describe("webhook endpoints API", () => {
  it("creates an endpoint and shows its secret once", async () => {
    const merchant = await createMerchant();
    const created = await post(merchant.api_key, "/v1/webhook-endpoints", { url: `${HOOK_HOST}/a`, events: ["payment.failed"] });
    expect(created.status).toBe(201);
    expect(created.headers.get("cache-control")).toBe("no-store");
    const endpoint = WebhookEndpointWithSecret.parse(await created.json());
    expect(endpoint).toMatchObject({ url: `${HOOK_HOST}/a`, events: ["payment.failed"], secret_rotated_at: null });
    expect(endpoint.secret).toMatch(/^whsec_/);
    expect(created.headers.get("location")).toBe(`/v1/webhook-endpoints/${endpoint.id}`);

    const defaults = WebhookEndpointWithSecret.parse(
      await (await post(merchant.api_key, "/v1/webhook-endpoints", { url: `${HOOK_HOST}/b` })).json(),
    );
    expect(defaults.events).toEqual([
      "payment.pending",
      "payment.succeeded",
      "payment.failed",
      "payment.returned",
      "payment.canceled",
      "payment.bank_contradiction",
      "reconciliation.completed",
    ]);

    const listed = await get(merchant.api_key, "/v1/webhook-endpoints");
    expect(listed.status).toBe(200);
    const text = await listed.text();
    expect(text).not.toContain(endpoint.secret);
    expect(text).not.toContain("whsec_");
    const { data } = JSON.parse(text) as { data: unknown[] };
    expect(data.map((item) => WebhookEndpoint.strict().parse(item).id)).toEqual([endpoint.id, defaults.id]);
  });

  it("accepts https URLs with a DNS name only", async () => {
    const merchant = await createMerchant();
    for (const url of [
      "http://hooks.shop.example/x",
      // Loopback http is for npm start only (ALLOW_LOOPBACK_WEBHOOKS, unset here).
      "http://127.0.0.1:8790/webhooks",
      "http://localhost:8790/webhooks",
      "https://user:pass@hooks.shop.example/x",
      "https://localhost/x",
      "https://localhost./x",
      "https://hooks.localhost../x",
      "https://10.0.0.1./x",
      "https://intranet./x",
      "https://0x7f.1../x",
      "https://10.0.0.1/x",
      "https://[::1]/x",
      "https://intranet/x",
      "https://hooks.shop.example/x#frag",
      "not a url",
      `https://hooks.shop.example/${"a".repeat(2100)}`,
    ]) {
      const response = await post(merchant.api_key, "/v1/webhook-endpoints", { url });
      expect(response.status, url).toBe(400);
      expect(await response.json()).toMatchObject({ type: "urn:payment-connector:problem:validation-error" });
    }
    for (const body of [
      { url: `${HOOK_HOST}/x`, events: [] },
      { url: `${HOOK_HOST}/x`, events: ["payment.refunded"] },
      { url: `${HOOK_HOST}/x`, extra: 1 },
    ]) {
      expect((await post(merchant.api_key, "/v1/webhook-endpoints", body)).status).toBe(400);
    }
  });

  it("requires the merchant's API key and keeps merchants apart", async () => {
    const [a, b] = await Promise.all([createMerchant(), createMerchant()]);
    expect(
      (await call("/v1/webhook-endpoints", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).status,
    ).toBe(401);
    expect((await call("/v1/webhook-endpoints")).status).toBe(401);
    expect((await call("/v1/events")).status).toBe(401);
    const forged = `${a.api_key.slice(0, -4)}AAAA`;
    expect((await get(forged, "/v1/webhook-endpoints")).status).toBe(401);

    const endpoint = WebhookEndpointWithSecret.parse(
      await (await post(a.api_key, "/v1/webhook-endpoints", { url: `${HOOK_HOST}/a` })).json(),
    );
    expect(((await (await get(b.api_key, "/v1/webhook-endpoints")).json()) as { data: unknown[] }).data).toEqual([]);
    expect(
      (await call(`/v1/webhook-endpoints/${endpoint.id}`, { method: "DELETE", headers: { authorization: `Bearer ${b.api_key}` } })).status,
    ).toBe(404);
    expect((await post(b.api_key, `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`)).status).toBe(404);
  });

  it("rotates the secret and deletes the endpoint", async () => {
    const merchant = await createMerchant();
    const endpoint = WebhookEndpointWithSecret.parse(
      await (await post(merchant.api_key, "/v1/webhook-endpoints", { url: `${HOOK_HOST}${uniqueHookPath()}` })).json(),
    );
    const rotatedResponse = await post(merchant.api_key, `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`);
    expect(rotatedResponse.status).toBe(200);
    const rotated = WebhookEndpointWithSecret.parse(await rotatedResponse.json());
    expect(rotated.id).toBe(endpoint.id);
    expect(rotated.secret).not.toBe(endpoint.secret);
    expect(rotated.secret_rotated_at).not.toBeNull();

    const deleted = await call(`/v1/webhook-endpoints/${endpoint.id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${merchant.api_key}` },
    });
    expect(deleted.status).toBe(204);
    expect(((await (await get(merchant.api_key, "/v1/webhook-endpoints")).json()) as { data: unknown[] }).data).toEqual([]);
    expect(
      (await call(`/v1/webhook-endpoints/${endpoint.id}`, { method: "DELETE", headers: { authorization: `Bearer ${merchant.api_key}` } }))
        .status,
    ).toBe(404);
    expect((await post(merchant.api_key, `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`)).status).toBe(404);
    expect((await post(merchant.api_key, `/v1/webhook-endpoints/whe_nonsense/rotate-secret`)).status).toBe(404);
  });

  it("refuses a second rotation while the previous secret still signs, and allows it once that secret has expired", async () => {
    const merchant = await createMerchant();
    const endpoint = WebhookEndpointWithSecret.parse(
      await (await post(merchant.api_key, "/v1/webhook-endpoints", { url: `${HOOK_HOST}${uniqueHookPath()}` })).json(),
    );
    const first = WebhookEndpointWithSecret.parse(
      await (await post(merchant.api_key, `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`)).json(),
    );

    const again = await post(merchant.api_key, `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`);
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ type: "urn:payment-connector:problem:webhook-secret-rotation-in-progress" });
    // Both secrets a receiver may hold still sign: the original one and the first rotation's.
    const secrets = await runInDurableObject(merchantStub(merchant.id), (_instance, state) =>
      state.storage.sql
        .exec<{ secret: string; previous_secret: string | null }>(
          `SELECT secret, previous_secret FROM webhook_endpoints WHERE id = ?`,
          endpoint.id,
        )
        .one(),
    );
    expect(secrets).toEqual({ secret: first.secret, previous_secret: endpoint.secret });

    // Once the grace period is over, the next rotation goes through (a POST without any body or content type).
    await runInDurableObject(merchantStub(merchant.id), (_instance, state) => {
      state.storage.sql.exec(`UPDATE webhook_endpoints SET previous_secret_expires_at = ? WHERE id = ?`, Date.now() - 1, endpoint.id);
    });
    const later = await call(`/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, {
      method: "POST",
      headers: { authorization: `Bearer ${merchant.api_key}` },
    });
    expect(later.status).toBe(200);
    const second = WebhookEndpointWithSecret.parse(await later.json());
    expect(second.secret).not.toBe(first.secret);
  });

  it("treats a POST with an empty streamed body and no content type as a planned rotation", async () => {
    const merchant = await createMerchant();
    const endpoint = WebhookEndpointWithSecret.parse(
      await (await post(merchant.api_key, "/v1/webhook-endpoints", { url: `${HOOK_HOST}${uniqueHookPath()}` })).json(),
    );
    const empty = new ReadableStream<Uint8Array>({ start: (controller) => controller.close() });
    const rotated = await call(`/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, {
      method: "POST",
      headers: { authorization: `Bearer ${merchant.api_key}` },
      body: empty,
    });
    expect(rotated.status).toBe(200);
    const text = new ReadableStream<Uint8Array>({
      start: (controller) => {
        controller.enqueue(new TextEncoder().encode("x"));
        controller.close();
      },
    });
    const refused = await call(`/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, {
      method: "POST",
      headers: { authorization: `Bearer ${merchant.api_key}` },
      body: text,
    });
    expect(refused.status).toBe(415);
  });

  it("revokes every old secret at once on request, even during a grace period", async () => {
    const merchant = await createMerchant();
    const endpoint = WebhookEndpointWithSecret.parse(
      await (await post(merchant.api_key, "/v1/webhook-endpoints", { url: `${HOOK_HOST}${uniqueHookPath()}` })).json(),
    );
    expect((await post(merchant.api_key, `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, { revoke_previous: false })).status).toBe(
      200,
    );
    const revoked = await post(merchant.api_key, `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, { revoke_previous: true });
    expect(revoked.status).toBe(200);
    const fresh = WebhookEndpointWithSecret.parse(await revoked.json());
    const secrets = await runInDurableObject(merchantStub(merchant.id), (_instance, state) =>
      state.storage.sql
        .exec<{ secret: string; previous_secret: string | null; previous_secret_expires_at: number | null }>(
          `SELECT secret, previous_secret, previous_secret_expires_at FROM webhook_endpoints WHERE id = ?`,
          endpoint.id,
        )
        .one(),
    );
    expect(secrets).toEqual({ secret: fresh.secret, previous_secret: null, previous_secret_expires_at: null });
    // No grace period is running now, so a planned rotation is allowed again.
    expect((await post(merchant.api_key, `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`)).status).toBe(200);

    for (const body of [{ revoke_previous: "yes" }, { revoke: true }, null]) {
      const refused = await post(merchant.api_key, `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, body);
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({ type: "urn:payment-connector:problem:validation-error" });
    }
  });

  it(`allows at most ${MAX_WEBHOOK_ENDPOINTS} endpoints per merchant`, async () => {
    const merchant = await createMerchant();
    for (let i = 0; i < MAX_WEBHOOK_ENDPOINTS; i++) {
      expect((await post(merchant.api_key, "/v1/webhook-endpoints", { url: `${HOOK_HOST}/e${i}` })).status).toBe(201);
    }
    const refused = await post(merchant.api_key, "/v1/webhook-endpoints", { url: `${HOOK_HOST}/one-too-many` });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ type: "urn:payment-connector:problem:webhook-endpoint-limit" });
  });
});
