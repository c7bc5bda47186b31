/**
 * The return watch's schedule and watermark: it polls only while a payment
 * succeeded within RETURN_WINDOW_DAYS, every RETURNS_POLL_INTERVAL_MS, walks
 * every page, and moves its watermark forward only over pages it applied.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { endToEndId, json, merchantStub, paymentBody, postPayment } from "./support/api.ts";
import { addFault } from "./support/faults.ts";
import { createIsolatedMerchant, setDebtorScenario } from "./support/reconciliation.ts";
import { returnTransfer } from "./support/returns.ts";

/** schemas/config.ts defaults; the test Worker does not override them. */
const RETURNS_POLL_INTERVAL_MS = 15 * 60_000;
const RETURN_WINDOW_MS = 14 * 86_400_000;

type WatchRow = { since: number | null; polled_at: number | null; last_succeeded_at: number | null };

async function watch(merchantId: string): Promise<WatchRow> {
  return runInDurableObject(merchantStub(merchantId), (_instance, state) =>
    state.storage.sql.exec<WatchRow>(`SELECT since, polled_at, last_succeeded_at FROM return_watch`).one(),
  );
}

async function pollAt(merchantId: string, asOf: number) {
  return runInDurableObject(merchantStub(merchantId), (instance) => instance.pollBankReturns(asOf));
}

describe("the return watch", () => {
  it("polls only while a payment succeeded within the window, once per interval", async () => {
    const merchant = await createIsolatedMerchant("Watched Shop GmbH");
    expect(await pollAt(merchant.id, Date.now() + RETURN_WINDOW_MS)).toEqual({ pages: 0, entries: 0 });
    expect(await watch(merchant.id)).toEqual({ since: null, polled_at: null, last_succeeded_at: null });

    const payment = await json(await postPayment(merchant.api_key, paymentBody()));
    const succeededAt = Date.parse(payment.updated_at);
    const started = await watch(merchant.id);
    expect(started.last_succeeded_at).toBe(succeededAt);
    // The first watermark is a little before the success, for a bank clock behind ours.
    expect(started.since).toBeLessThan(succeededAt);

    // Due at once (asOf a little ahead: the object's clock reads a later instant than this one).
    expect(await pollAt(merchant.id, Date.now() + 1_000)).toMatchObject({ pages: 1, entries: 0 });
    const polledAt = (await watch(merchant.id)).polled_at ?? 0;
    expect(await pollAt(merchant.id, polledAt + RETURNS_POLL_INTERVAL_MS - 1)).toEqual({ pages: 0, entries: 0 });
    expect(await pollAt(merchant.id, polledAt + RETURNS_POLL_INTERVAL_MS)).toMatchObject({ pages: 1 });

    // Past the window nothing is due any more: the object's clock moves 14 days on.
    const late = await runInDurableObject(merchantStub(merchant.id), async (instance) => {
      const real = instance.seams.clock;
      instance.seams.clock = { now: () => real.now() + RETURN_WINDOW_MS };
      try {
        return await instance.pollBankReturns(Number.MAX_SAFE_INTEGER);
      } finally {
        instance.seams.clock = real;
      }
    });
    expect(late).toEqual({ pages: 0, entries: 0 });
  });

  it("walks every page, moves the watermark to the latest booking applied, and keeps it when the bank cannot be read", async () => {
    const merchant = await createIsolatedMerchant("Paged Returns GmbH");
    await setDebtorScenario(merchant.debtor_iban, { page_size: 1 });
    const payments = [
      await json(await postPayment(merchant.api_key, paymentBody())),
      await json(await postPayment(merchant.api_key, paymentBody())),
    ];
    await pollAt(merchant.id, Date.now() + 1_000);
    const before = await watch(merchant.id);
    const entries = [];
    for (const payment of payments) entries.push(await returnTransfer(endToEndId(payment.id)));

    await addFault({
      match: { debtor_iban: merchant.debtor_iban, operation: "notification" },
      action: { kind: "server_error", status: 503, record: false },
      times: 1,
    });
    const failed = await pollAt(merchant.id, Number.MAX_SAFE_INTEGER - 1);
    expect(failed).toMatchObject({ pages: 0, entries: 0, failure: "bank answered 503" });
    expect((await watch(merchant.id)).since).toBe(before.since);

    const polled = await runInDurableObject(merchantStub(merchant.id), async (instance) => {
      const real = instance.seams.clock;
      instance.seams.clock = { now: () => real.now() + RETURNS_POLL_INTERVAL_MS };
      try {
        return await instance.pollBankReturns(Number.MAX_SAFE_INTEGER);
      } finally {
        instance.seams.clock = real;
      }
    });
    expect(polled).toMatchObject({ pages: 2, entries: 2 });
    expect((await watch(merchant.id)).since).toBe(Math.max(...entries.map((entry) => Date.parse(entry.booked_at))));
  });
});
