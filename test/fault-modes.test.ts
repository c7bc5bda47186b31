/**
 * One test per bank fault mode (tools/bank-simulator/faults.ts), end to end:
 * merchant API -> merchant object -> real mTLS -> simulator. Each asserts the
 * payment's final status, the bank's ledger (exactly one transfer, or none)
 * and the payment's event history. docs/failure-modes.md points here.
 *
 * Run in both bank profiles (vitest.config.ts: the workers and
 * workers-iso20022 projects): the same faults, worded as JSON or as ISO
 * 20022 documents by the simulator, must lead to the same outcomes.
 */
import { describe, expect, it } from "vitest";
import type { MerchantCreated, Payment } from "../schemas/merchant-api.ts";
import { createMerchant, endToEndId, getPayment, getPaymentEvents, json, paymentBody, postPayment } from "./support/api.ts";
import { bankRequestsFor, bankTransfersOf } from "./support/bank.ts";
import { testProfile } from "./support/bank-adapters.ts";
import { addFault } from "./support/faults.ts";
import { driveRecoveryToCompletion } from "./support/recovery.ts";
import { expectResendsConfirmed } from "./support/resends.ts";

/** How the simulator words a broken success answer in each profile (docs/bank-api.md, fault rules). */
const BROKEN_ANSWERS = {
  json: {
    status: 201,
    contentType: "application/json",
    // Cut-off JSON of the transfer, and a transfer whose status is not an ISO code.
    truncated: '"status":"AC',
    contractViolation: '"status":"SETTLED"',
  },
  iso20022: {
    status: 200,
    contentType: "application/xml; charset=utf-8",
    // A pain.002 cut in half, and a well-formed one with a status outside the code list.
    truncated: "<CstmrPmtStsRpt>",
    contractViolation: "<TxSts>DONE</TxSts>",
  },
}[testProfile()];

type Action = Parameters<typeof addFault>[0]["action"];

async function payThroughFault(action: Action): Promise<{ merchant: MerchantCreated; status: number; payment: Payment }> {
  const merchant = await createMerchant();
  await addFault({ match: { debtor_iban: merchant.debtor_iban, operation: "submit" }, action, times: 1 });
  const response = await postPayment(merchant.api_key, paymentBody({ amount: 4321 }));
  return { merchant, status: response.status, payment: await json(response) };
}

async function recovered(merchant: MerchantCreated, paymentId: string): Promise<Payment> {
  await driveRecoveryToCompletion([merchant.id]);
  return json(await getPayment(merchant.api_key, paymentId));
}

/** The bank holds exactly one transfer for this merchant: this payment's, with its amount and the given status. */
async function expectSingleTransfer(merchant: MerchantCreated, payment: Payment, status: string): Promise<void> {
  const transfers = await bankTransfersOf(merchant.debtor_iban);
  expect(transfers).toHaveLength(1);
  expect(transfers[0]).toMatchObject({ end_to_end_id: endToEndId(payment.id), amount: { value: 4321, currency: "EUR" }, status });
}

async function bankMethods(paymentId: string): Promise<string[]> {
  return (await bankRequestsFor(endToEndId(paymentId))).map((r) => r.method);
}

async function history(merchant: MerchantCreated, paymentId: string) {
  const events = await getPaymentEvents(merchant.api_key, paymentId);
  expect(events.verified).toBe(true);
  return events.data;
}

