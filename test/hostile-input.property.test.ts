/**
 * Property: whatever hostile request fast-check invents (each one carries at
 * least one defect that makes it invalid), the connector answers a 4xx
 * problem+json with a request id and no internals, writes no row and never
 * calls the bank.
 */
import { runInDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { electronicFormatIBAN, isValidIBAN } from "ibantools";
import { describe, expect, it } from "vitest";
import { isPayableCurrency } from "../schemas/common.ts";
import { PROBLEM_TYPE_PREFIX } from "../schemas/problem.ts";
import { MAX_BODY_BYTES } from "../src/worker/http/json-body.ts";
import { call, merchantStub, paymentBody, postPayment } from "./support/api.ts";
import { bankRequestsByDebtor, bankTransfersOf } from "./support/bank.ts";
import { INTERNALS } from "./support/problems.ts";
import { createIsolatedMerchant } from "./support/reconciliation.ts";

const NUM_RUNS = 200;

/** A control character a Fetch header value can carry (NUL, CR and LF cannot be sent at all). */
const headerControlChar = fc
  .constantFrom(...[...Array(32).keys()].filter((c) => ![0, 9, 10, 13].includes(c)), 0x7f)
  .map((c) => String.fromCharCode(c));
const controlChar = fc.constantFrom(...[...Array(32).keys(), 0x7f, 0x85, 0x9f]).map((c) => String.fromCharCode(c));
const withControlChar = fc.tuple(fc.string({ maxLength: 10 }), controlChar, fc.string({ maxLength: 10 })).map(([a, c, b]) => a + c + b);

type Body = Record<string, unknown>;
type BodyDefect = (body: Body) => Body;

const amountDefect: fc.Arbitrary<BodyDefect> = fc
  .oneof(
    fc.double({ noInteger: true, noNaN: true }).filter(Number.isFinite),
    fc.integer({ max: 0 }),
    fc.string({ maxLength: 12 }),
    fc.constantFrom(null, true, false, [], {}, "1250"),
  )
  .map((amount) => (body) => ({ ...body, amount }));

const currencyDefect: fc.Arbitrary<BodyDefect> = fc
  .oneof(fc.string({ maxLength: 6 }), fc.constantFrom("XAU", "XXX", "XTS", "eur", "EURO", " EUR"))
  .filter((code) => !isPayableCurrency(code) || !/^[A-Z]{3}$/.test(code))
  .map((currency) => (body) => ({ ...body, currency }));

const ibanDefect: fc.Arbitrary<BodyDefect> = fc
  .oneof(fc.string({ maxLength: 50 }), fc.stringMatching(/^[A-Z]{2}\d{2}[A-Z0-9]{8,40}$/))
  .filter((iban) => !isValidIBAN(electronicFormatIBAN(iban) ?? ""))
  .map((iban) => (body) => ({ ...body, creditor: { name: "Jane Supplier", iban } }));

const textDefect: fc.Arbitrary<BodyDefect> = fc.oneof(
  withControlChar.map((name) => (body: Body) => ({ ...body, creditor: { name, iban: "DE89370400440532013000" } })),
  fc
    .string({ minLength: 71, maxLength: 300 })
    .map((name) => (body: Body) => ({ ...body, creditor: { name, iban: "DE89370400440532013000" } })),
  withControlChar.map((reference) => (body: Body) => ({ ...body, reference })),
  fc.string({ minLength: 141, maxLength: 400 }).map((reference) => (body: Body) => ({ ...body, reference })),
  withControlChar.map((value) => (body: Body) => ({ ...body, metadata: { order: value } })),
  fc
    .dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 5 }), { minKeys: 21, maxKeys: 30 })
    .map((metadata) => (body: Body) => ({ ...body, metadata })),
);

const unknownFieldDefect: fc.Arbitrary<BodyDefect> = fc
  .string({ minLength: 1, maxLength: 20 })
  .filter((key) => !["amount", "currency", "creditor", "reference", "metadata", "__proto__"].includes(key))
  .chain((key) => fc.jsonValue({ maxDepth: 2 }).map((value) => (body: Body) => ({ ...body, [key]: value })));

