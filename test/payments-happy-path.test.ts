import { describe, expect, it } from "vitest";
import { createMerchant, endToEndId, getPayment, json, paymentBody, postPayment } from "./support/api.ts";
import { bankRequestsFor, bankTransfer } from "./support/bank.ts";

describe("POST /v1/payments happy path", () => {
  it("pays through the bank over mTLS and the payment is readable by id", async () => {
    const merchant = await createMerchant();
    const response = await postPayment(merchant.api_key, paymentBody());
    expect(response.status).toBe(201);
    const payment = await json(response);
    expect(payment).toMatchObject({ status: "succeeded", amount: 1250, currency: "EUR", bank: { status: "ACSC" } });
    expect(payment.id).toMatch(/^pay_[0-9A-Z]{26}$/);
    expect(response.headers.get("location")).toBe(`/v1/payments/${payment.id}`);
    expect(response.headers.get("idempotency-key-expires-at")).toMatch(/^\d{4}-\d\d-\d\dT/);

    const transfer = await bankTransfer(endToEndId(payment.id));
    expect(transfer).toMatchObject({ submissions: 1, amount: { value: 1250, currency: "EUR" }, debtor_iban: merchant.debtor_iban });
    // The bank saw our client certificate: the handshake was real mTLS.
    const requests = await bankRequestsFor(endToEndId(payment.id));
    expect(requests.map((r) => r.client_cn)).toEqual(["payment-connector-dev"]);

    const read = await getPayment(merchant.api_key, payment.id);
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual(payment);
  });
});
