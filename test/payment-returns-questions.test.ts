/**
 * Returns that do not simply apply: one for a payment the connector still
 * shows pending (a question for the bank: the transfer is inquired first),
 * one for a payment shown failed (the bank contradicts the connector), and
 * one naming an end-to-end id the connector never sent.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Payment } from "../schemas/merchant-api.ts";
import { endToEndId, getPayment, getPaymentEvents, json, merchantStub, paymentBody, postPayment } from "./support/api.ts";
import { bankTransfer, boundBank } from "./support/bank.ts";
import { addFault } from "./support/faults.ts";
import { createIsolatedMerchant, injectDiscrepancy, reconcile, todayUtc } from "./support/reconciliation.ts";
import { driveRecoveryToCompletion, paymentRows, sleep } from "./support/recovery.ts";
import { applyReturnAsImported, pollReturns, returnTransfer, storedReturns } from "./support/returns.ts";
import { listEvents } from "./support/webhooks.ts";

const SETTLED_TIMEOUT_MS = 5_000;

async function merchantWithSettledPayment() {
  // Fault rules below are scoped by this merchant's own debtor IBAN and used up (times: 1).
  const merchant = await createIsolatedMerchant("Questions Shop GmbH");
  // A payment that succeeded keeps the return watch polling; the first poll is done before any return is booked.
  const settled = await json(await postPayment(merchant.api_key, paymentBody({ amount: 100 })));
  expect(settled.status).toBe("succeeded");
  await pollReturns(merchant.id);
  return { merchant, settled };
}

/** A payment the bank settled while the connector still shows it pending (acknowledged ACSP), kept away from recovery. */
async function pendingButSettledAtBank(merchantId: string, apiKey: string, debtorIban: string): Promise<Payment> {
  await addFault({
    match: { debtor_iban: debtorIban, operation: "submit" },
    action: { kind: "async_settlement", interim: "ACSP", final: "ACSC", after_ms: 0 },
    times: 1,
  });
  const payment = await json(await postPayment(apiKey, paymentBody({ amount: 1250 })));
  expect(payment).toMatchObject({ status: "pending", bank: { status: "ACSP" } });
  // Recovery would inquire and settle it at once; as far as it knows, this payment is being worked on.
  await runInDurableObject(merchantStub(merchantId), (instance) => instance.seams.inflight.pretend(payment.id, new Promise(() => {})));
  const deadline = Date.now() + SETTLED_TIMEOUT_MS;
  while ((await bankTransfer(endToEndId(payment.id)))?.status !== "ACSC") {
    if (Date.now() > deadline) throw new Error("the bank did not settle the transfer");
    await sleep(20);
  }
  return payment;
}

async function stopPretending(merchantId: string, paymentId: string): Promise<void> {
  await runInDurableObject(merchantStub(merchantId), (instance) => instance.seams.inflight.forget(paymentId));
}

function eventTypesOf(list: Awaited<ReturnType<typeof listEvents>>, paymentId: string): string[] {
  return list.data.filter((event) => "payment" in event.data && event.data.payment.id === paymentId).map((event) => event.type);
}

describe("a return for a payment the connector still shows pending", () => {
  it("inquires the transfer first; ACSC settles it and the return applies: two events", async () => {
    const { merchant } = await merchantWithSettledPayment();
    const payment = await pendingButSettledAtBank(merchant.id, merchant.api_key, merchant.debtor_iban);
    const entry = await returnTransfer(endToEndId(payment.id), { reasonCode: "AC01" });

    await pollReturns(merchant.id);
    await stopPretending(merchant.id, payment.id);
    const returned = await json(await getPayment(merchant.api_key, payment.id));
    expect(returned).toMatchObject({
      status: "returned",
      bank: { status: "ACSC" },
      return: { reason_code: "AC01", bank_reference: entry.transfer_id },
    });
    const history = await getPaymentEvents(merchant.api_key, payment.id);
    expect(history.verified).toBe(true);
    expect(history.data.slice(-2)).toMatchObject([
      { from_status: "pending", to_status: "succeeded", bank_status: "ACSC", detail: { asked_because: "a return names this payment" } },
      { from_status: "succeeded", to_status: "returned", detail: { found_in: "notifications" } },
    ]);
    const types = eventTypesOf(await listEvents(merchant.api_key), payment.id);
    expect(types.filter((type) => type !== "payment.pending")).toEqual(["payment.succeeded", "payment.returned"]);
  });

  it("stays pending and flagged when the bank does not confirm the transfer; reconciliation reports status_mismatch; the return applies once it settles", async () => {
    const { merchant } = await merchantWithSettledPayment();
    const payment = await pendingButSettledAtBank(merchant.id, merchant.api_key, merchant.debtor_iban);
    const e2e = endToEndId(payment.id);
    const entry = await returnTransfer(e2e, { reasonCode: "AC04", amount: 1000 });
    // The inquiry the return triggers fails, and the statement still shows the transfer in progress.
    await addFault({
      match: { debtor_iban: merchant.debtor_iban, end_to_end_id: e2e, operation: "inquiry" },
      action: { kind: "server_error", status: 500, record: false },
      times: 1,
    });
    await injectDiscrepancy(merchant.debtor_iban, { kind: "status", end_to_end_id: e2e, status: "ACSP" });

    await pollReturns(merchant.id);
    expect(await json(await getPayment(merchant.api_key, payment.id))).toMatchObject({ status: "pending" });
    const flagged = (await getPaymentEvents(merchant.api_key, payment.id)).data;
    expect(flagged.at(-1)).toMatchObject({
      from_status: "pending",
      to_status: "pending",
      reason_code: "AC04",
      detail: { return_outcome: "unconfirmed", bank_reference: entry.transfer_id },
    });
    expect(String(flagged.at(-1)?.detail?.attention)).toContain("does not confirm");
    // Flagged for a person (the money-safety attention flag), still pending.
    expect(await json(await getPayment(merchant.api_key, payment.id))).toMatchObject({ attention: { reason: "status_mismatch" } });
    expect(await storedReturns(merchant.id)).toEqual([
      { bank_reference: entry.transfer_id, payment_id: payment.id, outcome: "unconfirmed", found_in: "notifications" },
    ]);

    const report = await reconcile(merchant.api_key, todayUtc());
    expect(report.items.filter((item) => item.payment_id === payment.id)).toMatchObject([
      { class: "matched", connector: { status: "pending" }, bank: { status: "ACSP" } },
      {
        class: "status_mismatch",
        connector: { status: "pending" },
        return: { bank_reference: entry.transfer_id, amount: 1000 },
        resolved: false,
      },
    ]);
    // Seen again (poll, statement): still pending, no second flag.
    await pollReturns(merchant.id);
    expect((await getPaymentEvents(merchant.api_key, payment.id)).data).toHaveLength(flagged.length);

    // Recovery resumes and settles it with the bank; the next poll applies the return it kept.
    await stopPretending(merchant.id, payment.id);
    await driveRecoveryToCompletion([merchant.id]);
    expect(await json(await getPayment(merchant.api_key, payment.id))).toMatchObject({ status: "succeeded" });
    await pollReturns(merchant.id);
    expect(await json(await getPayment(merchant.api_key, payment.id))).toMatchObject({
      status: "returned",
      return: { amount: { value: 1000, currency: "EUR" } },
    });
    expect((await getPaymentEvents(merchant.api_key, payment.id)).data.at(-1)).toMatchObject({
      to_status: "returned",
      detail: { found_in: "earlier_sighting" },
    });
    expect((await storedReturns(merchant.id))[0]?.outcome).toBe("applied");
  });
});

