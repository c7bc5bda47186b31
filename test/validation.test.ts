import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Problem } from "../schemas/problem.ts";
import { createMerchant, json, merchantStub, paymentBody, postPayment } from "./support/api.ts";
import { bankTransfersOf } from "./support/bank.ts";

const VALIDATION = "urn:payment-connector:problem:validation-error";

/** Each case breaks exactly one field; the 400 must name that field. */
const BAD_FIELDS: Array<{ field: string; body: Record<string, unknown> }> = [
  { field: "amount", body: paymentBody({ amount: 0 }) },
  { field: "amount", body: paymentBody({ amount: -1 }) },
  { field: "amount", body: paymentBody({ amount: 12.5 }) },
  { field: "amount", body: paymentBody({ amount: "1250" }) },
  { field: "amount", body: paymentBody({ amount: 2 ** 53 }) },
  { field: "amount", body: (({ amount: _, ...rest }) => rest)(paymentBody()) },
  { field: "currency", body: paymentBody({ currency: "EURO" }) },
  { field: "currency", body: paymentBody({ currency: "eur" }) },
  { field: "currency", body: paymentBody({ currency: "ZZZ" }) },
  { field: "currency", body: paymentBody({ currency: "XAU" }) },
  { field: "creditor.iban", body: paymentBody({ creditor: { name: "Jane", iban: "DE89370400440532013001" } }) },
  { field: "creditor.iban", body: paymentBody({ creditor: { name: "Jane", iban: "DE8937040044053201300" } }) },
  { field: "creditor.iban", body: paymentBody({ creditor: { name: "Jane", iban: "XX89370400440532013000" } }) },
  { field: "creditor.name", body: paymentBody({ creditor: { name: "", iban: "DE89370400440532013000" } }) },
  { field: "creditor.name", body: paymentBody({ creditor: { name: "x".repeat(71), iban: "DE89370400440532013000" } }) },
  { field: "creditor.name", body: paymentBody({ creditor: { name: "Jane\u0000Doe", iban: "DE89370400440532013000" } }) },
  { field: "creditor", body: paymentBody({ creditor: "Jane" }) },
  { field: "creditor.bic", body: paymentBody({ creditor: { name: "Jane", iban: "DE89370400440532013000", bic: "COBADEFFXXX" } }) },
  { field: "reference", body: paymentBody({ reference: "r".repeat(141) }) },
  { field: "reference", body: paymentBody({ reference: "line1\nline2" }) },
  { field: "metadata.order", body: paymentBody({ metadata: { order: 42 } }) },
  { field: "amout", body: { ...paymentBody(), amout: 5 } },
];

describe("payment request validation", () => {
  it.each(BAD_FIELDS)("rejects a bad $field with 400 naming it, no bank call and no row", async ({ field, body }) => {
    const merchant = await createMerchant();
    const response = await postPayment(merchant.api_key, body);
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    const problem = await json<Problem>(response);
    expect(problem.type).toBe(VALIDATION);
    expect(problem.invalid_params?.map((p) => p.name)).toContain(field);

    expect(await bankTransfersOf(merchant.debtor_iban)).toEqual([]);
    const rows = await runInDurableObject(merchantStub(merchant.id), (_instance, state) => ({
      payments: state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM payments").one().n,
      keys: state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM idempotency_keys").one().n,
    }));
    expect(rows).toEqual({ payments: 0, keys: 0 });
  });

  it("never echoes a rejected IBAN back in the error", async () => {
    const merchant = await createMerchant();
    const badIban = "DE89370400440532013001";
    const response = await postPayment(merchant.api_key, paymentBody({ creditor: { name: "Jane", iban: badIban } }));
    expect(await response.text()).not.toContain(badIban);
  });

  it("requires an Idempotency-Key and rejects a malformed one", async () => {
    const merchant = await createMerchant();
    const missing = await postPayment(merchant.api_key, paymentBody(), null);
    expect(missing.status).toBe(400);
    expect((await json<Problem>(missing)).type).toBe("urn:payment-connector:problem:idempotency-key-missing");
    for (const key of ["k".repeat(256), "caf\u00e9"]) {
      const response = await postPayment(merchant.api_key, paymentBody(), key);
      expect(response.status).toBe(400);
      const problem = await json<Problem>(response);
      expect(problem.type).toBe("urn:payment-connector:problem:idempotency-key-invalid");
      expect(problem.invalid_params?.[0]?.name).toBe("Idempotency-Key");
    }
    expect(await bankTransfersOf(merchant.debtor_iban)).toEqual([]);
  });

  it("answers 415 for a non-JSON body and 400 for malformed or ambiguous JSON", async () => {
    const merchant = await createMerchant();
    const form = await postPayment(merchant.api_key, "amount=5", "k1", { "content-type": "application/x-www-form-urlencoded" });
    expect(form.status).toBe(415);
    expect((await json<Problem>(form)).type).toBe("urn:payment-connector:problem:unsupported-media-type");
    for (const raw of ['{"amount": 12', '{"amount":1,"amount":2}', "[".repeat(40) + "]".repeat(40)]) {
      const response = await postPayment(merchant.api_key, raw);
      expect(response.status).toBe(400);
      expect((await json<Problem>(response)).type).toBe("urn:payment-connector:problem:malformed-json");
    }
  });

  it("answers 413 for a body over 16 KiB", async () => {
    const merchant = await createMerchant();
    const response = await postPayment(merchant.api_key, paymentBody({ reference: "x".repeat(20_000) }));
    expect(response.status).toBe(413);
    expect((await json<Problem>(response)).type).toBe("urn:payment-connector:problem:payload-too-large");
  });
});
