import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Payment } from "../schemas/merchant-api.ts";
import { EventList, type EventWithDeliveries, PaymentWebhookEvent } from "../schemas/webhooks.ts";
import { WEBHOOK_MAX_ATTEMPTS } from "../src/webhooks/retry-schedule.ts";
import { generateWebhookSecret } from "../src/webhooks/sign.ts";
import { verifyWebhookSignature } from "../src/webhooks/verify-signature.ts";
import { call, createMerchant, getPayment, json, merchantStub, paymentBody, postPayment } from "./support/api.ts";
import {
  configureReceiver,
  listEvents,
  receivedAt,
  registerEndpoint,
  uniqueHookPath,
  waitForEvents,
  waitForReceived,
} from "./support/webhooks.ts";

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

function eventOf(body: string): PaymentWebhookEvent {
  return PaymentWebhookEvent.parse(JSON.parse(body));
}

function deliveryOf(list: EventList, type: string): EventWithDeliveries["deliveries"][number] | undefined {
  return list.data.find((event) => event.type === type)?.deliveries[0];
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe("webhook delivery", () => {
  it("sends one signed event per status change, with the exact payment as it stood", async () => {
    const merchant = await createMerchant();
    const path = uniqueHookPath();
    const endpoint = await registerEndpoint(merchant.api_key, path);
    const response = await postPayment(merchant.api_key, paymentBody({ metadata: { order: "A-17" } }));
    expect(response.status).toBe(201);
    const payment = await json(response);

    const received = await waitForReceived(path, 2);
    expect(received.map((r) => r.verified)).toEqual([true, true]);
    const [pending, succeeded] = received.map((r) => eventOf(r.body));
    const pendingPayment: Payment = {
      id: payment.id,
      status: "pending",
      amount: 1250,
      currency: "EUR",
      creditor: { name: "Jane Supplier", iban: "DE89370400440532013000" },
      reference: "Invoice 2026-0042",
      metadata: { order: "A-17" },
      created_at: payment.created_at,
      updated_at: payment.created_at,
    };
    expect(pending).toEqual({
      id: expect.stringMatching(/^evt_[0-9A-Z]{26}$/),
      type: "payment.pending",
      created_at: payment.created_at,
      data: { payment: pendingPayment },
    });
    // The final event carries exactly what GET /v1/payments/{id} shows.
    expect(succeeded).toEqual({
      id: expect.stringMatching(/^evt_[0-9A-Z]{26}$/),
      type: "payment.succeeded",
      created_at: payment.updated_at,
      data: { payment: await json(await getPayment(merchant.api_key, payment.id)) },
    });
    expect(succeeded?.data.payment).toMatchObject({ status: "succeeded", bank: { status: "ACSC" } });
    expect(pending?.id).not.toBe(succeeded?.id);

    for (const [index, record] of received.entries()) {
      expect(record.headers).toMatchObject({
        "content-type": "application/json",
        "webhook-id": eventOf(record.body).id,
        "connector-event-type": eventOf(record.body).type,
        "connector-delivery-attempt": "1",
        "user-agent": "payment-connector-webhooks/1",
      });
      // Standard Webhooks: Unix seconds, and one `v1,<base64 HMAC-SHA256>`; the signature lives nowhere else.
      expect(Math.abs(Number(record.headers["webhook-timestamp"]) - record.received_at / 1000)).toBeLessThan(60);
      expect(record.headers["webhook-timestamp"]).toMatch(/^\d{10}$/);
      expect(record.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
      expect(Object.keys(record.headers).filter((name) => /signature/i.test(name))).toEqual(["webhook-signature"]);
      expect(record.headers).not.toHaveProperty("connector-event-id");
      expect(verifyWebhookSignature(record.body, record.headers, endpoint.secret)).toEqual({ ok: true });
      expect(record.answered, `request ${index}`).toBe(200);
    }

    const list = EventList.parse(await waitForEvents(merchant.api_key, (l) => l.data.every((e) => e.deliveries[0]?.state === "delivered")));
    expect(list.data.map((e) => [e.id, e.type])).toEqual([
      [pending?.id, "payment.pending"],
      [succeeded?.id, "payment.succeeded"],
    ]);
    for (const event of list.data) {
      expect(event.deliveries).toHaveLength(1);
      expect(event.deliveries[0]).toMatchObject({ endpoint_id: endpoint.id, state: "delivered", redelivery: false, next_attempt_at: null });
      expect(event.deliveries[0]?.attempts).toMatchObject([{ attempt: 1, status: 200, error: null }]);
    }
    // Nothing else is sent later: one event per transition.
    await sleep(300);
    expect(await receivedAt(path)).toHaveLength(2);
  });

  it("notifies payment.failed with the failure, and honours the endpoint's event filter", async () => {
    const merchant = await createMerchant();
    const [allPath, failedOnlyPath] = [uniqueHookPath(), uniqueHookPath()];
    await registerEndpoint(merchant.api_key, allPath);
    await registerEndpoint(merchant.api_key, failedOnlyPath, { events: ["payment.failed"] });
    // CHF passes admission (BANK_CURRENCIES=EUR,CHF in tests); the simulated bank books EUR only and refuses it with 422.
    const response = await postPayment(merchant.api_key, paymentBody({ currency: "CHF" }));
    const payment = await json(response);
    expect(payment.status).toBe("failed");

    const all = await waitForReceived(allPath, 2);
    expect(all.map((r) => eventOf(r.body).type)).toEqual(["payment.pending", "payment.failed"]);
    const [failedOnly] = await waitForReceived(failedOnlyPath, 1);
    const failed = eventOf(failedOnly?.body ?? "");
    expect(failed.type).toBe("payment.failed");
    expect(failed.data.payment).toEqual(await json(await getPayment(merchant.api_key, payment.id)));
    expect(failed.data.payment.failure).toMatchObject({ code: "bank_refused" });
    expect(failedOnly?.body).toBe(all[1]?.body);
    await sleep(300);
    expect(await receivedAt(failedOnlyPath)).toHaveLength(1);
  });

  it("retries after a 500 and after a timeout, with the same event id and body, then succeeds", async () => {
    const merchant = await createMerchant();
    const path = uniqueHookPath();
    // WEBHOOK_TIMEOUT_MS is 1000 in tests: the second answer comes too late.
    await registerEndpoint(merchant.api_key, path, {
      events: ["payment.succeeded"],
      script: [{ status: 500 }, { status: 200, delayMs: 2_500 }],
    });
    await postPayment(merchant.api_key, paymentBody());

    const afterFirst = await waitForEvents(merchant.api_key, (l) => (deliveryOf(l, "payment.succeeded")?.attempts.length ?? 0) === 1);
    const first = deliveryOf(afterFirst, "payment.succeeded");
    expect(first).toMatchObject({ state: "pending", attempts: [{ attempt: 1, status: 500, error: "endpoint answered HTTP 500" }] });
    // First retry after about a minute (60 s +/- 20 %).
    const firstGap = Date.parse(first?.next_attempt_at ?? "") - Date.parse(first?.attempts[0]?.at ?? "");
    expect(firstGap).toBeGreaterThanOrEqual(0.8 * MINUTE_MS);
    expect(firstGap).toBeLessThanOrEqual(1.2 * MINUTE_MS + 1_000);

    const stub = merchantStub(merchant.id);
    expect(await stub.deliverDueWebhooks(Date.now())).toBe(0); // not due yet
    expect(await stub.deliverDueWebhooks(Date.now() + 2 * MINUTE_MS)).toBe(1);
    const afterTimeout = deliveryOf(await listEvents(merchant.api_key), "payment.succeeded");
    expect(afterTimeout?.attempts[1]).toMatchObject({ attempt: 2, status: null, error: "no answer within 1000 ms" });
    expect(afterTimeout?.attempts[1]?.duration_ms).toBeGreaterThanOrEqual(900);
    expect(afterTimeout?.state).toBe("pending");

    expect(await stub.deliverDueWebhooks(Date.now() + 10 * MINUTE_MS)).toBe(1);
    const done = deliveryOf(await listEvents(merchant.api_key), "payment.succeeded");
    expect(done).toMatchObject({ state: "delivered", next_attempt_at: null });
    expect(done?.attempts.map((a) => a.status)).toEqual([500, null, 200]);

    const received = await receivedAt(path);
    expect(received).toHaveLength(3);
    expect(new Set(received.map((r) => r.body)).size).toBe(1);
    expect(received.map((r) => r.headers["connector-delivery-attempt"])).toEqual(["1", "2", "3"]);
    expect(received.every((r) => r.verified)).toBe(true);
  });

  it(`marks a delivery failed after ${WEBHOOK_MAX_ATTEMPTS} attempts and shows it, spaced by growing delays`, async () => {
    const merchant = await createMerchant();
    const path = uniqueHookPath();
    await registerEndpoint(merchant.api_key, path, {
      events: ["payment.succeeded"],
      script: Array.from({ length: WEBHOOK_MAX_ATTEMPTS }, () => ({ status: 503 })),
    });
    await postPayment(merchant.api_key, paymentBody());
    await waitForEvents(merchant.api_key, (l) => (deliveryOf(l, "payment.succeeded")?.attempts.length ?? 0) === 1);

    const stub = merchantStub(merchant.id);
    const gaps: number[] = [];
    for (let attempt = 2; attempt <= WEBHOOK_MAX_ATTEMPTS; attempt++) {
      const before = deliveryOf(await listEvents(merchant.api_key), "payment.succeeded");
      const last = before?.attempts.at(-1);
      gaps.push(Date.parse(before?.next_attempt_at ?? "") - Date.parse(last?.at ?? "") - (last?.duration_ms ?? 0));
      expect(await stub.deliverDueWebhooks(Date.now() + 100 * DAY_MS)).toBe(1);
    }
    const failed = deliveryOf(await listEvents(merchant.api_key), "payment.succeeded");
    expect(failed).toMatchObject({ state: "failed", next_attempt_at: null });
    expect(failed?.attempts).toHaveLength(WEBHOOK_MAX_ATTEMPTS);
    expect(failed?.attempts.every((a) => a.status === 503)).toBe(true);
    // The schedule as stored: roughly doubling, and more than a day in total.
    expect(gaps[gaps.length - 1]).toBeGreaterThan(gaps[0] as number);
    expect(gaps.reduce((sum, gap) => sum + gap, 0)).toBeGreaterThan(DAY_MS);
    expect(await stub.deliverDueWebhooks(Date.now() + 100 * DAY_MS)).toBe(0);
    expect(await receivedAt(path)).toHaveLength(WEBHOOK_MAX_ATTEMPTS);
  });

  it("never sends a payment's next event to an endpoint before the previous one is settled there", async () => {
    const merchant = await createMerchant();
    const path = uniqueHookPath();
    await registerEndpoint(merchant.api_key, path, { script: [{ status: 500 }] });
    await postPayment(merchant.api_key, paymentBody());

    const held = await waitForEvents(
      merchant.api_key,
      (l) => l.data.length === 2 && (deliveryOf(l, "payment.pending")?.attempts.length ?? 0) === 1,
    );
    expect(deliveryOf(held, "payment.pending")).toMatchObject({ state: "pending", attempts: [{ status: 500 }] });
    // payment.succeeded waits: no due time, no attempt.
    expect(deliveryOf(held, "payment.succeeded")).toMatchObject({ state: "pending", next_attempt_at: null, attempts: [] });
    const stub = merchantStub(merchant.id);
    expect(await stub.deliverDueWebhooks(Date.now())).toBe(0);
    await sleep(300);
    expect((await receivedAt(path)).map((r) => eventOf(r.body).type)).toEqual(["payment.pending"]);

    // The retry of payment.pending succeeds and releases payment.succeeded in the same run.
    expect(await stub.deliverDueWebhooks(Date.now() + 10 * MINUTE_MS)).toBe(2);
    expect((await receivedAt(path)).map((r) => eventOf(r.body).type)).toEqual(["payment.pending", "payment.pending", "payment.succeeded"]);
  });

  it("keeps payments independent: one payment's stuck event does not hold another payment's", async () => {
    const merchant = await createMerchant();
    const path = uniqueHookPath();
    await registerEndpoint(merchant.api_key, path, { events: ["payment.succeeded"], script: [{ status: 500 }] });
    const first = await json(await postPayment(merchant.api_key, paymentBody()));
    await waitForReceived(path, 1);
    const second = await json(await postPayment(merchant.api_key, paymentBody({ amount: 999 })));
    const received = await waitForReceived(path, 2);
    expect(received.map((r) => [eventOf(r.body).data.payment.id, r.answered])).toEqual([
      [first.id, 500],
      [second.id, 200],
    ]);
  });

  it("is woken by the alarm, which is set to the earliest due delivery", async () => {
    const merchant = await createMerchant();
    const path = uniqueHookPath();
    await registerEndpoint(merchant.api_key, path, { events: ["payment.succeeded"], script: [{ status: 500 }] });
    await postPayment(merchant.api_key, paymentBody());
    const list = await waitForEvents(merchant.api_key, (l) => (deliveryOf(l, "payment.succeeded")?.attempts.length ?? 0) === 1);
    const dueAt = Date.parse(deliveryOf(list, "payment.succeeded")?.next_attempt_at ?? "");

    const stub = merchantStub(merchant.id);
    // Armed no later than the retry (an earlier wake, e.g. for the attempt's lease, finds nothing and re-arms).
    const alarm = await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    expect(alarm ?? Infinity).toBeLessThanOrEqual(dueAt);

    // Make the retry due now and let the real alarm handler send it.
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec(`UPDATE webhook_deliveries SET next_attempt_at = ? WHERE state = 'pending'`, Date.now());
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const received = await waitForReceived(path, 2);
    expect(received[1]).toMatchObject({ answered: 200, verified: true });
  });

  it("redelivers an event on request: same id and body, new delivery, full history in GET /v1/events", async () => {
    const merchant = await createMerchant();
    const path = uniqueHookPath();
    const endpoint = await registerEndpoint(merchant.api_key, path);
    await postPayment(merchant.api_key, paymentBody());
    const original = await waitForReceived(path, 2);
    const pendingEvent = eventOf(original[0]?.body ?? "");
    await waitForEvents(merchant.api_key, (l) => l.data.every((e) => e.deliveries[0]?.state === "delivered"));

    const response = await call(`/v1/events/${pendingEvent.id}/redeliver`, {
      method: "POST",
      headers: { authorization: `Bearer ${merchant.api_key}` },
    });
    expect(response.status).toBe(202);
    const queued = (await response.json()) as EventWithDeliveries;
    expect(queued.id).toBe(pendingEvent.id);
    expect(queued.deliveries.map((d) => [d.state, d.redelivery])).toEqual([
      ["delivered", false],
      ["pending", true],
    ]);

    const received = await waitForReceived(path, 3);
    expect(received[2]?.body).toBe(original[0]?.body);
    expect(received[2]).toMatchObject({ verified: true, answered: 200 });
    const list = await waitForEvents(merchant.api_key, (l) => l.data[0]?.deliveries[1]?.state === "delivered");
    expect(list.data[0]?.deliveries[1]).toMatchObject({
      endpoint_id: endpoint.id,
      redelivery: true,
      attempts: [{ attempt: 1, status: 200 }],
    });

    const missing = await call(`/v1/events/evt_01JD5Z8Q9X4R7M2K3N6P8T0V1W/redeliver`, {
      method: "POST",
      headers: { authorization: `Bearer ${merchant.api_key}` },
    });
    expect(missing.status).toBe(404);
    expect(
      (await call(`/v1/events/nonsense/redeliver`, { method: "POST", headers: { authorization: `Bearer ${merchant.api_key}` } })).status,
    ).toBe(404);
    const other = await createMerchant();
    expect(
      (await call(`/v1/events/${pendingEvent.id}/redeliver`, { method: "POST", headers: { authorization: `Bearer ${other.api_key}` } }))
        .status,
    ).toBe(404);

    await call(`/v1/webhook-endpoints/${endpoint.id}`, { method: "DELETE", headers: { authorization: `Bearer ${merchant.api_key}` } });
    const noEndpoint = await call(`/v1/events/${pendingEvent.id}/redeliver`, {
      method: "POST",
      headers: { authorization: `Bearer ${merchant.api_key}` },
    });
    expect(noEndpoint.status).toBe(409);
    expect(await noEndpoint.json()).toMatchObject({ type: "urn:payment-connector:problem:webhook-no-endpoint" });
  });

  it("pages through events with a cursor, oldest first", async () => {
    const merchant = await createMerchant();
    await registerEndpoint(merchant.api_key, uniqueHookPath());
    for (let i = 0; i < 3; i++) await postPayment(merchant.api_key, paymentBody({ amount: 100 + i }));
    const all = await listEvents(merchant.api_key);
    expect(all.data).toHaveLength(6);
    expect(all.has_more).toBe(false);

    const firstPage = await listEvents(merchant.api_key, "?limit=4");
    expect(firstPage.data.map((e) => e.id)).toEqual(all.data.slice(0, 4).map((e) => e.id));
    expect(firstPage.has_more).toBe(true);
    const secondPage = await listEvents(merchant.api_key, `?limit=4&cursor=${firstPage.next_cursor}`);
    expect(secondPage.data.map((e) => e.id)).toEqual(all.data.slice(4).map((e) => e.id));
    expect(secondPage.has_more).toBe(false);
    // Polling from the last cursor returns nothing new, and keeps the cursor.
    const empty = await listEvents(merchant.api_key, `?cursor=${secondPage.next_cursor}`);
    expect(empty).toEqual({ data: [], next_cursor: secondPage.next_cursor, has_more: false });
    expect((await call(`/v1/events?cursor=abc`, { headers: { authorization: `Bearer ${merchant.api_key}` } })).status).toBe(400);
    expect((await call(`/v1/events?limit=1000`, { headers: { authorization: `Bearer ${merchant.api_key}` } })).status).toBe(400);
  });

  it("signs with both secrets during a rotation, and a receiver with a wrong secret refuses the event", async () => {
    const merchant = await createMerchant();
    const path = uniqueHookPath();
    const endpoint = await registerEndpoint(merchant.api_key, path, { events: ["payment.succeeded"] });
    const rotated = (await (
      await call(`/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, {
        method: "POST",
        headers: { authorization: `Bearer ${merchant.api_key}` },
      })
    ).json()) as { secret: string };
    // The receiver still only knows the old secret.
    await postPayment(merchant.api_key, paymentBody());
    const [record] = await waitForReceived(path, 1);
    expect(record).toMatchObject({ verified: true, answered: 200 });
    // Two space-separated signatures, the new secret's first; either secret verifies alone.
    const signatures = record?.headers["webhook-signature"]?.split(" ") ?? [];
    expect(signatures).toHaveLength(2);
    for (const signature of signatures) expect(signature).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(verifyWebhookSignature(record?.body ?? "", record?.headers ?? {}, rotated.secret)).toEqual({ ok: true });
    expect(verifyWebhookSignature(record?.body ?? "", record?.headers ?? {}, endpoint.secret)).toEqual({ ok: true });
    const newSecretOnly = { ...record?.headers, "webhook-signature": signatures[0] ?? "" };
    expect(verifyWebhookSignature(record?.body ?? "", newSecretOnly, rotated.secret)).toEqual({ ok: true });
    expect(verifyWebhookSignature(record?.body ?? "", newSecretOnly, endpoint.secret)).toMatchObject({ ok: false });

    // A receiver configured with a secret the connector never issued rejects the delivery (400), which is retried.
    const wrongPath = uniqueHookPath();
    const wrong = await registerEndpoint(merchant.api_key, wrongPath, { events: ["payment.succeeded"] });
    await configureReceiver(wrongPath, { secrets: [generateWebhookSecret()] });
    await postPayment(merchant.api_key, paymentBody({ amount: 77 }));
    const [refused] = await waitForReceived(wrongPath, 1);
    expect(refused).toMatchObject({ verified: false, verify_reason: "No matching signature found", answered: 400 });
    const list = await waitForEvents(merchant.api_key, (l) =>
      l.data.some((e) => e.deliveries.some((d) => d.endpoint_id === wrong.id && d.attempts.length === 1)),
    );
    const delivery = list.data.flatMap((e) => e.deliveries).find((d) => d.endpoint_id === wrong.id);
    expect(delivery).toMatchObject({ state: "pending", attempts: [{ status: 400 }] });
  });

  it("adds no delivery when the event is still pending to that endpoint, however often redelivery is asked", async () => {
    const merchant = await createMerchant();
    const path = uniqueHookPath();
    await registerEndpoint(merchant.api_key, path, { events: ["payment.pending"], script: [{ status: 500 }] });
    await postPayment(merchant.api_key, paymentBody());
    const list = await waitForEvents(merchant.api_key, (l) => (deliveryOf(l, "payment.pending")?.attempts.length ?? 0) === 1);
    const event = list.data.find((e) => e.type === "payment.pending") as EventWithDeliveries;
    for (let i = 0; i < 5; i++) {
      const response = await call(`/v1/events/${event.id}/redeliver`, {
        method: "POST",
        headers: { authorization: `Bearer ${merchant.api_key}` },
      });
      expect(response.status).toBe(202);
      const answered = (await response.json()) as EventWithDeliveries;
      expect(answered.deliveries.map((d) => [d.state, d.redelivery])).toEqual([["pending", false]]);
    }
  });

  it("counts an attempt lost to a crash mid-send, so a crash loop still reaches the attempt limit", async () => {
    const merchant = await createMerchant();
    const path = uniqueHookPath();
    await registerEndpoint(merchant.api_key, path, { events: ["payment.succeeded"], script: [{ status: 500 }, { status: 500 }] });
    await postPayment(merchant.api_key, paymentBody());
    await waitForEvents(merchant.api_key, (l) => (deliveryOf(l, "payment.succeeded")?.attempts.length ?? 0) === 1);
    const stub = merchantStub(merchant.id);

    // Attempt 2 is leased (about to be sent) when the object dies.
    await runInDurableObject(stub, (instance, state) => {
      state.storage.sql.exec(`UPDATE webhook_deliveries SET next_attempt_at = ? WHERE state = 'pending'`, Date.now());
      expect(instance.seams.leaseDueWebhooks(Date.now(), Date.now())).toBe(1);
    });
    await evictDurableObject(stub);

    // The lease runs out; the next try is attempt 3, not attempt 2 again.
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec(`UPDATE webhook_deliveries SET next_attempt_at = ? WHERE state = 'pending'`, Date.now());
    });
    expect(await stub.deliverDueWebhooks(Date.now())).toBe(1);
    const received = await waitForReceived(path, 2);
    expect(received.map((r) => r.headers["connector-delivery-attempt"])).toEqual(["1", "3"]);
    const list = await listEvents(merchant.api_key);
    expect(deliveryOf(list, "payment.succeeded")?.attempts.map((a) => a.attempt)).toEqual([1, 3]);

    // Had the lost attempts used up the limit, the delivery fails instead of being sent again.
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec(
        `UPDATE webhook_deliveries SET attempts = ?, next_attempt_at = ? WHERE state = 'pending'`,
        WEBHOOK_MAX_ATTEMPTS,
        Date.now(),
      );
    });
    expect(await stub.deliverDueWebhooks(Date.now())).toBe(0);
    expect(deliveryOf(await listEvents(merchant.api_key), "payment.succeeded")).toMatchObject({ state: "failed", next_attempt_at: null });
    expect(await receivedAt(path)).toHaveLength(2);
  });

  it("cancels the pending deliveries of a deleted endpoint", async () => {
    const merchant = await createMerchant();
    const path = uniqueHookPath();
    const endpoint = await registerEndpoint(merchant.api_key, path, { script: [{ status: 500 }] });
    await postPayment(merchant.api_key, paymentBody());
    await waitForEvents(merchant.api_key, (l) => l.data.length === 2 && (deliveryOf(l, "payment.pending")?.attempts.length ?? 0) === 1);
    await call(`/v1/webhook-endpoints/${endpoint.id}`, { method: "DELETE", headers: { authorization: `Bearer ${merchant.api_key}` } });
    const list = await listEvents(merchant.api_key);
    expect(list.data.map((e) => e.deliveries[0]?.state)).toEqual(["canceled", "canceled"]);
    expect(await merchantStub(merchant.id).deliverDueWebhooks(Date.now() + 100 * DAY_MS)).toBe(0);
    expect(await receivedAt(path)).toHaveLength(1);
  });
});