describe("a return for a payment shown failed", () => {
  it("is a bank contradiction: the status is kept, the history and the report say so", async () => {
    const merchant = await createIsolatedMerchant("Contradicted Shop GmbH");
    // The bank answers RJCT but books the transfer (ACSC): the connector says failed, the bank can return it.
    await addFault({ match: { debtor_iban: merchant.debtor_iban, operation: "submit" }, action: { kind: "contradiction" }, times: 1 });
    const payment = await json(await postPayment(merchant.api_key, paymentBody()));
    expect(payment.status).toBe("failed");
    const entry = await returnTransfer(endToEndId(payment.id));

    const report = await reconcile(merchant.api_key, todayUtc());
    const after = await json(await getPayment(merchant.api_key, payment.id));
    expect(after).toMatchObject({ status: "failed", updated_at: payment.updated_at });
    expect(after.return).toBeUndefined();
    const last = (await getPaymentEvents(merchant.api_key, payment.id)).data.at(-1);
    expect(last).toMatchObject({
      from_status: "failed",
      to_status: "failed",
      detail: { return_outcome: "contradiction", found_in: "statement" },
    });
    expect(String(last?.detail?.contradiction)).toContain("failed payment");
    expect(after).toMatchObject({ attention: { reason: "bank_contradiction" } });
    expect(
      report.items.filter((item) => item.payment_id === payment.id).map((item) => [item.class, item.return?.bank_reference ?? null]),
    ).toEqual([
      ["status_mismatch", null],
      ["status_mismatch", entry.transfer_id],
    ]);
    expect(await applyReturnAsImported(merchant.id, entry)).toEqual({ outcome: "contradiction", paymentId: payment.id, seenBefore: true });
  });
});

describe("a return naming an end-to-end id the connector never sent", () => {
  it("changes nothing and is reported as unexpected at the bank", async () => {
    const { merchant, settled } = await merchantWithSettledPayment();
    const stranger = `STRANGER${crypto.randomUUID().replace(/-/g, "").slice(0, 20)}`;
    const booked = await boundBank().fetch(`${env.BANK_URL}/v1/credit-transfers`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        end_to_end_id: stranger,
        debtor_iban: merchant.debtor_iban,
        creditor: { name: "Someone Else", iban: "DE89370400440532013000" },
        amount: { value: 555, currency: "EUR" },
        remittance_information: "not from the connector",
      }),
    });
    expect(booked.status).toBe(201);
    const entry = await returnTransfer(stranger);
    const before = await paymentRows(merchant.id);

    expect(await pollReturns(merchant.id)).toMatchObject({ entries: 1 });
    expect(await paymentRows(merchant.id)).toEqual(before);
    expect(await storedReturns(merchant.id)).toEqual([
      { bank_reference: entry.transfer_id, payment_id: null, outcome: "unknown_payment", found_in: "notifications" },
    ]);
    expect((await getPaymentEvents(merchant.api_key, settled.id)).data).toHaveLength(2);

    const report = await reconcile(merchant.api_key, todayUtc());
    expect(report.items.filter((item) => item.end_to_end_id === stranger)).toMatchObject([
      { class: "unexpected_at_bank", payment_id: null, bank: { amount: 555 }, return: null },
      { class: "unexpected_at_bank", payment_id: null, connector: null, bank: null, return: { bank_reference: entry.transfer_id } },
    ]);
    expect(await paymentRows(merchant.id)).toEqual(before);
  });
});
