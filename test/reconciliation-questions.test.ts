/**
 * A statement that disagrees with the connector is a question, not an answer
 * (src/reconciliation/engine.ts): before a pending payment is settled from
 * the statement, its transfer is inquired; only a final answer that agrees
 * with the statement is applied. Otherwise the payment stays pending, the
 * report says status_mismatch, and the payment is flagged for a person.
 */
import { describe, expect, it } from "vitest";
import type { Payment } from "../schemas/merchant-api.ts";
import { endToEndId, getPayment, json, paymentBody, postPayment } from "./support/api.ts";
import { addFault } from "./support/faults.ts";
import { createIsolatedMerchant, injectDiscrepancy, reconcile, setDebtorScenario, todayUtc } from "./support/reconciliation.ts";
import { holdRecovery, paymentRow } from "./support/recovery.ts";

/** A payment the bank holds in ACSP (pending at the connector; recovery held, so only reconciliation acts). */
async function heldPayment() {
  const merchant = await createIsolatedMerchant();
  await holdRecovery(merchant.id);
  await setDebtorScenario(merchant.debtor_iban, { booking_status: "ACSP" });
  const payment = await json(await postPayment(merchant.api_key, paymentBody()));
  expect(payment).toMatchObject({ status: "pending", bank: { status: "ACSP" } });
  return { merchant, payment };
}

async function expectQuestionLeftOpen(apiKey: string, merchantId: string, payment: Payment, statementStatus: string) {
  const report = await reconcile(apiKey, todayUtc());
  const item = report.items.find((entry) => entry.end_to_end_id === endToEndId(payment.id));
  expect(item).toMatchObject({
    class: "status_mismatch",
    resolved: false,
    connector: { status: "pending" },
    bank: { status: statementStatus },
  });
  expect(report.summary).toMatchObject({ status_mismatch: 1, resolved: 0 });
  const after = await json(await getPayment(apiKey, payment.id));
  expect(after).toMatchObject({ status: "pending", attention: { reason: "status_mismatch" } });
  expect((await paymentRow(merchantId, payment.id))?.failure_code).toBeNull();
}

describe("reconciliation of a pending payment the statement shows final", () => {
  it("statement ACSC, the bank's inquiry says ACSP: stays pending, status_mismatch, flagged", async () => {
    const { merchant, payment } = await heldPayment();
    await injectDiscrepancy(merchant.debtor_iban, { kind: "status", end_to_end_id: endToEndId(payment.id), status: "ACSC" });
    await expectQuestionLeftOpen(merchant.api_key, merchant.id, payment, "ACSC");
  });

  it("statement RJCT, the bank's inquiry says ACSP: not failed (its amount still counts), status_mismatch, flagged", async () => {
    const { merchant, payment } = await heldPayment();
    await injectDiscrepancy(merchant.debtor_iban, { kind: "status", end_to_end_id: endToEndId(payment.id), status: "RJCT" });
    await expectQuestionLeftOpen(merchant.api_key, merchant.id, payment, "RJCT");
  });

  it("statement ACSC, the inquiry fails (503): stays pending, status_mismatch, flagged", async () => {
    const { merchant, payment } = await heldPayment();
    await injectDiscrepancy(merchant.debtor_iban, { kind: "status", end_to_end_id: endToEndId(payment.id), status: "ACSC" });
    await addFault({
      match: { debtor_iban: merchant.debtor_iban, operation: "inquiry" },
      action: { kind: "server_error", status: 503, record: false },
      times: 1,
    });
    await expectQuestionLeftOpen(merchant.api_key, merchant.id, payment, "ACSC");
  });

  it("statement ACSC and the bank's inquiry agrees: settled from the inquiry's answer, resolved, not flagged", async () => {
    const merchant = await createIsolatedMerchant();
    await holdRecovery(merchant.id);
    await addFault({
      match: { debtor_iban: merchant.debtor_iban, operation: "submit" },
      action: { kind: "async_settlement", interim: "ACSP", final: "ACSC", after_ms: 0 },
      times: 1,
    });
    const payment = await json(await postPayment(merchant.api_key, paymentBody()));
    expect(payment.status).toBe("pending");
    const report = await reconcile(merchant.api_key, todayUtc());
    expect(report.items.find((entry) => entry.end_to_end_id === endToEndId(payment.id))).toMatchObject({
      class: "matched",
      resolved: true,
    });
    const after = await json(await getPayment(merchant.api_key, payment.id));
    expect(after).toMatchObject({ status: "succeeded", bank: { status: "ACSC" } });
    expect(after.attention).toBeUndefined();
  });
});
