import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { ulid as ulidAt } from "ulid";
import { beforeAll, describe, expect, it } from "vitest";
import type { Payment } from "../schemas/merchant-api.ts";
import type { PaymentList } from "../schemas/payment-queries.ts";
import { type PaymentListQuery, paymentPageStatement } from "../src/payments/payment-listing.ts";
import { json, merchantStub, paymentBody, postPayment } from "./support/api.ts";
import { createIsolatedMerchant, listPayments, setDebtorScenario } from "./support/reconciliation.ts";

type Query = Record<string, string | number | undefined>;

async function pay(apiKey: string, overrides: Record<string, unknown> = {}): Promise<Payment> {
  const response = await postPayment(apiKey, paymentBody(overrides));
  expect([201, 202]).toContain(response.status);
  return json(response);
}

async function page(apiKey: string, query: Query): Promise<PaymentList> {
  const response = await listPayments(apiKey, query);
  if (response.status !== 200) throw new Error(`list failed: ${response.status} ${await response.text()}`);
  return json<PaymentList>(response);
}

/** Follows next_cursor to the end, calling `between` after every page. */
async function walk(
  apiKey: string,
  query: Query,
  between: () => Promise<void> = async () => {},
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let pages = 1; pages < 1000; pages++) {
    const body = await page(apiKey, { ...query, cursor });
    expect(body.data.length).toBeLessThanOrEqual(Number(query.limit ?? 25));
    ids.push(...body.data.map((p) => p.id));
    if (body.next_cursor === null) return { ids, pages };
    expect(body.data.length).toBe(Number(query.limit ?? 25));
    cursor = body.next_cursor;
    await between();
  }
  throw new Error("pagination did not end");
}

function assertStrictOrder(ids: string[], order: "asc" | "desc"): void {
  for (let i = 1; i < ids.length; i++) {
    if (order === "asc") expect(ids[i]! > ids[i - 1]!).toBe(true);
    else expect(ids[i]! < ids[i - 1]!).toBe(true);
  }
}

