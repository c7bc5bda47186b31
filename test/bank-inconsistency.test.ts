/**
 * A bank that contradicts itself: it acknowledged a transfer (ACSP, with a
 * transfer id) and later answers 404 to an inquiry. A 404 normally proves
 * "never received, safe to send again"; after an acknowledgement it proves
 * only that the bank is inconsistent, so the connector must keep asking and
 * never POST the transfer again.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createMerchant, endToEndId, getPayment, getPaymentEvents, json, merchantStub, paymentBody, postPayment } from "./support/api.ts";
import { bankRequestsFor } from "./support/bank.ts";
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
      state.storage.sql
        .exec<{ detail: string }>(`SELECT detail FROM payment_events WHERE payment_id = ? ORDER BY seq`, payment.id)
        .toArray(),
    );
    expect(events.at(-1)?.detail).toContain("not resent");
  });
});

describe("a bank that contradicts a final status", () => {
  it("keeps the status, and records the contradiction in the payment's history for the merchant", async () => {
    const merchant = await createMerchant();
    const payment = await json(await postPayment(merchant.api_key, paymentBody()));
    expect(payment.status).toBe("succeeded");

    // An answer that arrives after the payment was final (e.g. an inquiry racing reconciliation) says RJCT.
    await runInDurableObject(merchantStub(merchant.id), (instance) => {
      instance.seams.recordOutcome(
        payment.id,
        1,
        {
          kind: "accepted",
          transfer: {
            transfer_id: payment.bank?.transfer_id ?? "",
            end_to_end_id: endToEndId(payment.id),
            status: "RJCT",
            reason_code: "AC04",
            status_at: new Date().toISOString(),
          },
        },
        { operation: "inquiry" },
      );
    });

    const after = await json(await getPayment(merchant.api_key, payment.id));
    expect(after).toMatchObject({ status: "succeeded", updated_at: payment.updated_at, bank: { status: "ACSC" } });
    const history = await getPaymentEvents(merchant.api_key, payment.id);
    expect(history.verified).toBe(true);
    expect(history.data.at(-1)).toMatchObject({
      from_status: "succeeded",
      to_status: "succeeded",
      bank_status: "RJCT",
      reason_code: "AC04",
      detail: { operation: "inquiry" },
    });
    expect(String(history.data.at(-1)?.detail?.contradiction)).toContain("RJCT");
  });
});
