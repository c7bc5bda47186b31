/**
 * Hostile requests, one behaviour each: every one is refused with a 4xx
 * problem+json naming what is wrong, before anything is stored or sent.
 */
import { runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { MerchantCreated } from "../schemas/merchant-api.ts";
import { MAX_BODY_BYTES } from "../src/worker/http/json-body.ts";
import { call, merchantStub, paymentBody, postPayment } from "./support/api.ts";
import { bankRequestsByDebtor, bankTransfersOf } from "./support/bank.ts";
import { expectProblem } from "./support/problems.ts";
import { createIsolatedMerchant } from "./support/reconciliation.ts";

let merchant: MerchantCreated;

beforeAll(async () => {
  merchant = await createIsolatedMerchant();
});

function rawPost(body: BodyInit, headers: Record<string, string> = {}): Promise<Response> {
  return call("/v1/payments", {
    method: "POST",
    headers: {
      authorization: `Bearer ${merchant.api_key}`,
      "idempotency-key": crypto.randomUUID(),
      "content-type": "application/json",
      ...headers,
    },
    body,
  });
}

describe("request bodies", () => {
  it("413 for a declared body over the limit", async () => {
    await expectProblem(await rawPost("x".repeat(MAX_BODY_BYTES + 1)), 413, "payload-too-large");
  });

  it("413 for an endless chunked body, after reading little more than the limit", async () => {
    const chunk = new Uint8Array(1024).fill(0x20);
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += chunk.byteLength;
        // 64 MiB if read whole; the reader must stop long before.
        if (pulled > 64 * 1024 * 1024) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const response = await call("/v1/payments", {
      method: "POST",
      headers: { authorization: `Bearer ${merchant.api_key}`, "idempotency-key": crypto.randomUUID(), "content-type": "application/json" },
      body: endless,
      // @ts-expect-error: `duplex` is required by fetch for stream bodies but missing from RequestInit's types here.
      duplex: "half",
    });
    await expectProblem(response, 413, "payload-too-large");
    // Observed: 18 KiB (16 KiB limit + stream buffering). The bound leaves room for runtime buffering only.
    expect(pulled).toBeLessThan(256 * 1024);
  });

  it.each([
    ["text/plain", "text/plain"],
    ["form", "application/x-www-form-urlencoded"],
    ["latin-1 JSON", "application/json; charset=iso-8859-1"],
    ["no content type", ""],
  ])("415 for %s", async (_name, contentType) => {
    await expectProblem(await rawPost(JSON.stringify(paymentBody()), { "content-type": contentType }), 415, "unsupported-media-type");
  });

  it.each([
    ["truncated", '{"amount":'],
    ["trailing comma", '{"amount":1,}'],
    ["single quotes", "{'amount':1}"],
    ["empty", ""],
    ["NaN", '{"amount":NaN}'],
  ])("400 malformed-json for %s JSON", async (_name, body) => {
    await expectProblem(await rawPost(body), 400, "malformed-json");
  });

  it("400 for invalid UTF-8", async () => {
    await expectProblem(await rawPost(new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])), 400, "malformed-json");
  });

  it("400 naming a duplicated key, even hidden behind an escape", async () => {
    const body = `{"amount":100,"currency":"EUR","creditor":{"name":"A","iban":"DE89370400440532013000","\\u0069ban":"DE02120300000000202051"},"reference":"r"}`;
    await expectProblem(await rawPost(body), 400, "malformed-json", "creditor.iban");
    const top = `{"amount":100,"amount":1000000,"currency":"EUR","creditor":{"name":"A","iban":"DE89370400440532013000"},"reference":"r"}`;
    await expectProblem(await rawPost(top), 400, "malformed-json", "amount");
  });

  it("400 for deeply nested JSON", async () => {
    const deep = `{"metadata":${'{"a":'.repeat(40)}"x"${"}".repeat(40)}}`;
    const problem = await expectProblem(await rawPost(deep), 400, "malformed-json");
    expect(problem.invalid_params?.[0]?.name).toMatch(/^metadata\.a\.a/);
  });
});

