/**
 * News of the bank across merchant objects (src/registry/bank-news.ts): the
 * registry's decisions (who is told what, when), a merchant object hearing
 * news (its circuit moves, its payments do not), and the whole path: two
 * merchants meeting an outage make a third hold its never-sent payments
 * although its own bank answers, and one of them finding the bank back
 * makes the third probe at once.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { bankCallReport } from "../src/bank/bank-health-report.ts";
import type { ObjectStore } from "../src/platform/object-store.ts";
import { ACTIVE_WINDOW_MS, noteMerchantCircuit, noteToldDown, type SharedNews } from "../src/registry/bank-news.ts";
import { createMerchant, json, merchantStub, paymentBody, postPayment } from "./support/api.ts";
import { boundBank } from "./support/bank.ts";
import { paymentRow, paymentRows, pointMerchantAtBank } from "./support/recovery.ts";

/** vitest.config.ts BANK_CIRCUIT_COOLDOWN_MS. */
const COOLDOWN_MS = 200;

/** A registry of its own, so the other tests' reports do not count. */
function freshRegistry() {
  return env.REGISTRY.get(env.REGISTRY.idFromName(`bank-news-${crypto.randomUUID()}`));
}

type Store = ObjectStore;

/** A merchant's report: failing by its own calls, failing only because news opened its circuit, or not failing. */
type Circuit = boolean | "by news";
type Note = (id: string, circuit: Circuit, at: number) => SharedNews | null;

/** The registry's decisions on a registry of its own; `at` is both the report's time and its arrival. */
async function withDecisions(work: (note: Note, store: Store) => void) {
  await runInDurableObject(freshRegistry(), (_instance, state) => {
    const store: Store = { sql: state.storage.sql, transactionSync: (run) => state.storage.transactionSync(run) };
    const note: Note = (id, circuit, at) =>
      noteMerchantCircuit(store, { merchant_id: id, failing: circuit !== false, by_own_calls: circuit === true }, at, at, COOLDOWN_MS);
    work(note, store);
  });
}

