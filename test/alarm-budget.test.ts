/**
 * Webhook delivery must not delay payment recovery (src/merchant-object/alarm-run.ts).
 * An endpoint that takes the whole WEBHOOK_TIMEOUT_MS per attempt keeps a
 * delivery loop busy round after round; a payment's inquiry that comes due
 * meanwhile must still start within a second of its due time. The alarms
 * here are the runtime's own (nothing drives them).
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createMerchant, endToEndId, json, merchantStub, paymentBody, postPayment } from "./support/api.ts";
import { bankRequestsFor } from "./support/bank.ts";
import { addFault } from "./support/faults.ts";
import { sleep } from "./support/recovery.ts";
import { registerEndpoint, uniqueHookPath } from "./support/webhooks.ts";

/** Payments whose events queue up at the slow endpoint: with 4 attempts in flight per endpoint, several rounds of a timeout each. */
const BUSY_PAYMENTS = 20;
/** The endpoint answers after this long; the connector gives up at WEBHOOK_TIMEOUT_MS (1 s in tests) and retries a minute later. */
const ENDPOINT_DELAY_MS = 10_000;
const INQUIRY_DUE_IN_MS = 1_500;
const MAX_LATENESS_MS = 1_000;

describe("the alarm's time budget", () => {
  it("a due inquiry starts within 1 s of its due time while a webhook endpoint takes its whole timeout per attempt", async () => {
    const merchant = await createMerchant();
    const script = Array.from({ length: 4 * BUSY_PAYMENTS }, () => ({ status: 200, delayMs: ENDPOINT_DELAY_MS }));
    await registerEndpoint(merchant.api_key, uniqueHookPath(), { script });
    // The payment to inquire: held in ACSP by the bank, settled at its first inquiry.
    await addFault({
      match: { debtor_iban: merchant.debtor_iban, operation: "submit" },
      action: { kind: "async_settlement", interim: "ACSP", final: "ACSC", after_inquiries: 1 },
      times: 1,
    });
    const key = crypto.randomUUID();
    const body = paymentBody();
    const held = await json(await postPayment(merchant.api_key, body, key));
    expect(held.status).toBe("pending");
    const setNextAction = (at: number) =>
      runInDurableObject(merchantStub(merchant.id), (_instance, state) => {
        state.storage.sql.exec(`UPDATE payments SET next_action_at = ? WHERE id = ?`, at, held.id);
      });
    // Not before the endpoint is busy.
    await setNextAction(Date.now() + 3_600_000);
    // Busy the endpoint: every status change is a delivery, each attempt cut at the timeout.
    for (let i = 0; i < BUSY_PAYMENTS; i++) await (await postPayment(merchant.api_key, paymentBody({ amount: 100 + i }))).body?.cancel();

    const dueAt = Date.now() + INQUIRY_DUE_IN_MS;
    await setNextAction(dueAt);
    // A replay of a pending payment makes sure the alarm comes back for it by then.
    expect((await postPayment(merchant.api_key, body, key)).status).toBe(202);

    let inquiry: { at: string } | undefined;
    for (const deadline = Date.now() + 15_000; !inquiry && Date.now() < deadline; await sleep(100)) {
      inquiry = (await bankRequestsFor(endToEndId(held.id))).find((request) => request.method === "GET");
    }
    expect(inquiry, "the inquiry was made").toBeDefined();
    const lateness = Date.parse(inquiry?.at ?? "") - dueAt;
    console.info("alarm budget: inquiry started", lateness, "ms after its due time");
    expect(lateness).toBeLessThan(MAX_LATENESS_MS);
  });
});