describe("payment fields", () => {
  const iban = "DE89370400440532013000";
  it.each<[string, string, string]>([
    ["huge amount (1e400)", `{"amount":1e400,"currency":"EUR","creditor":{"name":"A","iban":"${iban}"},"reference":"r"}`, "amount"],
    ["amount past 2^53", `{"amount":9007199254740993,"currency":"EUR","creditor":{"name":"A","iban":"${iban}"},"reference":"r"}`, "amount"],
    [
      "amount rounded by parsing",
      `{"amount":12.0000000000000001,"currency":"EUR","creditor":{"name":"A","iban":"${iban}"},"reference":"r"}`,
      "amount",
    ],
  ])("400 malformed-json for a %s", async (_name, body, param) => {
    await expectProblem(await rawPost(body), 400, "malformed-json", param);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ["fractional amount", { amount: 12.5 }, "amount"],
    ["negative amount", { amount: -100 }, "amount"],
    ["zero amount", { amount: 0 }, "amount"],
    ["amount as a string", { amount: "1250" }, "amount"],
    ["amount of 2^53, exact but past the maximum", { amount: 2 ** 53 }, "amount"],
    ["unknown currency", { currency: "XYZ" }, "currency"],
    ["lower-case currency", { currency: "eur" }, "currency"],
    ["precious metal as currency", { currency: "XAU" }, "currency"],
    ["IBAN with a bad checksum", { creditor: { name: "A", iban: "DE00370400440532013000" } }, "creditor.iban"],
    ["IBAN of the wrong length", { creditor: { name: "A", iban: "DE8937040044053201300" } }, "creditor.iban"],
    ["overlong IBAN", { creditor: { name: "A", iban: "DE89".padEnd(60, "0") } }, "creditor.iban"],
    ["IBAN as a number", { creditor: { name: "A", iban: 12345 } }, "creditor.iban"],
    ["NUL in the creditor name", { creditor: { name: "Jane\u0000Doe", iban } }, "creditor.name"],
    ["newline in the reference", { reference: "line1\nline2" }, "reference"],
    ["C1 control in the reference", { reference: "pay\u0085now" }, "reference"],
    ["DEL in a metadata value", { metadata: { order: "a\u007fb" } }, "metadata.order"],
    ["overlong creditor name", { creditor: { name: "N".repeat(71), iban } }, "creditor.name"],
    ["overlong reference", { reference: "R".repeat(141) }, "reference"],
    ["blank creditor name", { creditor: { name: "   ", iban } }, "creditor.name"],
    ["unknown top-level field", { amount_eur: 10 }, "amount_eur"],
    ["unknown creditor field", { creditor: { name: "A", iban, bic: "COBADEFFXXX" } }, "creditor.bic"],
    ["missing amount", { amount: undefined }, "amount"],
  ])("400 validation-error for a %s", async (_name, overrides, param) => {
    await expectProblem(await postPayment(merchant.api_key, paymentBody(overrides)), 400, "validation-error", param);
  });

  it("does not echo the offending IBAN back", async () => {
    const bad = "DE00370400440532013000";
    const response = await postPayment(merchant.api_key, paymentBody({ creditor: { name: "A", iban: bad } }));
    expect(await response.text()).not.toContain(bad.slice(4));
  });
});

