/**
 * A bank that contradicts itself: it acknowledged a transfer (ACSP, with a
 * transfer id) and later answers 404 to an inquiry. A 404 normally proves
 * "never received, safe to send again"; after an acknowledgement it proves
 * only that the bank is inconsistent, so the connector must keep asking and
 * never POST the transfer again.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { bankRequestsFor } from "./support/bank.ts";
import { createMerchant, json, merchantStub, paymentBody, postPayment } from "./support/api.ts";
import { setDebtorScenario } from "./support/reconciliation.ts";
import { paymentRow } from "./support/recovery.ts";

describe("a bank that forgets a transfer it acknowledged", () => {
  it("is asked again, never sent the transfer a second time", async () => {
    const merchant = await createMerchant();
    await setDebtorScenario(merchant.debtor_iban, { booking_status: "ACSP" });
    const payment = await json(await postPayment(merchant.api_key, paymentBody()));
    expect(payment).toMatchObject({ status: "pending", bank: { status: "ACSP" } });

    // Make the bank "lose" it: point the payment at an end-to-end id the bank never saw.
    const lostId = `LOST${payment.id.slice(-22)}`;
    await runInDurableObject(merchantStub(merchant.id), (_instance, state) => {
      state.storage.sql.exec(`UPDATE payments SET end_to_end_id = ? WHERE id = ?`, lostId, payment.id);
    });
    await merchantStub(merchant.id).recoverDuePayments(Number.MAX_SAFE_INTEGER);

    expect((await bankRequestsFor(lostId)).map((r) => r.method)).toEqual(["GET"]);
    const row = await paymentRow(merchant.id, payment.id);
    expect(row).toMatchObject({ status: "pending", bank_phase: "acknowledged", attempts: 1 });
    expect(row?.next_action_at).not.toBeNull();
    const events = await runInDurableObject(merchantStub(merchant.id), (_instance, state) =>
      state.storage.sql.exec<{ detail: string }>(`SELECT detail FROM payment_events WHERE payment_id = ? ORDER BY seq`, payment.id).toArray(),
    );
    expect(events.at(-1)?.detail).toContain("not resent");
  });
});
