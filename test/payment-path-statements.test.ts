/**
 * What one payment costs the merchant's SQLite, counted exactly: every
 * `sql.exec` and every `transactionSync` of the live object is recorded while
 * payments go through the real Worker, object and bank. The budgets below are
 * today's counts (docs/benchmarks.md, "Where each millisecond goes"): a
 * change that adds a statement to the payment path fails here and has to say
 * why in the budget. Commits (and their fsyncs) are counted with strace by
 * the bench, not here: workerd folds the writes of one turn into one commit.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { BankPort } from "../src/bank/bank-port.ts";
import { findPayment, type PaymentRow, paymentFromRow } from "../src/payments/payment-row.ts";
import { createMerchant, merchantStub, paymentBody, postPayment } from "./support/api.ts";
import { addFault } from "./support/faults.ts";
import { registerEndpoint, uniqueHookPath } from "./support/webhooks.ts";

/**
 * Statements per new payment settled by the bank in the call. Admission and
 * sending marker (one commit): the key, 5 inserts (payment, daily total, key,
 * event, outbox event), the dispatch's read, the sending update (with the request as first built). Outcome (one
 * commit): the payment, its update, the key's expiry, the chain's last link,
 * event, the return watch (a succeeded payment, returns.ts), outbox event.
 * The reply is built from the row the outcome wrote.
 */
const STATEMENTS_PER_PAYMENT = 15;
/** Of which writes (INSERT/UPDATE/DELETE): payment, daily total, key, 2 events, 2 outbox events, 2 payment updates, key expiry, return watch. */
const WRITES_PER_PAYMENT = 11;
/** Explicit transactions per payment: admission, outcome. */
const TRANSACTIONS_PER_PAYMENT = 2;
/** Statements per replay of a settled payment: the key and its payment (the reply is built from that read). */
const STATEMENTS_PER_REPLAY = 2;
const MEASURED_PAYMENTS = 5;

type Recorder = { statements: string[]; transactions: number };

/** Wraps the live object's `sql.exec` and `transactionSync` (same SQL handle for the instance's life) to record them. */
async function record(merchantId: string): Promise<Recorder> {
  const recorder: Recorder = { statements: [], transactions: 0 };
  await runInDurableObject(merchantStub(merchantId), (_instance, state) => {
    const sql = state.storage.sql;
    const exec = sql.exec.bind(sql);
    Object.assign(sql, {
      exec: (query: string, ...bindings: SqlStorageValue[]) => {
        recorder.statements.push(query.replace(/\s+/g, " ").trim());
        return exec(query, ...bindings);
      },
    });
    const transactionSync = state.storage.transactionSync.bind(state.storage);
    Object.assign(state.storage, {
      transactionSync: <T>(work: () => T): T => {
        recorder.transactions++;
        return transactionSync(work);
      },
    });
  });
  return recorder;
}

const isWrite = (statement: string) => /^(INSERT|UPDATE|DELETE)\b/i.test(statement);

function reset(recorder: Recorder): void {
  recorder.statements.length = 0;
  recorder.transactions = 0;
}

describe("SQLite statements per payment", () => {
  it("a new payment settled in the call and a replay stay within their statement budgets", async () => {
    const merchant = await createMerchant();
    const recorder = await record(merchant.id);
    // The first payment also reads what an instance caches (API keys, the highest payment id, webhook subscriptions).
    expect((await postPayment(merchant.api_key, paymentBody())).status).toBe(201);
    reset(recorder);
    for (let i = 0; i < MEASURED_PAYMENTS; i++) expect((await postPayment(merchant.api_key, paymentBody())).status).toBe(201);
    const perPayment = recorder.statements.length / MEASURED_PAYMENTS;
    const breakdown = recorder.statements.slice(0, recorder.statements.length / MEASURED_PAYMENTS).join("\n");
    expect(perPayment, breakdown).toBe(STATEMENTS_PER_PAYMENT);
    expect(recorder.statements.filter(isWrite).length / MEASURED_PAYMENTS, breakdown).toBe(WRITES_PER_PAYMENT);
    expect(recorder.transactions / MEASURED_PAYMENTS).toBe(TRANSACTIONS_PER_PAYMENT);

    const key = crypto.randomUUID();
    expect((await postPayment(merchant.api_key, paymentBody(), key)).status).toBe(201);
    reset(recorder);
    const replayed = await postPayment(merchant.api_key, paymentBody(), key);
    expect(replayed.headers.get("idempotent-replayed")).toBe("true");
    expect(recorder.statements.length, recorder.statements.join("\n")).toBe(STATEMENTS_PER_REPLAY);
    expect(recorder.statements.filter(isWrite)).toEqual([]);
  });

  it("with a webhook endpoint, each status change still writes one delivery without reading the endpoints again", async () => {
    const merchant = await createMerchant();
    await registerEndpoint(merchant.api_key, uniqueHookPath());
    const recorder = await record(merchant.id);
    expect((await postPayment(merchant.api_key, paymentBody())).status).toBe(201);
    reset(recorder);
    expect((await postPayment(merchant.api_key, paymentBody())).status).toBe(201);
    const deliveries = recorder.statements.filter((s) => s.startsWith("INSERT INTO webhook_deliveries"));
    expect(deliveries).toHaveLength(2);
    expect(recorder.statements.filter((s) => s.includes("FROM webhook_endpoints"))).toEqual([]);
  });
});

