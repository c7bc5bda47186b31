import { describe, expect, it } from "vitest";
import type { Problem } from "../schemas/problem.ts";
import { createMerchant, json, paymentBody, postPayment } from "./support/api.ts";
import { bankRequestsByDebtor, bankTransfersOf } from "./support/bank.ts";

describe("merchant limits", () => {
  it("refuses a payment over max_amount with 422 and no bank call, and replays that refusal", async () => {
    const merchant = await createMerchant({ limits: { max_amount: 1000 } });
    const over = await postPayment(merchant.api_key, paymentBody({ amount: 1001 }), "big-one");
    expect(over.status).toBe(422);
    const body = await json<Problem>(over);
    expect(body.type).toBe("urn:payment-connector:problem:amount-limit-exceeded");

    // A decision taken after validation is replayed as it was.
    const replay = await postPayment(merchant.api_key, paymentBody({ amount: 1001 }), "big-one");
    expect(replay.status).toBe(422);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect((await json<Problem>(replay)).type).toBe(body.type);

    expect((await postPayment(merchant.api_key, paymentBody({ amount: 1000 }))).status).toBe(201);
    expect(await bankTransfersOf(merchant.debtor_iban)).toHaveLength(1);
  });

  it("refuses a payment that would exceed the daily total of pending and succeeded payments", async () => {
    const merchant = await createMerchant({ limits: { daily_amount: 5000 } });
    expect((await postPayment(merchant.api_key, paymentBody({ amount: 3000 }))).status).toBe(201);
    expect((await postPayment(merchant.api_key, paymentBody({ amount: 2000 }))).status).toBe(201);
    const over = await postPayment(merchant.api_key, paymentBody({ amount: 1 }));
    expect(over.status).toBe(422);
    expect((await json<Problem>(over)).type).toBe("urn:payment-connector:problem:daily-limit-exceeded");
    // Another currency has its own daily total (and the simulator refuses CHF, which frees the amount again).
    const chf = await postPayment(merchant.api_key, paymentBody({ amount: 4000, currency: "CHF" }));
    expect(chf.status).toBe(201);
    expect((await json(chf)).status).toBe("failed");
    expect(await bankTransfersOf(merchant.debtor_iban)).toHaveLength(2);
  });

  it("does not count failed payments against the daily limit", async () => {
    const merchant = await createMerchant({ limits: { daily_amount: 5000 } });
    // CHF passes admission (vitest.config.ts: BANK_CURRENCIES=EUR,CHF) but the simulator books EUR only:
    // the bank refuses it, the payment fails and its amount is released.
    const refused = await json(await postPayment(merchant.api_key, paymentBody({ amount: 5000, currency: "CHF" })));
    expect(refused.status).toBe("failed");
    expect(refused.failure?.code).toBe("bank_refused");
    const again = await json(await postPayment(merchant.api_key, paymentBody({ amount: 5000, currency: "CHF" })));
    expect(again.status).toBe("failed");
    expect((await postPayment(merchant.api_key, paymentBody({ amount: 5000 }))).status).toBe(201);
  });
});

describe("currencies the bank does not take (BANK_CURRENCIES)", () => {
  it("refuses them with 422 currency-not-supported before any bank call, and replays that refusal", async () => {
    const merchant = await createMerchant();
    const usd = await postPayment(merchant.api_key, paymentBody({ currency: "USD" }), "usd-one");
    expect(usd.status).toBe(422);
    const body = await json<Problem>(usd);
    expect(body.type).toBe("urn:payment-connector:problem:currency-not-supported");
    expect(body.detail).toContain("USD");
    const replay = await postPayment(merchant.api_key, paymentBody({ currency: "USD" }), "usd-one");
    expect(replay.status).toBe(422);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await bankRequestsByDebtor(merchant.debtor_iban)).toEqual([]);
  });
});
