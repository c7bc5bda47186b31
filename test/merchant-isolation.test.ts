/**
 * Merchant isolation: every merchant endpoint, called with another
 * merchant's ids and keys, answers 401/404 and leaks nothing of the owner.
 *
 * To cover a new endpoint, add one entry to MERCHANT_ENDPOINTS: it receives
 * the victim's identifiers and returns the request an attacker would send.
 * An endpoint that lists or reports (GET /v1/payments, reconciliations) may
 * answer 200 to the attacker, but its body must contain none of the victim's
 * identifiers, which `assertNothingLeaks` checks for every endpoint.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { MerchantCreated, Payment } from "../schemas/merchant-api.ts";
import { createKeyOk, revokeKey } from "./support/admin.ts";
import { call, createMerchant, json, paymentBody, postPayment } from "./support/api.ts";
import { listPayments, reconcile, todayUtc } from "./support/reconciliation.ts";
import { registerEndpoint, waitForEvents } from "./support/webhooks.ts";

interface Victim {
  merchant: MerchantCreated;
  payment: Payment;
  idempotencyKey: string;
  /** A string only the victim's payment contains. */
  marker: string;
  /** next_cursor of the victim's first one-item page of GET /v1/payments. */
  cursor: string;
  /** A business day the victim has a stored reconciliation report for. */
  date: string;
  /** The victim's webhook endpoint (its path contains the marker) and one of its webhook events. */
  webhookEndpointId: string;
  webhookEventId: string;
}

interface EndpointCase {
  name: string;
  /** Statuses an attacker holding a valid key of their own may get; anything else fails the test. */
  allowedWithOwnKey: number[];
  request: (victim: Victim) => { method: string; path: string; body?: unknown; headers?: Record<string, string> };
}

const MERCHANT_ENDPOINTS: EndpointCase[] = [
  {
    name: "GET /v1/payments/{id}",
    allowedWithOwnKey: [404],
    request: (v) => ({ method: "GET", path: `/v1/payments/${v.payment.id}` }),
  },
  {
    name: "GET /v1/payments/{id}/events",
    allowedWithOwnKey: [404],
    request: (v) => ({ method: "GET", path: `/v1/payments/${v.payment.id}/events` }),
  },
  {
    name: "GET /v1/payments",
    allowedWithOwnKey: [200],
    request: () => ({ method: "GET", path: "/v1/payments?limit=100" }),
  },
  {
    // A cursor names its merchant: replayed by another merchant it is refused, never followed.
    name: "GET /v1/payments with the victim's cursor",
    allowedWithOwnKey: [400],
    request: (v) => ({ method: "GET", path: `/v1/payments?limit=1&cursor=${encodeURIComponent(v.cursor)}` }),
  },
  {
    name: "GET /v1/payments filtered to the victim's creation time",
    allowedWithOwnKey: [200],
    request: (v) => ({
      method: "GET",
      path: `/v1/payments?created_from=${encodeURIComponent(v.payment.created_at)}&status=${v.payment.status}`,
    }),
  },
  {
    // Runs the attacker's own reconciliation for the day: it must list none of the victim's transfers.
    name: "POST /v1/reconciliations for the victim's day",
    allowedWithOwnKey: [200],
    request: (v) => ({ method: "POST", path: "/v1/reconciliations", body: { date: v.date } }),
  },
  {
    name: "GET /v1/reconciliations/{date} of the victim's day",
    allowedWithOwnKey: [200, 404],
    request: (v) => ({ method: "GET", path: `/v1/reconciliations/${v.date}` }),
  },
  {
    name: "GET /v1/reconciliations/{date} as CSV",
    allowedWithOwnKey: [200, 404],
    request: (v) => ({ method: "GET", path: `/v1/reconciliations/${v.date}`, headers: { accept: "text/csv" } }),
  },
  {
    name: "GET /v1/webhook-endpoints",
    allowedWithOwnKey: [200],
    request: () => ({ method: "GET", path: "/v1/webhook-endpoints" }),
  },
  {
    name: "DELETE /v1/webhook-endpoints/{id}",
    allowedWithOwnKey: [404],
    request: (v) => ({ method: "DELETE", path: `/v1/webhook-endpoints/${v.webhookEndpointId}` }),
  },
  {
    name: "POST /v1/webhook-endpoints/{id}/rotate-secret",
    allowedWithOwnKey: [404],
    request: (v) => ({ method: "POST", path: `/v1/webhook-endpoints/${v.webhookEndpointId}/rotate-secret` }),
  },
  {
    name: "GET /v1/events",
    allowedWithOwnKey: [200],
    request: () => ({ method: "GET", path: "/v1/events?limit=100" }),
  },
  {
    name: "POST /v1/events/{id}/redeliver",
    allowedWithOwnKey: [404],
    request: (v) => ({ method: "POST", path: `/v1/events/${v.webhookEventId}/redeliver` }),
  },
  {
    // Reusing the victim's Idempotency-Key must neither replay the victim's
    // payment nor be refused as "reuse": keys are scoped per merchant.
    name: "POST /v1/payments with the victim's Idempotency-Key",
    allowedWithOwnKey: [201],
    request: (v) => ({
      method: "POST",
      path: "/v1/payments",
      body: paymentBody({ reference: "attacker's own payment" }),
      headers: { "idempotency-key": v.idempotencyKey },
    }),
  },
];

