/**
 * A bank that writes its times with a UTC offset ("+01:00", "+00:00")
 * instead of "Z". RFC 3339 allows it; the instant is the same. Such answers
 * must be read, not treated as invalid (which would leave every payment of
 * that bank pending until reconciliation).
 */
import { describe, expect, it } from "vitest";
import { createMerchant, endToEndId, json, paymentBody, postPayment } from "./support/api.ts";
import { bankTransfer } from "./support/bank.ts";
import { addFault } from "./support/faults.ts";
import { driveRecoveryToCompletion, paymentRow } from "./support/recovery.ts";

describe("a bank that sends its times with an offset", () => {
  for (const offset of ["+01:00", "+00:00", "-05:00"]) {
    it(`answers a submission with ${offset}: final at once, booked at the same instant`, async () => {
      const merchant = await createMerchant();
      await addFault({ match: { debtor_iban: merchant.debtor_iban, operation: "submit" }, action: { kind: "offset_timestamps", offset } });
      const response = await postPayment(merchant.api_key, paymentBody());
      const payment = await json(response);
      expect(response.status).toBe(201);
      expect(payment.status).toBe("succeeded");
      const ledger = (await bankTransfer(endToEndId(payment.id))) as unknown as { booked_at: string };
      expect((await paymentRow(merchant.id, payment.id))?.bank_booked_at).toBe(Date.parse(ledger.booked_at));
    });
  }

  it("answers inquiries with an offset: an unknown outcome is resolved by the first inquiry", async () => {
    const merchant = await createMerchant();
    await addFault({
      match: { debtor_iban: merchant.debtor_iban, operation: "submit" },
      action: { kind: "server_error", status: 503, record: true },
      times: 1,
    });
    await addFault({
      match: { debtor_iban: merchant.debtor_iban, operation: "inquiry" },
      action: { kind: "offset_timestamps", offset: "+01:00" },
    });
    const payment = await json(await postPayment(merchant.api_key, paymentBody()));
    expect(payment.status).toBe("pending");
    // Every inquiry is answered with +01:00: read as invalid, the payment would never resolve this way.
    await driveRecoveryToCompletion([merchant.id], { maxRounds: 30 });
    expect(await paymentRow(merchant.id, payment.id)).toMatchObject({ status: "succeeded", inquiries: 1 });
  });
});
