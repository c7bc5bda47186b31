/**
 * Time to truth after an outage (src/payments/healing-wake.ts): when the
 * bank answers again, every pending payment of the object is pulled forward
 * and spread over HEALED_SPREAD_MS instead of waiting out its backoff; a
 * payment confirming a 404 keeps its spacing; a bank that fails again during
 * the spread sends the rest back to their backoff. Outages here are emulated
 * by pointing one merchant object at a port where nothing listens, and their
 * length by pushing the payments' next actions out as far as the backoff's
 * 5-minute ceiling would.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { PaymentRow } from "../src/payments/payment-row.ts";
import { createMerchant, json, merchantStub, paymentBody, postPayment } from "./support/api.ts";
import { boundBank } from "./support/bank.ts";
import { paymentRows, pointMerchantAtBank, sleep } from "./support/recovery.ts";

/** schemas/config.ts defaults (the test Worker does not override them). */
const HEALED_SPREAD_MS = 5_000;
const OUTAGE_BACKOFF_MS = 5 * 60_000;
const PAYMENTS = 10;
/** vitest.config.ts BANK_CIRCUIT_COOLDOWN_MS. */
const BANK_CIRCUIT_COOLDOWN_MS = 200;
const OUTAGE_WATCH_MS = 4_000;
/** A first 404 recorded just before the bank healed; its confirming inquiry is due this long after. */
const CONFIRMATION_DUE_IN_MS = 8_000;

async function merchantThroughAnOutage() {
  const merchant = await createMerchant();
  await pointMerchantAtBank(merchant.id, env.BANK_UNREACHABLE);
  const ids: string[] = [];
  for (let i = 0; i < PAYMENTS; i++) ids.push((await json(await postPayment(merchant.api_key, paymentBody({ amount: 100 + i })))).id);
  return { merchant, ids };
}

async function sqlIn(merchantId: string, query: string, ...bindings: Array<string | number>): Promise<void> {
  await runInDurableObject(merchantStub(merchantId), (_instance, state) => {
    state.storage.sql.exec(query, ...bindings);
  });
}

describe("a sustained outage", () => {
  it("storms nothing: never-sent payments wait behind the circuit, one probe per cool-down", async () => {
    const warnings = vi.spyOn(console, "warn");
    try {
      const started = Date.now();
      const { merchant } = await merchantThroughAnOutage();
      await sleep(OUTAGE_WATCH_MS);
      const elapsed = Date.now() - started;
      const calls = warnings.mock.calls
        .map((args) => {
          try {
            return JSON.parse(String(args[0])) as { event?: string; merchant_id?: string; operation?: string };
          } catch {
            return {};
          }
        })
        .filter((line) => line.event === "bank_call" && line.merchant_id === merchant.id);
      const count = (operation: string) => calls.filter((line) => line.operation === operation).length;
      // Only the first payment was ever sent (its failure cannot prove it did not arrive); the others were held.
      expect(count("submit")).toBe(1);
      // Probes (and the inquiries of the one payment the bank may hold, on its backoff) at most one per cool-down.
      expect(count("probe") + count("inquiry")).toBeLessThanOrEqual(Math.ceil(elapsed / BANK_CIRCUIT_COOLDOWN_MS) + 1);
      console.info(
        "outage:",
        JSON.stringify({ elapsed_ms: elapsed, submits: count("submit"), probes: count("probe"), inquiries: count("inquiry") }),
      );
    } finally {
      warnings.mockRestore();
    }
  });
});

