/**
 * One JSON log line per request and per bank call, with the fields operators
 * query by; IBANs masked to their last 4, keys, tokens and certificates never
 * printed. Console output is captured in the workerd isolate the merchant
 * objects share with the tests.
 */
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { maskIban, redact, redactText } from "../src/platform/log.ts";
import { createKeyOk } from "./support/admin.ts";
import { call, createMerchant, json, paymentBody, postPayment } from "./support/api.ts";
import { TEST_ADMIN_TOKEN } from "./support/constants.ts";

type Line = Record<string, unknown>;

let spies: MockInstance[] = [];
function captured(): { raw: string[]; lines: Line[] } {
  const raw = spies.flatMap((spy) => spy.mock.calls.map((args) => args.map(String).join(" ")));
  const lines = raw.flatMap((text) => {
    try {
      return [JSON.parse(text) as Line];
    } catch {
      return [];
    }
  });
  return { raw, lines };
}

beforeEach(() => {
  spies = [vi.spyOn(console, "log"), vi.spyOn(console, "warn"), vi.spyOn(console, "error")];
});
afterEach(() => {
  for (const spy of spies) spy.mockRestore();
});

describe("redaction", () => {
  it("masks IBANs to their last 4, printed or electronic, anywhere in a value", () => {
    expect(maskIban("DE89 3704 0044 0532 0130 00")).toBe("****3000");
    expect(redact({ note: "paid DE89370400440532013000 and DE89 3704 0044 0532 0130 00" })).toEqual({ note: "paid ****3000 and ****3000" });
    // A bank may echo it in lower case.
    expect(redact({ body: '{"iban":"de89370400440532013000"}' })).toEqual({ body: '{"iban":"****3000"}' });
  });

  it("drops secret-looking fields whole and scrubs secrets out of free text", () => {
    const pem = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----";
    const out = redact({
      authorization: "Bearer abc",
      api_key: "mck_x",
      admin_token: "t",
      client_certificate: "c",
      key_hash: "ff",
      nested: [{ private_key: pem }],
      error: `TLS failed with ${pem} for Bearer sekrit-token and key mck_01JD5Z8Q9X4R7M2K3N6P8T0V1W_${"A".repeat(43)}`,
    }) as Record<string, unknown>;
    const text = JSON.stringify(out);
    for (const secret of ["abc", "mck_x", "MIGHAgEA", "sekrit-token", "A".repeat(43), '"ff"']) expect(text).not.toContain(secret);
    expect(out.error).toBe("TLS failed with [redacted pem] for Bearer [redacted] and key mck_01JD5Z8Q9X4R7M2K3N6P8T0V1W_[redacted]");
    expect(redactText("-----BEGIN CERTIFICATE-----\nMIIB (truncated")).toBe("[redacted pem]");
    expect(redactText("signing with whsec_Zm9vYmFyLWJhei1xdXV4_-9 failed")).toBe("signing with whsec_[redacted] failed");
  });
});

describe("log lines", () => {
  it("one http_request line and one bank_call line per paid request, with the operator's fields and nothing secret", async () => {
    const merchant = await createMerchant();
    const second = await createKeyOk(merchant.id);
    const requestId = `obs-${crypto.randomUUID()}`;
    const response = await postPayment(second.api_key, paymentBody({ reference: "observability" }), crypto.randomUUID(), {
      "x-request-id": requestId,
    });
    expect(response.status).toBe(201);
    const payment = await json(response);

    const { raw, lines } = captured();
    const requests = lines.filter((l) => l.event === "http_request" && l.request_id === requestId);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      level: "info",
      method: "POST",
      route: "/v1/payments",
      status: 201,
      merchant_id: merchant.id,
      payment_id: payment.id,
    });
    expect(requests[0]?.latency_ms).toEqual(expect.any(Number));

    const bankCalls = lines.filter((l) => l.event === "bank_call" && l.payment_id === payment.id);
    expect(bankCalls).toHaveLength(1);
    expect(bankCalls[0]).toMatchObject({
      request_id: requestId,
      merchant_id: merchant.id,
      operation: "submit",
      attempt: 1,
      http_status: 201,
      outcome: "accepted",
      bank_status: "ACSC",
      creditor_iban: "****3000",
    });
    expect(bankCalls[0]?.latency_ms).toEqual(expect.any(Number));

    // Every captured line, whatever produced it: no full IBAN, key, hash, token or certificate.
    const all = raw.join("\n");
    const keyHash = [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(second.api_key)))]
      .map((b) => b.toString(16).padStart(2, "0"))
      .join("");
    for (const secret of [
      merchant.api_key,
      second.api_key,
      second.api_key.slice(-43),
      keyHash,
      TEST_ADMIN_TOKEN,
      merchant.debtor_iban,
      "DE89370400440532013000",
      "BEGIN",
    ]) {
      expect(all).not.toContain(secret);
    }
  });

  it("logs refused requests too, without the rejected values", async () => {
    const merchant = await createMerchant();
    const badIban = "DE00370400440532013000";
    const requestId = `obs-${crypto.randomUUID()}`;
    const response = await postPayment(merchant.api_key, paymentBody({ creditor: { name: "A", iban: badIban } }), crypto.randomUUID(), {
      "x-request-id": requestId,
    });
    expect(response.status).toBe(400);
    const { raw, lines } = captured();
    expect(lines.filter((l) => l.event === "http_request" && l.request_id === requestId)).toEqual([
      expect.objectContaining({ status: 400, merchant_id: merchant.id, route: "/v1/payments" }),
    ]);
    expect(raw.join("\n")).not.toContain(badIban);
  });

  it("the admin token never reaches the log, even when wrong", async () => {
    const wrong = `wrong-${crypto.randomUUID()}`;
    await call("/admin/v1/merchants", { method: "POST", headers: { authorization: `Bearer ${wrong}` } });
    expect(captured().raw.join("\n")).not.toContain(wrong);
  });
});