describe("GET /v1/payments filters and order", () => {
  let apiKey: string;
  let payments: Payment[];

  beforeAll(async () => {
    const merchant = await createIsolatedMerchant();
    apiKey = merchant.api_key;
    payments = [];
    // Succeeded (ACSC), failed (the simulator refuses CHF with 422) and pending (held at ACSP), interleaved.
    for (let i = 0; i < 5; i++) {
      payments.push(await pay(apiKey, { amount: 100 + i }));
      payments.push(await pay(apiKey, { currency: "CHF", amount: 200 + i }));
      await setDebtorScenario(merchant.debtor_iban, { booking_status: "ACSP" });
      payments.push(await pay(apiKey, { amount: 300 + i }));
      await setDebtorScenario(merchant.debtor_iban, { booking_status: "ACSC" });
      // Spread creation times so created_from/created_to bounds fall between payments.
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    expect(new Set(payments.map((p) => p.status))).toEqual(new Set(["succeeded", "failed", "pending"]));
  });

  it("default query: newest first, 25 per page, every payment exactly once", async () => {
    const first = await page(apiKey, {});
    expect(first.data.map((p) => p.id)).toEqual(
      payments
        .map((p) => p.id)
        .sort()
        .reverse(),
    );
    expect(first.next_cursor).toBeNull();
    // Each listed payment is exactly what GET /v1/payments/{id} would return.
    expect(first.data.find((p) => p.id === payments[0]!.id)).toEqual(payments[0]);
  });

  it("every combination of status, created_from, created_to and order pages without duplicates or gaps", async () => {
    const from = payments[3]!.created_at;
    const to = payments[11]!.created_at;
    let combinations = 0;
    for (const status of [undefined, "pending", "succeeded", "failed"] as const) {
      for (const createdFrom of [undefined, from]) {
        for (const createdTo of [undefined, to]) {
          for (const order of ["asc", "desc"] as const) {
            const expected = payments
              .filter((p) => status === undefined || p.status === status)
              .filter((p) => createdFrom === undefined || p.created_at >= createdFrom)
              .filter((p) => createdTo === undefined || p.created_at < createdTo)
              .map((p) => p.id)
              .sort();
            if (order === "desc") expected.reverse();
            const { ids } = await walk(apiKey, { status, created_from: createdFrom, created_to: createdTo, order, limit: 2 });
            expect(ids, JSON.stringify({ status, createdFrom, createdTo, order })).toEqual(expected);
            combinations++;
          }
        }
      }
    }
    expect(combinations).toBe(32);
  });

  it("accepts created bounds with a UTC offset", async () => {
    const boundary = new Date(Date.parse(payments[6]!.created_at));
    // The same instant written in UTC+01:00.
    const withOffset = new Date(boundary.getTime() + 3_600_000).toISOString().replace("Z", "+01:00");
    const listed = await walk(apiKey, { created_from: withOffset, order: "asc", limit: 100 });
    expect(listed.ids).toEqual(payments.filter((p) => p.created_at >= payments[6]!.created_at).map((p) => p.id));
  });
});

describe("GET /v1/payments cursor stability", () => {
  it("newest-first pages neither repeat nor skip while payments are inserted between pages", async () => {
    const merchant = await createIsolatedMerchant();
    const before: string[] = [];
    for (let i = 0; i < 9; i++) before.push((await pay(merchant.api_key)).id);
    const { ids, pages } = await walk(merchant.api_key, { limit: 3, order: "desc" }, async () => {
      await pay(merchant.api_key);
      await pay(merchant.api_key);
    });
    // Newer payments sort before the first page, so the walk sees exactly the payments that existed when it began.
    expect(ids).toEqual([...before].reverse());
    expect(pages).toBe(3);
  });

  it("oldest-first pages see every payment, old and newly inserted, once and in order", async () => {
    const merchant = await createIsolatedMerchant();
    const before: string[] = [];
    for (let i = 0; i < 6; i++) before.push((await pay(merchant.api_key)).id);
    const inserted: string[] = [];
    let insertions = 0;
    const { ids } = await walk(merchant.api_key, { limit: 4, order: "asc" }, async () => {
      if (insertions++ < 3) inserted.push((await pay(merchant.api_key)).id, (await pay(merchant.api_key)).id);
    });
    expect(ids).toEqual([...before, ...inserted]);
  });

  it("pages read concurrently with a burst of inserts have no duplicates and no gaps", async () => {
    const merchant = await createIsolatedMerchant();
    for (let i = 0; i < 10; i++) await pay(merchant.api_key);
    const burst = Promise.all(Array.from({ length: 12 }, () => pay(merchant.api_key)));
    const { ids } = await walk(merchant.api_key, { limit: 2, order: "asc" });
    await burst;
    assertStrictOrder(ids, "asc");
    expect(new Set(ids).size).toBe(ids.length);
    // No gaps: everything up to the last id the walk reached was listed.
    const all = (await walk(merchant.api_key, { limit: 100, order: "asc" })).ids;
    expect(all).toHaveLength(22);
    expect(ids).toEqual(all.filter((id) => id <= ids.at(-1)!));
  });
});

describe("GET /v1/payments bad parameters", () => {
  let apiKey: string;
  let otherKey: string;
  let cursor: string;

  beforeAll(async () => {
    const merchant = await createIsolatedMerchant();
    apiKey = merchant.api_key;
    otherKey = (await createIsolatedMerchant()).api_key;
    for (let i = 0; i < 3; i++) await pay(apiKey);
    await pay(otherKey);
    await pay(otherKey);
    const first = await page(apiKey, { limit: 1, status: "succeeded" });
    cursor = first.next_cursor as string;
    expect(cursor).toEqual(expect.any(String));
  });

  async function expectBadParam(key: string, query: string, param: string): Promise<void> {
    const response = await listPaymentsRaw(key, query);
    expect(response.status, query).toBe(400);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    const problem = (await response.json()) as { type: string; invalid_params: Array<{ name: string }> };
    expect(problem.type).toBe("urn:payment-connector:problem:validation-error");
    expect(
      problem.invalid_params.map((p) => p.name),
      query,
    ).toContain(param);
  }

  it("a fresh instance mints ids after every stored one, even when its clock is behind", async () => {
    const merchant = await createIsolatedMerchant();
    const first = await json(await postPayment(merchant.api_key, paymentBody()));
    // As if the previous instance ran on a host whose clock was ten minutes ahead of this one.
    const ahead = `pay_${ulidAt(Date.now() + 10 * 60_000)}`;
    await runInDurableObject(merchantStub(merchant.id), (_instance, state) => {
      state.storage.sql.exec(`UPDATE payments SET id = ? WHERE id = ?`, ahead, first.id);
    });
    await evictDurableObject(merchantStub(merchant.id));
    const next = await json(await postPayment(merchant.api_key, paymentBody()));
    expect(next.id > ahead, `${next.id} > ${ahead}`).toBe(true);
  });

  it("names the offending parameter", async () => {
    const cases: Array<[string, string]> = [
      ["limit=0", "limit"],
      ["limit=101", "limit"],
      ["limit=abc", "limit"],
      ["limit=1.5", "limit"],
      ["limit=", "limit"],
      ["order=newest", "order"],
      ["status=settled", "status"],
      ["created_from=yesterday", "created_from"],
      ["created_to=2026-11-23", "created_to"],
      ["created_from=2026-11-23T10:00:00Z&created_to=2026-11-23T09:00:00Z", "created_to"],
      ["colour=blue", "colour"],
      ["constructor=1", "constructor"],
      ["limit=5&limit=6", "limit"],
      ["cursor=not-a-cursor", "cursor"],
      [`cursor=${"A".repeat(600)}`, "cursor"],
    ];
    for (const [query, param] of cases) await expectBadParam(apiKey, query, param);
  });

  it("refuses a cursor used with other filters or by another merchant", async () => {
    await expectBadParam(apiKey, `status=succeeded&order=asc&cursor=${cursor}`, "cursor");
    await expectBadParam(apiKey, `status=failed&cursor=${cursor}`, "cursor");
    await expectBadParam(apiKey, `cursor=${cursor}`, "cursor");
    await expectBadParam(otherKey, `status=succeeded&cursor=${cursor}`, "cursor");
    // With its own filters it works, and a different limit is fine.
    const next = await listPaymentsRaw(apiKey, `status=succeeded&limit=5&cursor=${cursor}`);
    expect(next.status).toBe(200);
    expect(((await next.json()) as PaymentList).data).toHaveLength(2);
  });

  it("needs a merchant API key", async () => {
    const response = await listPaymentsRaw(null, "limit=5");
    expect(response.status).toBe(401);
  });
});

async function listPaymentsRaw(apiKey: string | null, query: string): Promise<Response> {
  const { call } = await import("./support/api.ts");
  return call(`/v1/payments?${query}`, { headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {} });
}

describe("payment listing queries are index-backed", () => {
  it("EXPLAIN QUERY PLAN uses an index in page order for every filter combination (no table scan, no sort)", async () => {
    const merchant = await createIsolatedMerchant();
    const plans: string[] = [];
    await runInDurableObject(merchantStub(merchant.id), (_instance, state) => {
      for (const status of [null, "pending"] as const) {
        for (const createdFrom of [null, Date.now() - 60_000]) {
          for (const createdTo of [null, Date.now()]) {
            for (const order of ["asc", "desc"] as const) {
              for (const after of [null, "pay_01KAR0000000000000000000000"]) {
                const query: PaymentListQuery = { status, createdFrom, createdTo, order, limit: 25, after };
                const statement = paymentPageStatement(query);
                const plan = state.storage.sql
                  .exec<{ detail: string }>(`EXPLAIN QUERY PLAN ${statement.sql}`, ...statement.args)
                  .toArray()
                  .map((row) => row.detail)
                  .join(" | ");
                plans.push(plan);
                expect(plan, JSON.stringify(query)).not.toMatch(/TEMP B-TREE/);
                // Cursor and created bounds are merged: SQLite gets at most one seek bound per side.
                expect(statement.sql.match(/id >=? \?/g)?.length ?? 0).toBeLessThanOrEqual(1);
                expect(statement.sql.match(/id <=? \?/g)?.length ?? 0).toBeLessThanOrEqual(1);
                expect(plan, JSON.stringify(query)).toMatch(
                  status === null ? /USING INDEX sqlite_autoindex_payments_1/ : /USING (COVERING )?INDEX payments_by_status_id/,
                );
              }
            }
          }
        }
      }
    });
    expect(plans).toHaveLength(32);
  });
});
