/** The per-payment event history is tamper-evident, and the events endpoint says whether it verifies. */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { hashEvent, readPaymentEvents, verifyEventChain } from "../src/payments/event-log.ts";
import { createMerchant, getPaymentEvents, json, merchantStub, paymentBody, postPayment } from "./support/api.ts";
import { addFault } from "./support/faults.ts";
import { driveRecoveryToCompletion } from "./support/recovery.ts";

async function paymentWithHistory() {
  const merchant = await createMerchant();
  // A 5xx after booking gives a three-event history: admitted, unknown, succeeded.
  await addFault({
    match: { debtor_iban: merchant.debtor_iban, operation: "submit" },
    action: { kind: "server_error", record: true },
    times: 1,
  });
  const payment = await json(await postPayment(merchant.api_key, paymentBody()));
  await driveRecoveryToCompletion([merchant.id]);
  return { merchant, payment };
}

function tamper(merchantId: string, statement: string, ...bindings: SqlStorageValue[]): Promise<void> {
  return runInDurableObject(merchantStub(merchantId), (_instance, state) => {
    state.storage.sql.exec(statement, ...bindings);
  });
}

describe("tamper-evident payment history", () => {
  it("an untouched history verifies, and every event links to its predecessor's hash", async () => {
    const { merchant, payment } = await paymentWithHistory();
    const events = await getPaymentEvents(merchant.api_key, payment.id);
    expect(events.verified).toBe(true);
    expect(events.data.map((e) => [e.from_status, e.to_status])).toEqual([
      [null, "pending"],
      ["pending", "pending"],
      ["pending", "succeeded"],
    ]);
    for (let i = 1; i < events.data.length; i++) expect(events.data[i]?.prev_hash).toBe(events.data[i - 1]?.hash);
  });

  it("editing a stored event is detected at that event", async () => {
    const { merchant, payment } = await paymentWithHistory();
    // Someone with storage access rewrites what the bank said on the second event.
    await tamper(
      merchant.id,
      `UPDATE payment_events SET detail = ? WHERE payment_id = ? AND seq = 2`,
      '{"outcome":"accepted"}',
      payment.id,
    );
    const events = await getPaymentEvents(merchant.api_key, payment.id);
    expect(events).toMatchObject({ verified: false, broken_at_seq: 2 });
    const stored = await runInDurableObject(merchantStub(merchant.id), (_i, state) => readPaymentEvents(state.storage.sql, payment.id));
    expect(verifyEventChain(stored)).toEqual({ brokenAtSeq: 2 });
  });

  it("editing an event and recomputing its hash is still detected by the next event's link", async () => {
    const { merchant, payment } = await paymentWithHistory();
    // A careful forger rewrites the first event and gives it a correct hash for its new content...
    await runInDurableObject(merchantStub(merchant.id), (_instance, state) => {
      const [first] = readPaymentEvents(state.storage.sql, payment.id);
      const { hash: _old, ...forged } = { ...first!, attempt: 7 };
      state.storage.sql.exec(
        `UPDATE payment_events SET attempt = 7, hash = ? WHERE payment_id = ? AND seq = 1`,
        hashEvent(forged),
        payment.id,
      );
    });
    // ...but the second event still names the original hash.
    expect(await getPaymentEvents(merchant.api_key, payment.id)).toMatchObject({ verified: false, broken_at_seq: 2 });
  });

  it("deleting an event in the middle or the last one is detected", async () => {
    const middle = await paymentWithHistory();
    await tamper(middle.merchant.id, `DELETE FROM payment_events WHERE payment_id = ? AND seq = 2`, middle.payment.id);
    expect(await getPaymentEvents(middle.merchant.api_key, middle.payment.id)).toMatchObject({ verified: false, broken_at_seq: 3 });

    const last = await paymentWithHistory();
    await tamper(last.merchant.id, `DELETE FROM payment_events WHERE payment_id = ? AND seq = 3`, last.payment.id);
    const events = await getPaymentEvents(last.merchant.api_key, last.payment.id);
    expect(events).toMatchObject({ verified: false, broken_at_seq: 3 });
    expect(events.problem).toMatch(/ends at pending but the payment is succeeded/);
  });
});
