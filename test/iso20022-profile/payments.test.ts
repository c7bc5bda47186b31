/**
 * Paying through the ISO 20022 profile (BANK_PROFILE=iso20022, this
 * project's setting): what the merchant API promises does not change, the
 * bank receives a pain.001 built once (a resend sends the same bytes), the
 * admission refuses what a pain.001 cannot carry without calling the bank,
 * and texts are transliterated on the wire only.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Problem } from "../../schemas/problem.ts";
import { createMerchant, endToEndId, getPayment, json, paymentBody, postPayment } from "../support/api.ts";
import { bankRequestsByDebtor, bankRequestsFor, bankTransfersOf, boundBank } from "../support/bank.ts";
import { testProfile } from "../support/bank-adapters.ts";
import { addFault } from "../support/faults.ts";
import { driveRecoveryToCompletion, paymentRow, pointMerchantAtBank } from "../support/recovery.ts";
import { expectResendsConfirmed } from "../support/resends.ts";

/** The BANK binding, recording the body of every request that goes through it. */
function recordingBank(bodies: string[]): Fetcher {
  const bank = boundBank();
  return {
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      if (typeof init?.body === "string") bodies.push(init.body);
      return bank.fetch(input, init);
    },
    connect: () => {
      throw new Error("unused");
    },
  } as unknown as Fetcher;
}

describe("payments through the ISO 20022 profile", () => {
  it("runs in this project", () => {
    expect(testProfile()).toBe("iso20022");
    expect(env.BANK_PROFILE).toBe("iso20022");
  });

  it("pays with a pain.001 and reads the pain.002: succeeded, booked once, only ISO endpoints called", async () => {
    const merchant = await createMerchant();
    const response = await postPayment(merchant.api_key, paymentBody({ amount: 123_456 }));
    expect(response.status).toBe(201);
    const payment = await json(response);
    expect(payment).toMatchObject({ status: "succeeded", amount: 123_456, currency: "EUR", bank: { status: "ACSC" } });
    const [transfer] = await bankTransfersOf(merchant.debtor_iban);
    expect(transfer).toMatchObject({ end_to_end_id: endToEndId(payment.id), amount: { value: 123_456, currency: "EUR" }, submissions: 1 });
    expect(payment.bank?.transfer_id).toBe(transfer?.transfer_id);
    const requests = await bankRequestsFor(endToEndId(payment.id));
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /iso20022/payments"]);
  });

  it("builds the document once: a resend after an unknown outcome sends the same bytes", async () => {
    const merchant = await createMerchant();
    const bodies: string[] = [];
    await pointMerchantAtBank(merchant.id, recordingBank(bodies));
    await addFault({
      match: { debtor_iban: merchant.debtor_iban, operation: "submit" },
      action: { kind: "reset", record: false },
      times: 1,
    });
    const payment = await json(await postPayment(merchant.api_key, paymentBody()));
    expect(payment.status).toBe("pending");
    const stored = await paymentRow(merchant.id, payment.id);
    expect(stored).toMatchObject({ bank_request_format: "iso20022", attempts: 1 });
    await driveRecoveryToCompletion([merchant.id]);
    expect((await json(await getPayment(merchant.api_key, payment.id))).status).toBe("succeeded");
    // One resend, and only after the bank's absence was confirmed (two 404s INQUIRY_CONFIRM_DELAY_MS apart).
    const methods = await expectResendsConfirmed(endToEndId(payment.id));
    expect(methods.filter((method) => method === "POST")).toEqual(["POST", "POST"]);
    // Both POSTs carried the stored document, byte for byte (CreDtTm included).
    expect(bodies).toHaveLength(2);
    expect(bodies[1]).toBe(bodies[0]);
    expect(bodies[0]).toBe(stored?.bank_request);
    expect(bodies[0]).toContain(`<EndToEndId>${endToEndId(payment.id)}</EndToEndId>`);
    expect((await paymentRow(merchant.id, payment.id))?.bank_request).toBe(stored?.bank_request);
  });

  it("sends texts in the SEPA character set; the payment keeps what the merchant wrote", async () => {
    const merchant = await createMerchant();
    const bodies: string[] = [];
    await pointMerchantAtBank(merchant.id, recordingBank(bodies));
    const creditor = { name: "Jürgen Müller & Søn Łódź", iban: "DE89370400440532013000" };
    const reference = "Rechnung Nr. 42 – für März 🧾";
    const payment = await json(await postPayment(merchant.api_key, paymentBody({ creditor, reference })));
    expect(payment).toMatchObject({ status: "succeeded", creditor, reference });
    expect(bodies[0]).toContain("<Nm>Jurgen Muller . Son Lodz</Nm>");
    expect(bodies[0]).toContain("<Ustrd>Rechnung Nr. 42 . fur Marz .</Ustrd>");
  });

  it("refuses, without calling the bank, a currency other than EUR and an amount above 999,999,999.99", async () => {
    const merchant = await createMerchant();
    // CHF is in BANK_CURRENCIES for the tests, but a pain.001 carries EUR only.
    for (const [body, slug] of [
      [paymentBody({ currency: "CHF" }), "currency-not-supported"],
      [paymentBody({ currency: "USD" }), "currency-not-supported"],
      [paymentBody({ amount: 100_000_000_000 }), "amount-out-of-range"],
    ] as const) {
      const response = await postPayment(merchant.api_key, body);
      expect(response.status).toBe(422);
      expect((await json<Problem>(response)).type).toBe(`urn:payment-connector:problem:${slug}`);
    }
    expect((await postPayment(merchant.api_key, paymentBody({ amount: 99_999_999_999 }))).status).toBe(201);
    expect(await bankRequestsByDebtor(merchant.debtor_iban)).toHaveLength(1);
  });

  it("a 422 RJCT report is a refusal with the bank's reason code; an unreadable 200 is unknown, resolved by inquiry", async () => {
    const merchant = await createMerchant();
    await addFault({
      match: { debtor_iban: merchant.debtor_iban, operation: "submit" },
      action: { kind: "refuse", status: 422, code: "AM05" },
      times: 1,
    });
    const refused = await json(await postPayment(merchant.api_key, paymentBody()));
    expect(refused).toMatchObject({ status: "failed", failure: { code: "bank_refused" } });
    expect(refused.failure?.message).toContain("AM05");

    await addFault({ match: { debtor_iban: merchant.debtor_iban, operation: "submit" }, action: { kind: "contract_violation" }, times: 1 });
    const unknown = await json(await postPayment(merchant.api_key, paymentBody({ amount: 777 })));
    expect(unknown.status).toBe("pending");
    await driveRecoveryToCompletion([merchant.id]);
    expect((await json(await getPayment(merchant.api_key, unknown.id))).status).toBe("succeeded");
  });
});