describe("the registry's decisions", () => {
  it("one merchant failing is not news; a second, even much later while the first still fails, tells the other active ones", async () => {
    await withDecisions((note) => {
      const t = 10_000_000;
      // Four active merchants, and one that last reported before the active window (idle: not woken).
      expect(note("idle", false, t - ACTIVE_WINDOW_MS - 1)).toBeNull();
      for (const id of ["a", "b", "c", "d"]) expect(note(id, false, t)).toBeNull();
      expect(note("a", true, t + 10)).toBeNull();
      // An outage that builds slowly: b meets it 30 s after a, whose probes kept failing.
      expect(note("b", true, t + 30_000)).toEqual({ news: "down", merchantIds: ["c", "d"] });
      // Once until someone finds the bank back.
      expect(note("c", true, t + 30_100)).toBeNull();
    });
  });

  it("needs a tenth of the active merchants failing (at least two)", async () => {
    await withDecisions((note) => {
      const t = 20_000_000;
      for (let i = 0; i < 30; i++) note(`m${String(i).padStart(2, "0")}`, false, t);
      expect(note("m00", true, t + 1)).toBeNull();
      expect(note("m01", true, t + 2)).toBeNull();
      const down = note("m02", true, t + 3);
      expect(down?.news).toBe("down");
      expect(down?.merchantIds).toHaveLength(27);
    });
  });

  it("told merchants hear the 'back' news but never make a quorum; one not reached is not counted as told", async () => {
    await withDecisions((note, store) => {
      const t = 30_000_000;
      for (const id of ["a", "b", "c", "d", "e"]) note(id, false, t);
      note("a", true, t + 1);
      expect(note("b", true, t + 2)).toEqual({ news: "down", merchantIds: ["c", "d", "e"] });
      // c and d heard it (their circuits opened); e could not be reached.
      noteToldDown(
        store,
        [
          { merchantId: "c", heardAt: t + 3 },
          { merchantId: "d", heardAt: t + 3 },
        ],
        t + 3,
      );
      // A report c made before it heard (not failing), arriving now, is older than the hearing: no "back" news.
      expect(note("c", false, t + 2)).toBeNull();
      // a finds the bank back: b (failing) and the told c and d hear it; e does not.
      expect(note("a", false, t + 100)).toEqual({ news: "back", merchantIds: ["b", "c", "d"] });
      // e's next report (healthy, as it always was) is no news.
      expect(note("e", false, t + 110)).toBeNull();
      // b finds it back too: the others were told within the cool-down, nobody is told twice.
      expect(note("b", false, t + 120)).toBeNull();
      // Only c and d are still "failing", by news: a new failure of e alone is one own failure, not a quorum.
      expect(note("e", true, t + 130)).toBeNull();
      // c's probe fails a cool-down later (its own failure now): with e, two own failures, and the others are told.
      expect(note("c", true, t + 130 + COOLDOWN_MS)).toEqual({ news: "down", merchantIds: ["a", "b"] });
    });
  });

  it("a merchant finding the bank back tells every active merchant still failing, at most once per cool-down each", async () => {
    await withDecisions((note) => {
      const t = 40_000_000;
      note("idle", true, t - ACTIVE_WINDOW_MS - 1);
      for (const id of ["a", "b", "c", "d"]) note(id, true, t);
      expect(note("a", false, t + 50)).toEqual({ news: "back", merchantIds: ["b", "c", "d"] });
      // b finds it back too, within the cool-down: c and d were just told.
      expect(note("b", false, t + 60)).toBeNull();
      // a fails again while c and d still fail: a quorum again, so b (back meanwhile) hears "down".
      expect(note("a", true, t + 100)).toEqual({ news: "down", merchantIds: ["b"] });
      // a finds it back a cool-down after the others were last told: c and d are told again (b was not marked told).
      expect(note("a", false, t + 50 + COOLDOWN_MS)).toEqual({ news: "back", merchantIds: ["c", "d"] });
    });
  });

  it("a report of a merchant that arrives after a newer one of the same merchant is ignored", async () => {
    await withDecisions((note) => {
      const t = 50_000_000;
      for (const id of ["a", "b", "c"]) note(id, false, t);
      note("a", true, t + 100);
      expect(note("b", true, t + 150)).toEqual({ news: "down", merchantIds: ["c"] });
      // Sent before a's failure, delivered after it: read as a healing, it would tell b "back" (c was told "down",
      // but its hearing was not recorded here).
      expect(note("a", false, t + 90)).toBeNull();
      expect(note("a", false, t + 200)).toEqual({ news: "back", merchantIds: ["b"] });
    });
  });

  it("a merchant failing only because it was told says so: it hears 'back', never counts for 'down'", async () => {
    await withDecisions((note) => {
      const t = 60_000_000;
      for (const id of ["a", "b", "c", "d"]) note(id, false, t);
      note("a", true, t + 1);
      // b's circuit was opened by news the registry could not record (say, its reply was lost); b's report says so.
      expect(note("b", "by news", t + 2)).toBeNull();
      // Still one merchant failing by its own calls: no quorum.
      expect(note("c", "by news", t + 3)).toBeNull();
      // a finds the bank back: b and c, failing by news, hear it.
      expect(note("a", false, t + 100)).toEqual({ news: "back", merchantIds: ["b", "c"] });
    });
  });
});

describe("a merchant object hearing news", () => {
  it('"down" holds its never-sent payments although its own bank answers; "back" makes its probe due at once', async () => {
    const merchant = await createMerchant();
    expect((await postPayment(merchant.api_key, paymentBody({ amount: 101 }))).status).toBe(201);
    const frozenAt = Date.now();
    // The object's clock stands still: no cool-down ends by itself, so only the news can make the probe due.
    await runInDurableObject(merchantStub(merchant.id), (instance) => {
      instance.seams.clock = { now: () => frozenAt };
    });
    expect(await merchantStub(merchant.id).hearBankNews("down")).toBe(frozenAt);
    // Already counted as failing: nothing moves.
    expect(await merchantStub(merchant.id).hearBankNews("down")).toBeNull();
    const held = await postPayment(merchant.api_key, paymentBody({ amount: 102 }));
    expect(held.status).toBe(202);
    const heldId = (await json(held)).id;
    expect(await paymentRow(merchant.id, heldId)).toMatchObject({ status: "pending", bank_phase: "queued", attempts: 0 });
    // Not due yet at the frozen time: nothing is sent.
    await merchantStub(merchant.id).recoverDuePayments(frozenAt);
    expect(await paymentRow(merchant.id, heldId)).toMatchObject({ bank_phase: "queued", attempts: 0 });

    expect(await merchantStub(merchant.id).hearBankNews("back")).toBe(frozenAt);
    // Once per cool-down.
    expect(await merchantStub(merchant.id).hearBankNews("back")).toBeNull();
    await merchantStub(merchant.id).recoverDuePayments(frozenAt);
    await vi.waitFor(async () => expect((await paymentRow(merchant.id, heldId))?.status).toBe("succeeded"), {
      timeout: 5_000,
      interval: 100,
    });
  });

  it('"back" moves nothing in an object whose circuit is not failing', async () => {
    const merchant = await createMerchant();
    expect((await postPayment(merchant.api_key, paymentBody())).status).toBe(201);
    expect(await merchantStub(merchant.id).hearBankNews("back")).toBeNull();
  });
});

