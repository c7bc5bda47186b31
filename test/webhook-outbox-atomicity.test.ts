/**
 * The outbox rows are written in the same transaction as the status change:
 * if that transaction rolls back, no event exists and nothing is sent. A
 * SQLite trigger makes the real transaction fail right after the outbox
 * write, which is the worst moment for a non-atomic implementation.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Payment } from "../schemas/merchant-api.ts";
import { enqueuePaymentStatusChange } from "../src/webhooks/outbox.ts";
import { createMerchant, getPayment, json, merchantStub, paymentBody, postPayment } from "./support/api.ts";
import { receivedAt, registerEndpoint, uniqueHookPath, waitForReceived } from "./support/webhooks.ts";

type Stub = ReturnType<typeof merchantStub>;

async function exec(stub: Stub, statement: string): Promise<void> {
  await runInDurableObject(stub, (_instance, state) => {
    state.storage.sql.exec(statement);
  });
}

async function counts(stub: Stub): Promise<Record<string, number>> {
  return runInDurableObject(stub, (_instance, state) => {
    const count = (table: string) => state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).one().n;
    return {
      payments: count("payments"),
      payment_events: count("payment_events"),
      webhook_events: count("webhook_events"),
      webhook_deliveries: count("webhook_deliveries"),
    };
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe("webhook outbox atomicity", () => {
  it("an admission whose transaction rolls back after the outbox write leaves no event and sends nothing", async () => {
    const merchant = await createMerchant();
    const path = uniqueHookPath();
    await registerEndpoint(merchant.api_key, path);
    const stub = merchantStub(merchant.id);
    await exec(
      stub,
      `CREATE TRIGGER test_abort_after_outbox AFTER INSERT ON webhook_deliveries BEGIN SELECT RAISE(ABORT, 'test: abort after outbox write'); END`,
    );

    const key = crypto.randomUUID();
    const refused = await postPayment(merchant.api_key, paymentBody(), key);
    expect(refused.status).toBe(503);
    expect(await counts(stub)).toEqual({ payments: 0, payment_events: 0, webhook_events: 0, webhook_deliveries: 0 });
    await sleep(300);
    expect(await receivedAt(path)).toHaveLength(0);

    await exec(stub, `DROP TRIGGER test_abort_after_outbox`);
    const accepted = await postPayment(merchant.api_key, paymentBody(), key);
    expect(accepted.status).toBe(201);
    expect(await counts(stub)).toEqual({ payments: 1, payment_events: 2, webhook_events: 2, webhook_deliveries: 2 });
    const received = await waitForReceived(path, 2);
    expect(received.map((r) => (JSON.parse(r.body) as { type: string }).type)).toEqual(["payment.pending", "payment.succeeded"]);
  });

  it("a bank outcome whose transaction rolls back emits nothing; the recovered outcome emits exactly once", async () => {
    const merchant = await createMerchant();
    const path = uniqueHookPath();
    await registerEndpoint(merchant.api_key, path);
    const stub = merchantStub(merchant.id);
    await exec(
      stub,
      `CREATE TRIGGER test_abort_succeeded AFTER INSERT ON webhook_events WHEN NEW.type = 'payment.succeeded'
       BEGIN SELECT RAISE(ABORT, 'test: abort the outcome transaction'); END`,
    );

    const response = await postPayment(merchant.api_key, paymentBody());
    expect(response.status).toBe(503);
    // The status change (pending -> succeeded) and its event rolled back together.
    const state = await runInDurableObject(stub, (_instance, s) =>
      s.storage.sql.exec<{ id: string; status: string }>(`SELECT id, status FROM payments`).one(),
    );
    expect(state.status).toBe("pending");
    expect(await counts(stub)).toEqual({ payments: 1, payment_events: 1, webhook_events: 1, webhook_deliveries: 1 });
    await waitForReceived(path, 1);
    await sleep(300);
    expect((await receivedAt(path)).map((r) => (JSON.parse(r.body) as { type: string }).type)).toEqual(["payment.pending"]);

    // Recovery asks the bank, applies ACSC, and the event is written with that change.
    await exec(stub, `DROP TRIGGER test_abort_succeeded`);
    await stub.recoverDuePayments(Date.now() + 60_000);
    const received = await waitForReceived(path, 2);
    const succeeded = JSON.parse(received[1]?.body ?? "{}") as { type: string; data: { payment: { id: string; status: string } } };
    expect(succeeded).toMatchObject({ type: "payment.succeeded", data: { payment: { id: state.id, status: "succeeded" } } });
    expect(await counts(stub)).toEqual({ payments: 1, payment_events: 2, webhook_events: 2, webhook_deliveries: 2 });
    await sleep(300);
    expect(await receivedAt(path)).toHaveLength(2);
  });

  it("a change that keeps the status (e.g. the bank still pending) writes no event", async () => {
    const merchant = await createMerchant();
    await registerEndpoint(merchant.api_key, uniqueHookPath());
    const payment = await json(await postPayment(merchant.api_key, paymentBody()));
    const current: Payment = await json(await getPayment(merchant.api_key, payment.id));
    const stub = merchantStub(merchant.id);
    const before = await counts(stub);
    const due = await runInDurableObject(stub, (_instance, state) =>
      state.storage.transactionSync(() => enqueuePaymentStatusChange(state.storage.sql, current, current.status)),
    );
    expect(due).toBe(0);
    expect(await counts(stub)).toEqual(before);
  });
});
