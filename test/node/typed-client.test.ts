/**
 * The typed client (clients/typescript) against the local stack: an operator
 * creates a merchant, the merchant pays, replays, loses an answer on the way
 * back and retries (paid once), reads every payment through the one list
 * shape, and cannot cancel a settled payment (typed-client-cancel.test.ts
 * cancels a pending one). Types come from schemas/openapi.json (`npm run client`).
 */
import { composeIBAN } from "ibantools";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allItems, type ConnectorClient, createConnectorClient, type Payment } from "../../clients/typescript/src/index.ts";
import type { LocalStack } from "../../tools/local-stack.ts";
import { startThrowawayStack, THROWAWAY_ADMIN_TOKEN } from "./support/throwaway-stack.ts";

let stack: LocalStack;
let merchant: ConnectorClient;
let merchantApiKey: string;
let debtorIban: string;

/** No waiting between retries: the test is about which requests are repeated, not when. */
const instantRetries = { sleep: async () => {}, random: () => 0 };

const payment = {
  amount: 1250,
  currency: "EUR",
  creditor: { name: "Jane Supplier", iban: "DE89370400440532013000" },
  reference: "Invoice 42",
};

beforeAll(async () => {
  stack = await startThrowawayStack("typed-client");
  const admin = createConnectorClient({ baseUrl: stack.url, apiKey: THROWAWAY_ADMIN_TOKEN });
  debtorIban = composeIBAN({ countryCode: "DE", bban: "500105170648489890" }) as string;
  const created = await admin.api.POST("/admin/v1/merchants", { body: { name: "Typed Client GmbH", debtor_iban: debtorIban } });
  if (!created.data) throw new Error(`merchant creation failed: ${JSON.stringify(created.error)}`);
  merchantApiKey = created.data.api_key;
  merchant = createConnectorClient({ baseUrl: stack.url, apiKey: merchantApiKey, retryClock: instantRetries });
});

afterAll(async () => {
  await stack?.close();
});

async function bankTransfers(): Promise<unknown[]> {
  const response = await fetch(`${stack.simulator?.controlUrl}/control/ledger?debtor_iban=${debtorIban}`);
  return ((await response.json()) as { transfers: unknown[] }).transfers;
}

describe("the typed client against the local stack", () => {
  it("pays, replays with the same key, and lists through { data, has_more, next_cursor }", async () => {
    const first = await merchant.createPayment(payment, { idempotencyKey: "order-1001" });
    expect(first.problem).toBeUndefined();
    expect(first).toMatchObject({ status: 201, replayed: false, idempotencyKey: "order-1001", payment: { status: "succeeded" } });

    const replay = await merchant.createPayment(payment, { idempotencyKey: "order-1001" });
    expect(replay).toMatchObject({ status: 201, replayed: true, payment: { id: first.payment?.id } });

    const reused = await merchant.createPayment({ ...payment, amount: 999 }, { idempotencyKey: "order-1001" });
    expect(reused.status).toBe(422);
    expect(reused.problem?.type).toBe("urn:payment-connector:problem:idempotency-key-reuse");

    const second = await merchant.createPayment({ ...payment, reference: "Invoice 43" });
    expect(second.idempotencyKey).toMatch(/^pay-[0-9a-f-]{36}$/);
    expect(second.payment?.status).toBe("succeeded");

    const pages: number[] = [];
    const listed: Payment[] = [];
    for await (const item of allItems(async (cursor) => {
      const { data, error } = await merchant.api.GET("/v1/payments", {
        params: { query: { limit: "1", order: "asc", ...(cursor ? { cursor } : {}) } },
      });
      if (!data) throw new Error(JSON.stringify(error));
      pages.push(data.data.length);
      return data;
    })) {
      listed.push(item);
    }
    expect(listed.map((p) => p.id)).toEqual([first.payment?.id, second.payment?.id]);
    expect(pages).toEqual([1, 1]);

    const read = await merchant.api.GET("/v1/payments/{id}", { params: { path: { id: first.payment?.id as string } } });
    expect(read.data?.reference).toBe("Invoice 42");
  });

  it("retries a payment whose answer was lost with the same Idempotency-Key: the bank is paid once", async () => {
    const before = (await bankTransfers()).length;
    const sentKeys: string[] = [];
    const client = createConnectorClient({
      baseUrl: stack.url,
      apiKey: merchantApiKey,
      retryClock: instantRetries,
      fetch: async (request) => {
        sentKeys.push(request.headers.get("idempotency-key") ?? "");
        const response = await fetch(request);
        if (sentKeys.length > 1) return response;
        // The connector admitted and paid; its answer never arrives.
        await response.arrayBuffer();
        throw new TypeError("fetch failed: connection reset");
      },
    });
    const result = await client.createPayment({ ...payment, reference: "Invoice 44" });
    expect(result).toMatchObject({ status: 201, replayed: true, payment: { status: "succeeded" } });
    expect(sentKeys).toEqual([result.idempotencyKey, result.idempotencyKey]);
    expect(await bankTransfers()).toHaveLength(before + 1);
  });

  it("cancels through the client: a settled payment is not cancelable, and the refusal is not retried", async () => {
    const settled = await merchant.createPayment({ ...payment, reference: "Invoice 45" });
    const refused = await merchant.cancelPayment(settled.payment?.id as string);
    expect(refused.status).toBe(409);
    expect(refused.problem?.type).toBe("urn:payment-connector:problem:payment-not-cancelable");
  });

  it("does not retry a request the connector refused as wrong (4xx)", async () => {
    let calls = 0;
    const client = createConnectorClient({
      baseUrl: stack.url,
      apiKey: merchantApiKey,
      retryClock: instantRetries,
      fetch: (request) => {
        calls++;
        return fetch(request);
      },
    });
    const refused = await client.createPayment({ ...payment, currency: "XXX" });
    expect(refused.status).toBe(400);
    expect(refused.problem?.invalid_params).toEqual([{ name: "currency", reason: "is not an ISO 4217 currency" }]);
    expect(calls).toBe(1);
  });
});