describe("bank fault modes", () => {
  it("latency below the timeout: paid at once", async () => {
    const { merchant, status, payment } = await payThroughFault({ kind: "latency", ms: 300 });
    expect(status).toBe(201);
    expect(payment.status).toBe("succeeded");
    await expectSingleTransfer(merchant, payment, "ACSC");
    expect((await history(merchant, payment.id)).map((e) => e.to_status)).toEqual(["pending", "succeeded"]);
  });

  it("hang past the timeout after booking: pending, then resolved by inquiry without resending", async () => {
    const { merchant, status, payment } = await payThroughFault({ kind: "hang", record: true });
    expect(status).toBe(202);
    expect(payment.status).toBe("pending");
    const final = await recovered(merchant, payment.id);
    expect(final.status).toBe("succeeded");
    await expectSingleTransfer(merchant, payment, "ACSC");
    expect(await bankMethods(payment.id)).toEqual(["POST", "GET"]);
    const events = await history(merchant, payment.id);
    expect(events[1]?.detail).toMatchObject({ outcome: "unknown", reason: "bank call timed out" });
    expect(events.at(-1)).toMatchObject({ from_status: "pending", to_status: "succeeded", bank_status: "ACSC" });
  });

  it("hang past the timeout before booking: the inquiry finds nothing, the same end-to-end id is sent again", async () => {
    const { merchant, status, payment } = await payThroughFault({ kind: "hang", record: false });
    expect(status).toBe(202);
    const final = await recovered(merchant, payment.id);
    expect(final.status).toBe("succeeded");
    await expectSingleTransfer(merchant, payment, "ACSC");
    // The POST took the whole timeout, so the first 404 counts; a second, INQUIRY_CONFIRM_DELAY_MS later, confirms it.
    expect(await expectResendsConfirmed(endToEndId(payment.id))).toEqual(["POST", "GET", "GET", "POST"]);
    const outcomes = (await history(merchant, payment.id)).map((e) => e.detail?.outcome ?? e.to_status);
    expect(outcomes).toEqual(["pending", "unknown", "not_found", "not_found", "succeeded"]);
  });

  it("5xx without booking: unknown, inquiry 404, resent once", async () => {
    const { merchant, status, payment } = await payThroughFault({ kind: "server_error", status: 503, record: false });
    expect(status).toBe(202);
    const events = await history(merchant, payment.id);
    expect(events[1]?.detail).toMatchObject({ outcome: "unknown", reason: "bank answered 503", bank_response: { status: 503 } });
    expect((await recovered(merchant, payment.id)).status).toBe("succeeded");
    await expectSingleTransfer(merchant, payment, "ACSC");
    // A 404 within the POST's timeout does not count; then two, INQUIRY_CONFIRM_DELAY_MS apart, before the resend.
    expect(await expectResendsConfirmed(endToEndId(payment.id))).toEqual(["POST", "GET", "GET", "GET", "POST"]);
  });

  it("5xx after booking (the dangerous case): never resent, resolved by inquiry", async () => {
    const { merchant, status, payment } = await payThroughFault({ kind: "server_error", status: 500, record: true });
    expect(status).toBe(202);
    expect((await recovered(merchant, payment.id)).status).toBe("succeeded");
    await expectSingleTransfer(merchant, payment, "ACSC");
    expect(await bankMethods(payment.id)).toEqual(["POST", "GET"]);
    expect((await history(merchant, payment.id)).map((e) => e.to_status)).toEqual(["pending", "pending", "succeeded"]);
  });

  it("connection reset after booking: never resent, resolved by inquiry", async () => {
    const { merchant, status, payment } = await payThroughFault({ kind: "reset", record: true });
    expect(status).toBe(202);
    const events = await history(merchant, payment.id);
    expect(events[1]?.detail).toMatchObject({ outcome: "unknown" });
    expect((await recovered(merchant, payment.id)).status).toBe("succeeded");
    await expectSingleTransfer(merchant, payment, "ACSC");
    expect(await bankMethods(payment.id)).toEqual(["POST", "GET"]);
  });

  it("connection reset before booking: inquiry 404, resent once", async () => {
    const { merchant, status, payment } = await payThroughFault({ kind: "reset", record: false });
    expect(status).toBe(202);
    expect((await recovered(merchant, payment.id)).status).toBe("succeeded");
    await expectSingleTransfer(merchant, payment, "ACSC");
    // A 404 within the POST's timeout does not count; then two, INQUIRY_CONFIRM_DELAY_MS apart, before the resend.
    expect(await expectResendsConfirmed(endToEndId(payment.id))).toEqual(["POST", "GET", "GET", "GET", "POST"]);
  });

  it("malformed answer (cut-off JSON or XML): pending with the bank's bytes kept as evidence, then resolved by inquiry", async () => {
    const { merchant, status, payment } = await payThroughFault({ kind: "malformed_json" });
    expect(status).toBe(202);
    const events = await history(merchant, payment.id);
    expect(events[1]?.detail).toMatchObject({
      outcome: "unknown",
      reason: "bank response failed validation",
      bank_response: { status: BROKEN_ANSWERS.status, headers: { "content-type": BROKEN_ANSWERS.contentType } },
    });
    expect(String((events[1]?.detail?.bank_response as { body_prefix: string } | undefined)?.body_prefix)).toContain(
      BROKEN_ANSWERS.truncated,
    );
    expect((await recovered(merchant, payment.id)).status).toBe("succeeded");
    await expectSingleTransfer(merchant, payment, "ACSC");
    expect(await bankMethods(payment.id)).toEqual(["POST", "GET"]);
  });

  it("an answer that violates the bank contract: pending with evidence, then resolved by inquiry", async () => {
    const { merchant, status, payment } = await payThroughFault({ kind: "contract_violation" });
    expect(status).toBe(202);
    const events = await history(merchant, payment.id);
    expect((events[1]?.detail?.bank_response as { body_prefix: string } | undefined)?.body_prefix).toContain(
      BROKEN_ANSWERS.contractViolation,
    );
    expect((await recovered(merchant, payment.id)).status).toBe("succeeded");
    await expectSingleTransfer(merchant, payment, "ACSC");
  });

  it("bank 4xx refusal: failed at once with the bank's code, nothing booked", async () => {
    const { merchant, status, payment } = await payThroughFault({ kind: "refuse", status: 422, code: "AC04" });
    expect(status).toBe(201);
    expect(payment).toMatchObject({ status: "failed", failure: { code: "bank_refused" } });
    expect(payment.failure?.message).toContain("AC04");
    expect(await bankTransfersOf(merchant.debtor_iban)).toEqual([]);
    const events = await history(merchant, payment.id);
    expect(events.at(-1)).toMatchObject({ from_status: "pending", to_status: "failed", reason_code: "AC04" });
  });

  it("held in ACSP, settled ACSC later (on the second inquiry): followed until final", async () => {
    const { merchant, status, payment } = await payThroughFault({
      kind: "async_settlement",
      interim: "ACSP",
      final: "ACSC",
      after_inquiries: 2,
    });
    expect(status).toBe(202);
    expect(payment).toMatchObject({ status: "pending", bank: { status: "ACSP" } });
    expect((await recovered(merchant, payment.id)).status).toBe("succeeded");
    await expectSingleTransfer(merchant, payment, "ACSC");
    expect(await bankMethods(payment.id)).toEqual(["POST", "GET", "GET"]);
    const events = await history(merchant, payment.id);
    expect(events.map((e) => [e.to_status, e.bank_status])).toEqual([
      ["pending", null],
      ["pending", "ACSP"],
      ["succeeded", "ACSC"],
    ]);
  });

  it("held in PDNG, rejected (RJCT) later on a timer: failed with the bank's reason", async () => {
    const { merchant, status, payment } = await payThroughFault({
      kind: "async_settlement",
      interim: "PDNG",
      final: "RJCT",
      reason_code: "AM04",
      after_ms: 300,
    });
    expect(status).toBe(202);
    const final = await recovered(merchant, payment.id);
    expect(final).toMatchObject({ status: "failed", failure: { code: "bank_rejected" }, bank: { status: "RJCT", reason_code: "AM04" } });
    await expectSingleTransfer(merchant, payment, "RJCT");
    expect((await history(merchant, payment.id)).at(-1)).toMatchObject({ to_status: "failed", bank_status: "RJCT", reason_code: "AM04" });
  });

  it("faults on inquiries too (5xx, reset, malformed): the payment stays pending until an inquiry is answered", async () => {
    const merchant = await createMerchant();
    await addFault({
      match: { debtor_iban: merchant.debtor_iban, operation: "submit" },
      action: { kind: "reset", record: true },
      times: 1,
    });
    for (const action of [{ kind: "server_error", record: false }, { kind: "reset", record: false }, { kind: "malformed_json" }] as const) {
      await addFault({ match: { debtor_iban: merchant.debtor_iban, operation: "inquiry" }, action, times: 1 });
    }
    const payment = await json(await postPayment(merchant.api_key, paymentBody({ amount: 4321 })));
    expect(payment.status).toBe("pending");
    expect((await recovered(merchant, payment.id)).status).toBe("succeeded");
    await expectSingleTransfer(merchant, payment, "ACSC");
    expect(await bankMethods(payment.id)).toEqual(["POST", "GET", "GET", "GET", "GET"]);
  });
});