/**
 * A payment the bank holds (ACSP, a SEPA bank's usual first answer):
 * admission and sending marker as above (8), the outcome (the payment, its
 * update, the chain's last link, its event: 4) and the pending reply's read
 * (1). Then only its own next time is armed, without asking every
 * capability of the object when it is due (that asked SQLite 9 more times).
 */
const STATEMENTS_PER_HELD_PAYMENT = 13;

describe("SQLite statements per payment the bank holds in ACSP", () => {
  it("stay within their budget: the alarm is armed for the payment's next time alone", async () => {
    const merchant = await createMerchant();
    const recorder = await record(merchant.id);
    await addFault({
      match: { debtor_iban: merchant.debtor_iban, operation: "submit" },
      action: { kind: "async_settlement", interim: "ACSP", final: "ACSC", after_inquiries: 1 },
    });
    expect((await postPayment(merchant.api_key, paymentBody())).status).toBe(202);
    reset(recorder);
    for (let i = 0; i < MEASURED_PAYMENTS; i++) expect((await postPayment(merchant.api_key, paymentBody())).status).toBe(202);
    const breakdown = recorder.statements.slice(0, recorder.statements.length / MEASURED_PAYMENTS).join("\n");
    expect(recorder.statements.length / MEASURED_PAYMENTS, breakdown).toBe(STATEMENTS_PER_HELD_PAYMENT);
  });
});

describe("outbox events are written from the rows the transactions wrote, not read back", () => {
  it("the payment.pending and payment.succeeded events carry exactly the payment as stored then", async () => {
    const merchant = await createMerchant();
    const stub = merchantStub(merchant.id);
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const fixedNow = Date.now();
    await runInDurableObject(stub, (instance) => {
      const real = instance.seams.bank;
      const holding: BankPort = {
        admissionProblem: (amountMinor, currency) => real.admissionProblem(amountMinor, currency),
        prepareTransfer: (instruction, stored) => real.prepareTransfer(instruction, stored),
        submitCreditTransfer: async (prepared) => {
          await held;
          return real.submitCreditTransfer(prepared);
        },
        inquireCreditTransfer: (id) => real.inquireCreditTransfer(id),
        fetchStatementPage: (query) => real.fetchStatementPage(query),
        fetchNotifications: (query) => real.fetchNotifications(query),
      };
      instance.seams.bank = holding;
      // One instant for admission and the sending marker, so the stored row's updated_at is the admission's.
      instance.seams.clock = { now: () => fixedNow };
    });
    const answer = postPayment(merchant.api_key, paymentBody({ metadata: { order: "A-1" } }));
    let stored: { row: PaymentRow | undefined; body: string | undefined } = { row: undefined, body: undefined };
    for (let attempt = 0; attempt < 100 && !stored.body; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      stored = await runInDurableObject(stub, (_instance, state) => {
        const sql = state.storage.sql;
        const event = sql.exec<{ body: string; ordering_key: string }>(`SELECT body, ordering_key FROM webhook_events`).toArray()[0];
        return { row: event ? findPayment(sql, event.ordering_key) : undefined, body: event?.body };
      });
    }
    release();
    const answered = await answer;
    expect(answered.status).toBe(201);
    expect(stored.row?.bank_phase).toBe("sending");
    const event = JSON.parse(stored.body ?? "{}") as { type: string; data: { payment: unknown } };
    expect(event.type).toBe("payment.pending");
    expect(event.data.payment).toEqual(paymentFromRow(stored.row as PaymentRow));

    // The outcome's event and the reply, against the final row (no return is booked in this test).
    const final = await runInDurableObject(stub, (_instance, state) => {
      const sql = state.storage.sql;
      const row = sql.exec<PaymentRow>(`SELECT * FROM payments`).one();
      const body = sql.exec<{ body: string }>(`SELECT body FROM webhook_events WHERE type = 'payment.succeeded'`).one().body;
      return { payment: paymentFromRow(row), event: JSON.parse(body) as { data: { payment: unknown } } };
    });
    expect(final.event.data.payment).toEqual(final.payment);
    expect(await answered.json()).toEqual(final.payment);
  });
});
