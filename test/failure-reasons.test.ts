/** Every failed payment's `failure.reason`: a sentence a merchant can act on, from the bank's reason code when it gave one. */
import { describe, expect, it } from "vitest";
import { failureReason } from "../src/payments/failure-reasons.ts";
import { REASON_CODES } from "../src/payments/reason-codes.ts";
import { json, paymentBody, postPayment } from "./support/api.ts";
import { addFault } from "./support/faults.ts";
import { createIsolatedMerchant } from "./support/reconciliation.ts";

describe("failure.reason", () => {
  it("says the bank's reason code in plain words when it rejected the transfer with one", async () => {
    const merchant = await createIsolatedMerchant("Rejected Shop GmbH");
    // The simulator answers RJCT AC04 (and books it, which does not matter here).
    await addFault({ match: { debtor_iban: merchant.debtor_iban, operation: "submit" }, action: { kind: "contradiction" }, times: 1 });
    const payment = await json(await postPayment(merchant.api_key, paymentBody()));
    expect(payment).toMatchObject({
      status: "failed",
      bank: { status: "RJCT", reason_code: "AC04" },
      failure: { code: "bank_rejected", reason: REASON_CODES.get("AC04")?.reason },
    });
  });

  it("explains a refusal and a payment never sent without a code", async () => {
    const merchant = await createIsolatedMerchant("Refused Shop GmbH");
    const refused = await json(await postPayment(merchant.api_key, paymentBody({ currency: "CHF" })));
    expect(refused.failure).toMatchObject({ code: "bank_refused", reason: failureReason("bank_refused", null) });
    expect(refused.failure?.reason).toMatch(/no money moved/);
    expect(failureReason("bank_unavailable", null)).toMatch(/never sent/);
  });

  it("keeps an unknown code and says so, and never leaves a failure without a sentence", () => {
    expect(failureReason("bank_rejected", "ZZ42")).toBe(
      "The bank gave reason code ZZ42, which this connector does not know; ask your bank what it means.",
    );
    expect(failureReason("bank_rejected", null)).toMatch(/without giving a reason/);
    expect(failureReason("some_future_code", null)).toMatch(/^The payment failed/);
  });
});
