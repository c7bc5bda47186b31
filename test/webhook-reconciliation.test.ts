/**
 * reconciliation.completed: every reconciliation run that stores a report
 * emits one signed event, written in the report's own transaction.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ReconciliationWebhookEvent, WebhookEvent } from "../schemas/webhooks.ts";
import { ALL_EVENT_TYPES } from "../src/webhooks/endpoints.ts";
import { json, merchantStub, paymentBody, postPayment } from "./support/api.ts";
import { addFault } from "./support/faults.ts";
import { createIsolatedMerchant, getReconciliation, postReconciliation, reconcile, todayUtc } from "./support/reconciliation.ts";
import { holdRecovery } from "./support/recovery.ts";
import { listEvents, receivedAt, registerEndpoint, uniqueHookPath, waitForReceived } from "./support/webhooks.ts";

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function eventTypesStored(merchantId: string): Promise<string[]> {
  return runInDurableObject(merchantStub(merchantId), (_instance, state) =>
    state.storage.sql
      .exec<{ type: string }>(`SELECT type FROM webhook_events ORDER BY seq`)
      .toArray()
      .map((row) => row.type),
  );
}

describe("reconciliation.completed webhook", () => {
  it("is sent once per run, signed, with the stored report's summary, only to endpoints subscribed to it", async () => {
    const merchant = await createIsolatedMerchant();
    const reconPath = uniqueHookPath();
    const paymentsPath = uniqueHookPath();
    await registerEndpoint(merchant.api_key, reconPath, { events: ["reconciliation.completed"] });
    await registerEndpoint(merchant.api_key, paymentsPath, { events: ["payment.succeeded"] });
    expect((await postPayment(merchant.api_key, paymentBody())).status).toBe(201);
    await waitForReceived(paymentsPath, 1);

    const first = await reconcile(merchant.api_key, todayUtc());
    const [delivered] = await waitForReceived(reconPath, 1);
    expect(delivered).toMatchObject({ verified: true, answered: 200 });
    const event = ReconciliationWebhookEvent.strict().parse(JSON.parse(delivered?.body ?? ""));
    expect(event.data.reconciliation).toEqual({
      date: todayUtc(),
      generated_at: first.generated_at,
      statement_pages: first.statement_pages,
      summary: first.summary,
      report_url: `/v1/reconciliations/${todayUtc()}`,
    });
    expect(first.summary).toMatchObject({ matched: 1, connector_payments: 1 });
    expect(event.created_at).toBe(first.generated_at);

    // A second run is a second completion: a new event with its own id.
    await reconcile(merchant.api_key, todayUtc());
    const both = await waitForReceived(reconPath, 2);
    const second = ReconciliationWebhookEvent.parse(JSON.parse(both[1]?.body ?? ""));
    expect(second.id).not.toBe(event.id);

    // The payments-only endpoint never got a reconciliation event, and the event log lists them with their deliveries.
    await sleep(200);
    expect((await receivedAt(paymentsPath)).map((r) => (JSON.parse(r.body) as { type: string }).type)).toEqual(["payment.succeeded"]);
    const listed = (await listEvents(merchant.api_key)).data.filter((e) => e.type === "reconciliation.completed");
    expect(listed.map((e) => e.id)).toEqual([event.id, second.id]);
    expect(listed[0]?.deliveries).toHaveLength(1);
  });

  it("reaches an endpoint registered without an event list, dated after the settlements the run resolved", async () => {
    const merchant = await createIsolatedMerchant();
    const path = uniqueHookPath();
    const endpoint = await registerEndpoint(merchant.api_key, path);
    expect(endpoint.events).toContain("reconciliation.completed");
    const stored = await runInDurableObject(
      merchantStub(merchant.id),
      (_instance, state) =>
        state.storage.sql.exec<{ events: string }>(`SELECT events FROM webhook_endpoints WHERE id = ?`, endpoint.id).one().events,
    );
    expect(stored).toBe(ALL_EVENT_TYPES);

    // Acknowledged ACSP (stays pending: recovery is held), settled by the bank right after: the run resolves it.
    await holdRecovery(merchant.id);
    await addFault({
      match: { debtor_iban: merchant.debtor_iban, operation: "submit" },
      action: { kind: "async_settlement", interim: "ACSP", final: "ACSC", after_ms: 0 },
      times: 1,
    });
    const pending = await json(await postPayment(merchant.api_key, paymentBody()));
    expect(pending.status).toBe("pending");
    const report = await reconcile(merchant.api_key, todayUtc());
    expect(report.summary).toMatchObject({ resolved: 1 });

    const received = (await waitForReceived(path, 3)).map((r) => WebhookEvent.parse(JSON.parse(r.body)));
    expect(received.map((e) => e.type).sort()).toEqual(["payment.pending", "payment.succeeded", "reconciliation.completed"]);
    const settledAt = received.find((e) => e.type === "payment.succeeded")?.created_at ?? "";
    const completedAt = received.find((e) => e.type === "reconciliation.completed")?.created_at ?? "";
    expect(completedAt >= settledAt, `${completedAt} >= ${settledAt}`).toBe(true);
  });

  it("is not emitted when the report's transaction rolls back, and is emitted by the run that stores it", async () => {
    const merchant = await createIsolatedMerchant();
    const path = uniqueHookPath();
    await registerEndpoint(merchant.api_key, path, { events: ["reconciliation.completed"] });
    expect((await postPayment(merchant.api_key, paymentBody())).status).toBe(201);
    const stub = merchantStub(merchant.id);
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec(
        `CREATE TRIGGER test_abort_after_outbox AFTER INSERT ON webhook_deliveries BEGIN SELECT RAISE(ABORT, 'test: abort after outbox write'); END`,
      );
    });

    const failed = await postReconciliation(merchant.api_key, { date: todayUtc() });
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect((await getReconciliation(merchant.api_key, todayUtc())).status).toBe(404);
    expect(await eventTypesStored(merchant.id)).not.toContain("reconciliation.completed");
    await sleep(300);
    expect(await receivedAt(path)).toHaveLength(0);

    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec(`DROP TRIGGER test_abort_after_outbox`);
    });
    await reconcile(merchant.api_key, todayUtc());
    expect((await eventTypesStored(merchant.id)).filter((type) => type === "reconciliation.completed")).toHaveLength(1);
    const [delivered] = await waitForReceived(path, 1);
    expect(ReconciliationWebhookEvent.parse(JSON.parse(delivered?.body ?? "")).data.reconciliation.date).toBe(todayUtc());
  });
});