const missingFieldDefect: fc.Arbitrary<BodyDefect> = fc
  .constantFrom("amount", "currency", "creditor", "reference")
  .map((field) => (body) => Object.fromEntries(Object.entries(body).filter(([key]) => key !== field)));

/** Defects of the serialized text rather than of the value. */
const rawDefect: fc.Arbitrary<(json: string) => string> = fc.oneof(
  // Always cuts off the closing brace (a cut inside trailing padding would leave valid JSON).
  fc.nat().map((cut) => (json: string) => json.slice(0, Math.min(cut % Math.max(json.length, 1), json.lastIndexOf("}")))),
  // Repeats whichever key comes first, so it stays a duplicate whatever the other defects removed.
  fc.constant((json: string) => json.replace(/^\{("(?:[^"\\]|\\.)*"):/, "{$1:0,$1:")),
  fc
    .integer({ min: 17, max: 60 })
    .map(
      (depth) => (json: string) =>
        json.replace("{", `{"metadata":${"[".repeat(depth)}${"]".repeat(depth)},`).replace(/,"metadata":\{[^}]*\}/, ""),
    ),
  fc.stringMatching(/^[1-9]\d{19,400}$/).map((digits) => (json: string) => json.replace(/"amount":\d+/, `"amount":${digits}`)),
  fc.constant((json: string) => json + " ".repeat(MAX_BODY_BYTES)),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => () => String.fromCharCode(...bytes)),
);

const headerDefect: fc.Arbitrary<(headers: Record<string, string>) => Record<string, string>> = fc.oneof(
  fc
    .constantFrom("text/plain", "application/xml", "application/json; charset=utf-16", "multipart/form-data", "application/jsonp")
    .map((type) => (headers: Record<string, string>) => ({ ...headers, "content-type": type })),
  fc.constant((headers: Record<string, string>) =>
    Object.fromEntries(Object.entries(headers).filter(([name]) => name !== "idempotency-key")),
  ),
  fc
    .tuple(fc.string({ minLength: 1, maxLength: 10 }), headerControlChar, fc.string({ minLength: 1, maxLength: 10 }))
    .map(([a, c, b]) => (headers: Record<string, string>) => ({ ...headers, "idempotency-key": `k${a}${c}${b}k` })),
  fc
    .string({ minLength: 256, maxLength: 600 })
    .map((key) => (headers: Record<string, string>) => ({ ...headers, "idempotency-key": `k${key.replace(/[^\x21-\x7e]/g, "x")}` })),
  fc
    .constantFrom("Bearer nope", "Basic dXNlcjpwYXNz", "", `Bearer mck_01JD5Z8Q9X4R7M2K3N6P8T0V1W_${"A".repeat(43)}`)
    .map((authorization) => (headers: Record<string, string>) => ({ ...headers, authorization })),
);

type Defect =
  | { kind: "body"; apply: BodyDefect }
  | { kind: "raw"; apply: (json: string) => string }
  | { kind: "header"; apply: (h: Record<string, string>) => Record<string, string> };

const defect: fc.Arbitrary<Defect> = fc.oneof(
  fc
    .oneof(amountDefect, currencyDefect, ibanDefect, textDefect, unknownFieldDefect, missingFieldDefect)
    .map((apply): Defect => ({ kind: "body", apply })),
  rawDefect.map((apply): Defect => ({ kind: "raw", apply })),
  headerDefect.map((apply): Defect => ({ kind: "header", apply })),
);

function buildRequest(apiKey: string, defects: Defect[]): { headers: Record<string, string>; body: string } {
  let headers: Record<string, string> = {
    authorization: `Bearer ${apiKey}`,
    "content-type": "application/json",
    "idempotency-key": crypto.randomUUID(),
  };
  let body: Body = paymentBody();
  for (const d of defects) if (d.kind === "body") body = d.apply(body);
  let text = JSON.stringify(body);
  for (const d of defects) {
    if (d.kind === "raw") text = d.apply(text);
    if (d.kind === "header") headers = d.apply(headers);
  }
  return { headers, body: text };
}

describe("hostile requests (property)", () => {
  it(`${NUM_RUNS} generated hostile requests: 4xx problem+json, request id, no internals, no row, no bank call`, async () => {
    const merchant = await createIsolatedMerchant();
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(defect, { minLength: 1, maxLength: 3 }), async (defects) => {
        const { headers, body } = buildRequest(merchant.api_key, defects);
        const response = await call("/v1/payments", { method: "POST", headers, body });
        const text = await response.text();
        seen.set(response.status, (seen.get(response.status) ?? 0) + 1);
        expect(response.status, text).toBeGreaterThanOrEqual(400);
        expect(response.status, text).toBeLessThan(500);
        expect(response.headers.get("content-type")).toBe("application/problem+json");
        expect(text).not.toMatch(INTERNALS);
        const problem = JSON.parse(text) as { type: string; request_id: string };
        expect(problem.type.startsWith(PROBLEM_TYPE_PREFIX)).toBe(true);
        expect(problem.request_id).toBe(response.headers.get("x-request-id"));
      }),
      { numRuns: NUM_RUNS },
    );
    // The generator reached every layer: auth, headers, size, JSON syntax, schema.
    expect([...seen.keys()].sort()).toEqual(expect.arrayContaining([400, 401, 413, 415]));

    const countRows = () =>
      runInDurableObject(merchantStub(merchant.id), (_instance, state) => ({
        payments: state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM payments`).one().n,
        idempotency_keys: state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM idempotency_keys`).one().n,
        events: state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM payment_events`).one().n,
      }));
    expect(await countRows()).toEqual({ payments: 0, idempotency_keys: 0, events: 0 });
    expect(await bankRequestsByDebtor(merchant.debtor_iban)).toEqual([]);
    expect(await bankTransfersOf(merchant.debtor_iban)).toEqual([]);

    // The same checks do see a write and a bank call when one happens.
    expect((await postPayment(merchant.api_key, paymentBody())).status).toBe(201);
    expect(await countRows()).toMatchObject({ payments: 1, idempotency_keys: 1 });
    expect((await bankRequestsByDebtor(merchant.debtor_iban)).length).toBe(1);
  });

  it("hostile query strings and path ids on the read endpoints: never 5xx, errors as problem+json, nothing written", async () => {
    const merchant = await createIsolatedMerchant();
    const auth = { authorization: `Bearer ${merchant.api_key}` };
    const paramName = fc.oneof(
      fc.constantFrom("status", "created_from", "created_to", "limit", "order", "cursor"),
      fc.string({ maxLength: 12 }),
    );
    const paramValue = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom("0", "101", "1e2", "-1", "asc", "DESC", "2026-13-01T00:00:00Z", "pending", "%00", "A".repeat(600)),
      fc.base64String({ maxLength: 80 }),
    );
    const query = fc.array(fc.tuple(paramName, paramValue), { maxLength: 5 });
    const pathId = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.stringMatching(/^pay_[0-9A-Z]{20,30}$/),
      fc.constantFrom("..", "%2e%2e", "pay_", "%00"),
    );
    await fc.assert(
      fc.asyncProperty(query, pathId, async (params, id) => {
        const search = new URLSearchParams(params).toString();
        for (const path of [
          `/v1/payments?${search}`,
          `/v1/payments/${encodeURIComponent(id)}`,
          `/v1/payments/${encodeURIComponent(id)}/events`,
        ]) {
          const response = await call(path, { headers: auth });
          const text = await response.text();
          expect(response.status, `${path} → ${text}`).toBeLessThan(500);
          expect(text).not.toMatch(INTERNALS);
          if (response.status >= 400) expect(response.headers.get("content-type")).toBe("application/problem+json");
          expect(response.headers.get("x-request-id")).toBeTruthy();
        }
      }),
      { numRuns: 100 },
    );
    const payments = await runInDurableObject(
      merchantStub(merchant.id),
      (_instance, state) => state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM payments`).one().n,
    );
    expect(payments).toBe(0);
    expect(await bankRequestsByDebtor(merchant.debtor_iban)).toEqual([]);
  });
});
