/**
 * A 404 to a status inquiry is not proof at once (src/payments/not-found-confirmation.ts).
 * A bank whose read replica lags behind its writer answers 404 for a
 * transfer it has booked; taking that at its word sends the payment again.
 */
import { describe, expect, it } from "vitest";
import { judgeNotFound } from "../src/payments/not-found-confirmation.ts";
import { createMerchant, endToEndId, getPaymentEvents, json, paymentBody, postPayment } from "./support/api.ts";
import { bankTransfersOf } from "./support/bank.ts";
import { addFault } from "./support/faults.ts";
import { driveRecoveryToCompletion, paymentRow, TEST_BANK_TIMEOUT_MS, TEST_INQUIRY_CONFIRM_DELAY_MS } from "./support/recovery.ts";
import { expectResendsConfirmed } from "./support/resends.ts";

type LostAnswer = "hang" | "server_error";

async function payIntoLaggingBank(inquiriesMissed: number, answer: LostAnswer) {
  const merchant = await createMerchant();
  await addFault({
    match: { debtor_iban: merchant.debtor_iban, operation: "submit" },
    action: { kind: "lagging_replica", inquiries: inquiriesMissed, answer },
    times: 1,
  });
  const payment = await json(await postPayment(merchant.api_key, paymentBody()));
  expect(payment.status).toBe("pending");
  await driveRecoveryToCompletion([merchant.id]);
  return { merchant, payment, row: await paymentRow(merchant.id, payment.id) };
}

describe("a 404 after an unknown outcome", () => {
  it("from a lagging replica, after a POST that timed out: confirmed by a second inquiry, which finds the transfer; never resent", async () => {
    const { merchant, payment, row } = await payIntoLaggingBank(1, "hang");
    expect(row).toMatchObject({ status: "succeeded", attempts: 1 });
    const transfers = await bankTransfersOf(merchant.debtor_iban);
    expect(transfers.map((t) => t.submissions)).toEqual([1]);
    expect(await expectResendsConfirmed(endToEndId(payment.id))).toEqual(["POST", "GET", "GET"]);
    const reasons = (await getPaymentEvents(merchant.api_key, payment.id)).data.map((e) => String(e.detail?.reason ?? ""));
    expect(reasons.some((reason) => reason.startsWith("first 404"))).toBe(true);
  });

  it("from a lagging replica, after a 503: a 404 within the POST's timeout does not count; never resent", async () => {
    const { merchant, payment, row } = await payIntoLaggingBank(2, "server_error");
    expect(row).toMatchObject({ status: "succeeded", attempts: 1 });
    expect((await bankTransfersOf(merchant.debtor_iban)).map((t) => t.submissions)).toEqual([1]);
    expect(await expectResendsConfirmed(endToEndId(payment.id))).toEqual(["POST", "GET", "GET", "GET"]);
  });

  it("is believed after a second 404 at least INQUIRY_CONFIRM_DELAY_MS later, both after the POST's timeout", () => {
    const config = { BANK_TIMEOUT_MS: TEST_BANK_TIMEOUT_MS, INQUIRY_CONFIRM_DELAY_MS: TEST_INQUIRY_CONFIRM_DELAY_MS };
    const sentAt = 1_000_000;
    const attemptOver = sentAt + TEST_BANK_TIMEOUT_MS;
    const sent = { last_sent_at: sentAt, first_not_found_at: null };
    expect(judgeNotFound(sent, attemptOver - 1, config)).toEqual({ kind: "too_early", askAgainAt: attemptOver });
    expect(judgeNotFound(sent, attemptOver, config)).toEqual({ kind: "first", askAgainAt: attemptOver + TEST_INQUIRY_CONFIRM_DELAY_MS });
    const once = { last_sent_at: sentAt, first_not_found_at: attemptOver };
    expect(judgeNotFound(once, attemptOver + TEST_INQUIRY_CONFIRM_DELAY_MS - 1, config).kind).toBe("unconfirmed");
    expect(judgeNotFound(once, attemptOver + TEST_INQUIRY_CONFIRM_DELAY_MS, config)).toEqual({ kind: "confirmed" });
    // A 404 recorded before a later resend's timeout does not count toward confirming after it.
    const resent = { last_sent_at: attemptOver + 5_000, first_not_found_at: attemptOver };
    expect(judgeNotFound(resent, attemptOver + 5_000 + TEST_BANK_TIMEOUT_MS, config).kind).toBe("first");
  });
});
