import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { WEBHOOK_EVENT_RETENTION_MS } from "../src/webhooks/outbox.ts";
import { createMerchant, merchantStub, paymentBody, postPayment } from "./support/api.ts";
import { listEvents, registerEndpoint, uniqueHookPath, waitForEvents } from "./support/webhooks.ts";

describe("webhook event retention", () => {
  it("prunes settled events past retention, keeps unsettled ones, and never reuses a cursor position", async () => {
    const merchant = await createMerchant();
    await registerEndpoint(merchant.api_key, uniqueHookPath());
    await postPayment(merchant.api_key, paymentBody({ amount: 101 }));
    await postPayment(merchant.api_key, paymentBody({ amount: 102 }));
    const before = await waitForEvents(
      merchant.api_key,
      (l) => l.data.length === 4 && l.data.every((e) => e.deliveries[0]?.state === "delivered"),
    );
    const [keep] = before.data;
    const cursorAfterAll = before.next_cursor;

    const stub = merchantStub(merchant.id);
    await runInDurableObject(stub, (_instance, state) => {
      const sql = state.storage.sql;
      sql.exec(`UPDATE webhook_events SET created_at = ?`, Date.now() - WEBHOOK_EVENT_RETENTION_MS - 60_000);
      // The oldest event still has a delivery under way: it must survive.
      sql.exec(
        `UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = ? WHERE event_seq = (SELECT seq FROM webhook_events WHERE id = ?)`,
        Date.now() + 3_600_000,
        keep?.id ?? "",
      );
    });
    await stub.deliverDueWebhooks(Date.now());

    const after = await listEvents(merchant.api_key);
    expect(after.data.map((e) => e.id)).toEqual([keep?.id]);
    const leftovers = await runInDurableObject(
      stub,
      (_instance, state) =>
        state.storage.sql
          .exec<{ n: number }>(`SELECT (SELECT COUNT(*) FROM webhook_deliveries) + (SELECT COUNT(*) FROM webhook_attempts) AS n`)
          .one().n,
    );
    expect(leftovers).toBe(1 + 1); // the kept event's delivery and its one attempt

    // The newest event was pruned; new events still come after every cursor handed out before.
    await postPayment(merchant.api_key, paymentBody({ amount: 103 }));
    const newer = await listEvents(merchant.api_key, `?cursor=${cursorAfterAll}`);
    expect(newer.data.map((e) => e.type)).toEqual(["payment.pending", "payment.succeeded"]);
  });

  it("brings the alarm back when the oldest event passes retention, even with no other work", async () => {
    const merchant = await createMerchant();
    await registerEndpoint(merchant.api_key, uniqueHookPath());
    await postPayment(merchant.api_key, paymentBody());
    await waitForEvents(merchant.api_key, (l) => l.data.length === 2 && l.data.every((e) => e.deliveries[0]?.state === "delivered"));
    const stub = merchantStub(merchant.id);
    const createdAt = Date.now() - WEBHOOK_EVENT_RETENTION_MS + 2 * 3_600_000;
    await runInDurableObject(stub, (_instance, state) => {
      // Nothing else is due: no idempotency key to purge, the payment is final, the deliveries are done,
      // no recent success for the return watch to poll for, and the registry already knows no payment is
      // pending (no attention report owed).
      state.storage.sql.exec(`DELETE FROM idempotency_keys`);
      state.storage.sql.exec(`UPDATE return_watch SET last_succeeded_at = NULL`);
      state.storage.sql.exec(`UPDATE attention_report_state SET reported_version = version, reported_oldest_pending_at = NULL`);
      state.storage.sql.exec(`UPDATE webhook_events SET created_at = ?`, createdAt);
    });
    await stub.deliverDueWebhooks(Date.now());
    // Whatever earlier wake is still armed finds nothing due and re-arms for retention.
    await runDurableObjectAlarm(stub);
    expect(await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm())).toBe(createdAt + WEBHOOK_EVENT_RETENTION_MS);
  });
});