describe("the bank heals", () => {
  it("pending payments are pulled forward and final within HEALED_SPREAD_MS, except a 404 confirmation, which keeps its spacing", async () => {
    const { merchant, ids } = await merchantThroughAnOutage();
    const rows = await paymentRows(merchant.id);
    expect(rows.every((row) => row.status === "pending")).toBe(true);
    // A long outage: every payment's next action is minutes out. One was confirming a 404 when the bank came back.
    const now = Date.now();
    await sqlIn(
      merchant.id,
      `UPDATE payments SET next_action_at = ? + (ABS(RANDOM()) % 60000) WHERE status = 'pending'`,
      now + OUTAGE_BACKOFF_MS,
    );
    const confirming = ids[0] as string;
    const confirmationAt = now + CONFIRMATION_DUE_IN_MS;
    await sqlIn(
      merchant.id,
      `UPDATE payments SET bank_phase = 'unknown', bank_may_hold = 1, last_sent_at = ?, first_not_found_at = ?, next_action_at = ? WHERE id = ?`,
      now - 10_000,
      now - 100,
      confirmationAt,
      confirming,
    );

    await pointMerchantAtBank(merchant.id, boundBank());
    const healedAt = Date.now();
    // The object's own alarms do the rest: a probe within a cool-down, then the spread.
    let final: PaymentRow[] = [];
    let confirmationKept = false;
    for (const deadline = healedAt + 30_000; Date.now() < deadline; await sleep(200)) {
      final = await paymentRows(merchant.id);
      const row = final.find((r) => r.id === confirming);
      if (Date.now() < confirmationAt - 1_000 && row?.next_action_at === confirmationAt) confirmationKept = true;
      if (final.every((r) => r.status !== "pending")) break;
    }
    expect(final.map((r) => r.status)).toEqual(Array(PAYMENTS).fill("succeeded"));
    const secondsToFinal = final.map((r) => ({ id: r.id, ms: r.updated_at - healedAt }));
    console.info("healing: ms from the bank's return to final", JSON.stringify(secondsToFinal.map((r) => r.ms)));
    for (const { id, ms } of secondsToFinal) {
      if (id === confirming) expect(ms).toBeGreaterThanOrEqual(CONFIRMATION_DUE_IN_MS - 500);
      else expect(ms, id).toBeLessThan(HEALED_SPREAD_MS + 3_000);
    }
    expect(confirmationKept, "the 404 confirmation was not pulled forward").toBe(true);
  });

  it("an object restarted during the outage (a deploy) still probes, and its payments are pulled forward when the bank is back", async () => {
    const { merchant } = await merchantThroughAnOutage();
    const now = Date.now();
    await sqlIn(merchant.id, `UPDATE payments SET next_action_at = ? WHERE status = 'pending'`, now + OUTAGE_BACKOFF_MS);
    // The object restarts (a deploy): the new instance knows nothing in memory, and calls the real bank again.
    await runInDurableObject(merchantStub(merchant.id), (_instance, state) => state.abort("deploy")).catch(() => undefined);
    const healedAt = Date.now();
    let final: PaymentRow[] = [];
    for (const deadline = healedAt + 20_000; Date.now() < deadline; await sleep(200)) {
      final = await paymentRows(merchant.id);
      if (final.every((r) => r.status !== "pending")) break;
    }
    expect(final.map((r) => r.status)).toEqual(Array(PAYMENTS).fill("succeeded"));
    for (const row of final) expect(row.updated_at - healedAt, row.id).toBeLessThan(HEALED_SPREAD_MS + 5_000);
  });

  it("never-sent payments held behind the circuit until a cool-down after the probe are taken up in the spread, not a cool-down later", async () => {
    const { merchant } = await merchantThroughAnOutage();
    const frozenAt = Date.now();
    await runInDurableObject(merchantStub(merchant.id), (instance) => {
      instance.seams.clock = { now: () => frozenAt };
    });
    // As a suspect circuit leaves them while another payment's probe is out (production's cool-down equals the spread):
    // due just inside the spread, so "due later than the spread" alone would leave them waiting that long after the heal.
    const heldUntil = frozenAt + HEALED_SPREAD_MS - 1;
    await sqlIn(merchant.id, `UPDATE payments SET next_action_at = ? WHERE status = 'pending' AND bank_phase = 'queued'`, heldUntil);
    await sqlIn(
      merchant.id,
      `UPDATE payments SET next_action_at = ? WHERE status = 'pending' AND bank_phase != 'queued'`,
      frozenAt + OUTAGE_BACKOFF_MS,
    );
    const held = (await paymentRows(merchant.id)).filter((r) => r.next_action_at === heldUntil).map((r) => r.id);
    expect(held.length).toBe(PAYMENTS - 1);

    await pointMerchantAtBank(merchant.id, boundBank());
    await merchantStub(merchant.id).recoverDuePayments(frozenAt + 1_000);
    const rows = await paymentRows(merchant.id);
    const stillHeld = rows.filter((r) => held.includes(r.id) && r.status === "pending" && (r.next_action_at ?? 0) >= heldUntil);
    expect(stillHeld.map((r) => r.id)).toEqual([]);
    // Spread over the heal's HEALED_SPREAD_MS, the one the bank may hold first: a 404 to it must be confirmed
    // INQUIRY_CONFIRM_DELAY_MS later before it can be resent, so its clock starts first (it was due last, minutes out).
    const mayHold = rows.find((r) => !held.includes(r.id));
    const times = rows.filter((r) => r.status === "pending").map((r) => r.next_action_at ?? 0);
    expect(mayHold?.next_action_at).toBe(Math.min(...times));
    expect(new Set(times).size).toBe(times.length);
  });

  it("a bank that fails again during the spread: the payments not yet started return to their backoff", async () => {
    const { merchant } = await merchantThroughAnOutage();
    // The object's clock stands still, so only the calls made here move anything.
    const frozenAt = Date.now();
    await runInDurableObject(merchantStub(merchant.id), (instance) => {
      instance.seams.clock = { now: () => frozenAt };
    });
    const backoffAt = frozenAt + OUTAGE_BACKOFF_MS;
    await sqlIn(merchant.id, `UPDATE payments SET next_action_at = ? WHERE status = 'pending'`, backoffAt);

    // The bank is back: nothing is due, so the circuit's probe goes, succeeds, and pulls everything forward.
    await pointMerchantAtBank(merchant.id, boundBank());
    await merchantStub(merchant.id).recoverDuePayments(frozenAt + 1_000);
    const pending = (await paymentRows(merchant.id)).filter((r) => r.status === "pending");
    for (const row of pending) expect(row.next_action_at ?? 0, row.id).toBeLessThan(frozenAt + HEALED_SPREAD_MS);
    // (A payment the object's own alarm stepped meanwhile was already due sooner: nothing to pull.)
    const spread = pending.filter((r) => r.woken_from_at === backoffAt);
    expect(spread.length).toBeGreaterThan(PAYMENTS / 2);

    // It fails again on the first pulled-forward calls: the rest go back to where they were.
    await pointMerchantAtBank(merchant.id, env.BANK_UNREACHABLE);
    await merchantStub(merchant.id).recoverDuePayments(frozenAt + 1_000);
    const after = (await paymentRows(merchant.id)).filter((r) => r.status === "pending");
    const untouched = after.filter((r) => (r.next_action_at ?? 0) >= backoffAt);
    expect(untouched.length).toBeGreaterThan(0);
    expect(after.every((r) => r.woken_from_at === null)).toBe(true);
    expect(after.filter((r) => (r.next_action_at ?? 0) < frozenAt + HEALED_SPREAD_MS).length).toBeLessThan(spread.length);
  });
});