describe("the whole path: registry reports and news", () => {
  it("two merchants meeting an outage make a third hold its payments; one finding the bank back makes it send them", async () => {
    const [a, b, c] = [await createMerchant(), await createMerchant(), await createMerchant()];
    // Everyone has called the bank: all three are active in the registry.
    for (const m of [a, b, c]) expect((await postPayment(m.api_key, paymentBody({ amount: 111 }))).status).toBe(201);
    // c's clock stands still, so its circuit can only be moved by news (its own cool-down never ends).
    const frozenAt = Date.now();
    await runInDurableObject(merchantStub(c.id), (instance) => {
      instance.seams.clock = { now: () => frozenAt };
    });

    // An active merchant whose object cannot take news (never initialized): told, but not recorded as told.
    const ghost = `mer_ghost_${crypto.randomUUID()}`;
    const registry = env.REGISTRY.get(env.REGISTRY.idFromName("registry"));
    await registry.recordBankCall(
      bankCallReport(201, { kind: "accepted", transfer: {} as never }, Date.now(), {
        merchant_id: ghost,
        failing: false,
        by_own_calls: false,
      }),
    );

    for (const m of [a, b]) await pointMerchantAtBank(m.id, env.BANK_UNREACHABLE);
    const met = await Promise.all([a, b].map((m) => postPayment(m.api_key, paymentBody({ amount: 112 }))));
    expect(met.map((response) => response.status)).toEqual([202, 202]);
    // The registry tells c, whose own bank still answers.
    await vi.waitFor(
      async () => {
        const failing = await runInDurableObject(merchantStub(c.id), (_instance, state) =>
          state.storage.sql.exec<{ failing_since: number | null }>(`SELECT failing_since FROM bank_circuit`).one(),
        );
        expect(failing.failing_since).not.toBeNull();
      },
      { timeout: 5_000, interval: 50 },
    );
    // The registry records c as told once it heard; the ghost, which could not hear, is not.
    const toldDownAt = (id: string) =>
      runInDurableObject(registry, (_instance, state) =>
        state.storage.sql.exec<{ told_down_at: number | null }>(`SELECT told_down_at FROM bank_circuits WHERE merchant_id = ?`, id).one(),
      );
    await vi.waitFor(async () => expect((await toldDownAt(c.id)).told_down_at).not.toBeNull(), { timeout: 5_000, interval: 50 });
    expect((await toldDownAt(ghost)).told_down_at).toBeNull();
    const held = await postPayment(c.api_key, paymentBody({ amount: 113 }));
    expect(held.status).toBe(202);
    const heldId = (await json(held)).id;
    expect(await paymentRow(c.id, heldId)).toMatchObject({ status: "pending", bank_phase: "queued", attempts: 0 });

    // a finds the bank back (its own probe): the registry tells c, which probes now and sends its held payment.
    await pointMerchantAtBank(a.id, boundBank());
    await vi.waitFor(async () => expect((await paymentRow(c.id, heldId))?.status).toBe("succeeded"), {
      timeout: 10_000,
      interval: 100,
    });
    await vi.waitFor(async () => expect((await paymentRows(a.id)).every((row) => row.status === "succeeded")).toBe(true), {
      timeout: 10_000,
      interval: 100,
    });
  });
});