describe("Idempotency-Key", () => {
  it.each<[string, string]>([
    ["a tab inside", "abc\tdef"],
    ["a Latin-1 letter", "cl\u00e9"],
    ["a C1-range byte", "key\u0085"],
    ["256 characters", "k".repeat(256)],
  ])("400 idempotency-key-invalid for %s", async (_name, key) => {
    await expectProblem(await postPayment(merchant.api_key, paymentBody(), key), 400, "idempotency-key-invalid", "Idempotency-Key");
  });

  it("400 idempotency-key-missing when absent or blank", async () => {
    await expectProblem(await postPayment(merchant.api_key, paymentBody(), null), 400, "idempotency-key-missing", "Idempotency-Key");
    await expectProblem(await postPayment(merchant.api_key, paymentBody(), "   "), 400, "idempotency-key-missing", "Idempotency-Key");
  });
});

describe("X-Request-Id", () => {
  it("echoes a sane caller id and replaces an unsafe one", async () => {
    const sane = await postPayment(merchant.api_key, paymentBody({ amount: -1 }), crypto.randomUUID(), {
      "x-request-id": "caller-123.abc:9",
    });
    expect(sane.headers.get("x-request-id")).toBe("caller-123.abc:9");
    for (const unsafe of ["has space", "x".repeat(129), 'quote"d', "<script>"]) {
      const response = await call("/health", { headers: { "x-request-id": unsafe } });
      expect(response.headers.get("x-request-id")).toMatch(/^req_[0-9A-Z]{26}$/);
    }
  });

  it("is on success, not-found and error answers alike", async () => {
    for (const response of [
      await call("/health"),
      await call("/no/such/route"),
      await postPayment(merchant.api_key, paymentBody()),
      await call("/v1/payments/pay_01JD5Z8Q9X4R7M2K3N6P8T0V1W", { headers: { authorization: `Bearer ${merchant.api_key}` } }),
    ]) {
      expect(response.headers.get("x-request-id")).toMatch(/^req_[0-9A-Z]{26}$/);
    }
  });
});

describe("caller-chosen names in errors", () => {
  const PAYLOAD = "<img src=x onerror=alert(1)>";
  const auth = () => ({ authorization: `Bearer ${merchant.api_key}` });

  it("are echoed only in a bounded, inert form: unknown fields, duplicate keys, query parameters, paths", async () => {
    const longKey = `k${"x".repeat(500)}`;
    const answers = [
      await rawPost(JSON.stringify({ ...paymentBody(), [PAYLOAD]: 1, [longKey]: 2 })),
      await rawPost(`{"amount":1,"${PAYLOAD}":1,"${PAYLOAD}":2}`),
      await call(`/v1/payments?${encodeURIComponent(PAYLOAD)}=1&${encodeURIComponent(PAYLOAD)}=2`, { headers: auth() }),
      await call(`/v1/events?${encodeURIComponent(PAYLOAD)}=1`, { headers: auth() }),
      await call(`/${encodeURIComponent(PAYLOAD)}/${"y".repeat(500)}`),
    ];
    for (const response of answers) {
      expect(response.status).toBeGreaterThanOrEqual(400);
      const text = await response.text();
      for (const fragment of ["<", ">", "x".repeat(100), "y".repeat(200), "%3C"]) {
        expect(text, text).not.toContain(fragment);
      }
    }
  });

  it("still name the field when it is an ordinary one", async () => {
    const response = await rawPost(JSON.stringify({ ...paymentBody(), colour: "red" }));
    const body = await expectProblem(response, 400, "validation-error");
    expect(body.invalid_params).toEqual([{ name: "colour", reason: "is not a known field" }]);
  });
});

describe("after all of the above", () => {
  it("nothing of the refused requests was stored or sent to the bank", async () => {
    // The file's one valid payment (X-Request-Id test) is the only row and the only bank submission.
    const stored = await runInDurableObject(merchantStub(merchant.id), (_instance, state) => ({
      payments: state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM payments`).one().n,
      keys: state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM idempotency_keys`).one().n,
    }));
    expect(stored).toEqual({ payments: 1, keys: 1 });
    expect((await bankRequestsByDebtor(merchant.debtor_iban)).length).toBe(1);
    expect((await bankTransfersOf(merchant.debtor_iban)).length).toBe(1);
  });
});
