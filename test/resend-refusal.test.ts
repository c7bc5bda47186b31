/**
 * A resend refused after an unknown outcome is not a refusal
 * (src/payments/resend-refusal.ts). The bank booked the first attempt but
 * its answer was lost (503), its replica answered 404 long enough for the
 * payment to be sent again, and it refused the resend as a duplicate. Failing
 * the payment there releases its daily amount and lets the merchant pay
 * again under a new key: paid twice.
 */
import { describe, expect, it } from "vitest";
import { createMerchant, endToEndId, getPaymentEvents, json, paymentBody, postPayment } from "./support/api.ts";
import { bankTransfersOf } from "./support/bank.ts";
import { addFault } from "./support/faults.ts";
import { driveRecoveryToCompletion, paymentRow, paymentRows } from "./support/recovery.ts";
import { expectResendsConfirmed } from "./support/resends.ts";

type ResendRefusal = { kind: "duplicate_refusal"; style: "422" | "rjct_dupl" } | { kind: "refuse"; status: 422; code: string };

/** The first POST is booked and answered 503; the replica misses it for 3 inquiries; the resend is refused. */
async function resendRefusedWhileLagging(refusal: ResendRefusal) {
  const merchant = await createMerchant({ limits: { daily_amount: 2_000 } });
  await addFault({
    match: { debtor_iban: merchant.debtor_iban, operation: "submit" },
    action: { kind: "lagging_replica", inquiries: 3, answer: "server_error" },
    times: 1,
  });
  await addFault({ match: { debtor_iban: merchant.debtor_iban, operation: "submit" }, action: refusal, times: 1 });
  const payment = await json(await postPayment(merchant.api_key, paymentBody({ amount: 1_250 })));
  expect(payment.status).toBe("pending");
  return { merchant, payment };
}

describe("a resend refused after an unknown outcome", () => {
  for (const refusal of [
    { kind: "duplicate_refusal", style: "422" },
    { kind: "duplicate_refusal", style: "rjct_dupl" },
    { kind: "refuse", status: 422, code: "AC04" },
  ] as const) {
    const name = refusal.kind === "refuse" ? `422 ${refusal.code}` : `duplicate (${refusal.style})`;
    it(`${name}: not final; the inquiry decides (the first attempt was booked: succeeded, paid once)`, async () => {
      const { merchant, payment } = await resendRefusedWhileLagging(refusal);
      await driveRecoveryToCompletion([merchant.id]);
      expect(await paymentRow(merchant.id, payment.id)).toMatchObject({ status: "succeeded", attempts: 2, resend_refusal: null });
      // One booking. A duplicate refusal counts the resend's POST on the original; a plain refusal does not.
      const transfers = await bankTransfersOf(merchant.debtor_iban);
      const submissions = refusal.kind === "refuse" ? 1 : 2;
      expect(transfers.map((t) => [t.end_to_end_id, t.status, t.submissions])).toEqual([[endToEndId(payment.id), "ACSC", submissions]]);
      expect(await expectResendsConfirmed(endToEndId(payment.id))).toContain("POST");
      const history = await getPaymentEvents(merchant.api_key, payment.id);
      expect(history.verified).toBe(true);
      expect(history.data.map((e) => e.to_status)).not.toContain("failed");
      expect(history.data.map((e) => e.detail?.outcome)).toContain(refusal.kind === "refuse" ? "resend_refused" : "duplicate");
    });
  }

  it("while pending, its amount still counts against the day: the merchant cannot pay it again under a new key", async () => {
    const { merchant } = await resendRefusedWhileLagging({ kind: "duplicate_refusal", style: "422" });
    // Drive until the resend was refused (the payment is still pending, acknowledged).
    for (let round = 0; round < 200; round++) {
      await driveRecoveryToCompletion([merchant.id], { maxRounds: 1 }).catch(() => undefined);
      const [row] = await paymentRows(merchant.id);
      if (row?.attempts === 2) break;
    }
    const again = await postPayment(merchant.api_key, paymentBody({ amount: 1_250 }));
    expect(again.status).toBe(422);
    await again.body?.cancel();
  });

  it("a refusal the bank then proves it holds nothing for stands: failed, after two confirmed 404s", async () => {
    const merchant = await createMerchant();
    await addFault({
      match: { debtor_iban: merchant.debtor_iban, operation: "submit" },
      action: { kind: "server_error", status: 503, record: false },
      times: 1,
    });
    await addFault({
      match: { debtor_iban: merchant.debtor_iban, operation: "submit" },
      action: { kind: "refuse", status: 422, code: "AC04" },
    });
    const payment = await json(await postPayment(merchant.api_key, paymentBody()));
    await driveRecoveryToCompletion([merchant.id]);
    const row = await paymentRow(merchant.id, payment.id);
    expect(row).toMatchObject({ status: "failed", failure_code: "bank_refused", attempts: 2 });
    expect(row?.failure_message).toContain("AC04");
    expect(await bankTransfersOf(merchant.debtor_iban)).toEqual([]);
    // Sent again only after two confirmed 404s; failed only after two more, after the resend's timeout.
    expect(await expectResendsConfirmed(endToEndId(payment.id))).toEqual(["POST", "GET", "GET", "GET", "POST", "GET", "GET", "GET"]);
  });
});
