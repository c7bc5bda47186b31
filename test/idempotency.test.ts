import { describe, expect, it } from "vitest";
import type { Problem } from "../schemas/problem.ts";
import { createMerchant, endToEndId, json, paymentBody, postPayment } from "./support/api.ts";
import { bankTransfer, bankTransfersOf } from "./support/bank.ts";

describe("Idempotency-Key", () => {
  it("replays the same payment with Idempotent-Replayed and no second bank call", async () => {
    const merchant = await createMerchant();
    const first = await postPayment(merchant.api_key, paymentBody(), "order-1001");
    const firstBody = await first.text();
    const replay = await postPayment(merchant.api_key, paymentBody(), "order-1001");

    expect(replay.status).toBe(first.status);
    expect(await replay.text()).toBe(firstBody);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(replay.headers.get("idempotency-key-expires-at")).toBe(first.headers.get("idempotency-key-expires-at"));
    const payment = JSON.parse(firstBody) as { id: string };
    expect((await bankTransfer(endToEndId(payment.id)))?.submissions).toBe(1);
  });

  it("treats the quoted (structured field) and bare forms as the same key", async () => {
    const merchant = await createMerchant();
    const bare = await json(await postPayment(merchant.api_key, paymentBody(), "abc-123"));
    const quoted = await postPayment(merchant.api_key, paymentBody(), '"abc-123"');
    expect(quoted.headers.get("idempotent-replayed")).toBe("true");
    expect((await json(quoted)).id).toBe(bare.id);
  });

  it("compares the parsed request, not its bytes: key order, spacing and IBAN formatting do not matter", async () => {
    const merchant = await createMerchant();
    const first = await json(await postPayment(merchant.api_key, paymentBody(), "fmt-1"));
    const reordered = JSON.stringify({
      reference: "Invoice 2026-0042",
      creditor: { iban: "DE89 3704 0044 0532 0130 00", name: "Jane Supplier" },
      currency: "EUR",
      amount: 1250,
    });
    const replay = await postPayment(merchant.api_key, reordered, "fmt-1");
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect((await json(replay)).id).toBe(first.id);
  });

  it("answers 422 when the key is reused with a different body, and pays nothing more", async () => {
    const merchant = await createMerchant();
    await postPayment(merchant.api_key, paymentBody(), "order-2002");
    const reuse = await postPayment(merchant.api_key, paymentBody({ amount: 9999 }), "order-2002");
    expect(reuse.status).toBe(422);
    expect(reuse.headers.get("content-type")).toBe("application/problem+json");
    expect((await json<Problem>(reuse)).type).toBe("urn:payment-connector:problem:idempotency-key-reuse");
    expect(await bankTransfersOf(merchant.debtor_iban)).toHaveLength(1);
  });

  it("scopes keys to the merchant: two merchants may use the same key for different payments", async () => {
    const [a, b] = await Promise.all([createMerchant(), createMerchant()]);
    const pa = await json(await postPayment(a.api_key, paymentBody(), "shared-key"));
    const pb = await json(await postPayment(b.api_key, paymentBody({ amount: 77 }), "shared-key"));
    expect(pa.id).not.toBe(pb.id);
    expect(pb.amount).toBe(77);
  });

  it("coalesces 50 concurrent requests with one key onto one bank transfer", async () => {
    const merchant = await createMerchant();
    const responses = await Promise.all(Array.from({ length: 50 }, () => postPayment(merchant.api_key, paymentBody(), "storm-key")));
    const bodies = await Promise.all(responses.map((r) => json(r)));
    const ids = new Set(bodies.map((b) => b.id));
    expect(ids.size).toBe(1);
    expect(new Set(responses.map((r) => r.status))).toEqual(new Set([201]));
    expect(new Set(bodies.map((b) => b.status))).toEqual(new Set(["succeeded"]));
    expect(responses.filter((r) => r.headers.get("idempotent-replayed") === "true")).toHaveLength(49);
    const transfers = await bankTransfersOf(merchant.debtor_iban);
    expect(transfers).toHaveLength(1);
    expect(transfers[0]?.submissions).toBe(1);
  });

  it("stores nothing for a request that fails validation: the key stays free", async () => {
    const merchant = await createMerchant();
    const invalid = await postPayment(merchant.api_key, paymentBody({ amount: -5 }), "fix-and-retry");
    expect(invalid.status).toBe(400);
    const fixed = await postPayment(merchant.api_key, paymentBody(), "fix-and-retry");
    expect(fixed.status).toBe(201);
    expect(fixed.headers.get("idempotent-replayed")).toBeNull();
  });
});