async function send(apiKey: string | null, req: ReturnType<EndpointCase["request"]>): Promise<Response> {
  const headers: Record<string, string> = { ...(req.headers ?? {}) };
  if (apiKey !== null) headers.authorization = `Bearer ${apiKey}`;
  if (req.body !== undefined) headers["content-type"] = "application/json";
  return call(req.path, { method: req.method, headers, ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}) });
}

function assertNothingLeaks(body: string, victim: Victim, what: string): void {
  const endToEndId = victim.payment.id.slice("pay_".length);
  for (const secret of [
    victim.payment.id,
    endToEndId,
    victim.merchant.id,
    victim.merchant.debtor_iban,
    victim.marker,
    victim.merchant.api_key_id,
    victim.webhookEndpointId,
    victim.webhookEventId,
  ]) {
    expect(body, `${what} leaked ${secret}`).not.toContain(secret);
  }
  // Nor the last characters of the victim's IBAN, which masked logs would show.
  expect(body).not.toContain(victim.merchant.debtor_iban.slice(-8));
}

describe("merchant isolation", () => {
  let victim: Victim;
  let attacker: MerchantCreated;

  beforeAll(async () => {
    const merchant = await createMerchant();
    attacker = await createMerchant();
    const marker = `victim-${crypto.randomUUID().slice(0, 8)}`;
    const idempotencyKey = `idem-${crypto.randomUUID()}`;
    // Registered before paying, so the payments produce webhook events.
    const endpoint = await registerEndpoint(merchant.api_key, `/hooks/${marker}`);
    const response = await postPayment(merchant.api_key, paymentBody({ reference: marker, amount: 4321 }), idempotencyKey);
    expect(response.status).toBe(201);
    // A second payment, so the victim's list has a next page and hence a cursor.
    expect((await postPayment(merchant.api_key, paymentBody({ reference: `${marker}-2` }))).status).toBe(201);
    const page = await json<{ next_cursor: string | null }>(await listPayments(merchant.api_key, { limit: 1 }));
    if (!page.next_cursor) throw new Error("expected a next_cursor");
    const date = todayUtc();
    expect((await reconcile(merchant.api_key, date)).summary.connector_payments).toBeGreaterThanOrEqual(2);
    const events = await waitForEvents(merchant.api_key, (list) => list.data.length > 0);
    const webhookEventId = events.data[0]?.id ?? "";
    victim = {
      merchant,
      payment: await json(response),
      idempotencyKey,
      marker,
      cursor: page.next_cursor,
      date,
      webhookEndpointId: endpoint.id,
      webhookEventId,
    };
  });

  for (const endpoint of MERCHANT_ENDPOINTS) {
    describe(endpoint.name, () => {
      it("with the attacker's own valid key: only its allowed statuses, nothing of the victim", async () => {
        const response = await send(attacker.api_key, endpoint.request(victim));
        const body = await response.text();
        expect(endpoint.allowedWithOwnKey, body).toContain(response.status);
        assertNothingLeaks(body, victim, endpoint.name);
        if (response.status === 404) {
          // Indistinguishable from an id that never existed: no existence oracle.
          const fresh: Victim = {
            ...victim,
            payment: { ...victim.payment, id: "pay_01JD5Z8Q9X4R7M2K3N6P8T0V1W" },
            webhookEndpointId: "whe_01JD5Z8Q9X4R7M2K3N6P8T0V1W",
            webhookEventId: "evt_01JD5Z8Q9X4R7M2K3N6P8T0V1W",
          };
          const unknown = await send(attacker.api_key, endpoint.request(fresh));
          const strip = (text: string) => ({ ...(JSON.parse(text) as object), request_id: undefined });
          expect(strip(body)).toEqual(strip(await unknown.text()));
        }
      });

      it("with a forged key that names the victim's merchant: 401", async () => {
        // The attacker's secret behind the victim's merchant id.
        const forged = `mck_${victim.merchant.id.slice(4)}_${attacker.api_key.slice(-43)}`;
        const response = await send(forged, endpoint.request(victim));
        expect(response.status).toBe(401);
        assertNothingLeaks(await response.text(), victim, endpoint.name);
      });

      it("with no key, or a malformed one: 401", async () => {
        for (const key of [null, "not-a-key", victim.merchant.id, `mck_${victim.merchant.id.slice(4)}_short`]) {
          const response = await send(key, endpoint.request(victim));
          expect(response.status, String(key)).toBe(401);
          expect(response.headers.get("www-authenticate")).toMatch(/^Bearer /);
          assertNothingLeaks(await response.text(), victim, endpoint.name);
        }
      });
    });
  }

  it("a revoked key of the victim opens nothing", async () => {
    const merchant = await createMerchant();
    const replacement = await createKeyOk(merchant.id);
    const paid = await json(await postPayment(merchant.api_key, paymentBody()));
    await postPayment(merchant.api_key, paymentBody());
    const cursor = (await json<{ next_cursor: string }>(await listPayments(merchant.api_key, { limit: 1 }))).next_cursor;
    expect((await revokeKey(merchant.id, merchant.api_key_id)).status).toBe(200);
    const owner: Victim = {
      merchant,
      payment: paid,
      idempotencyKey: "unused",
      marker: paid.reference,
      cursor,
      date: todayUtc(),
      webhookEndpointId: "whe_01JD5Z8Q9X4R7M2K3N6P8T0V1W",
      webhookEventId: "evt_01JD5Z8Q9X4R7M2K3N6P8T0V1W",
    };
    for (const endpoint of MERCHANT_ENDPOINTS) {
      const response = await send(merchant.api_key, endpoint.request(owner));
      expect(response.status, endpoint.name).toBe(401);
    }
    expect((await send(replacement.api_key, { method: "GET", path: `/v1/payments/${paid.id}` })).status).toBe(200);
  });

  it("the attacker's idempotent POST made the attacker's payment, not a replay of the victim's", async () => {
    const response = await send(attacker.api_key, {
      method: "POST",
      path: "/v1/payments",
      body: paymentBody({ reference: "second attempt" }),
      headers: { "idempotency-key": victim.idempotencyKey },
    });
    const payment = await json(response);
    expect(payment.id).not.toBe(victim.payment.id);
    expect(response.headers.get("idempotent-replayed")).toBeNull();
  });
});
