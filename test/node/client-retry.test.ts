/**
 * The typed client's retries (clients/typescript/src/retry.ts) against a
 * scripted HTTP server on 127.0.0.1: what is retried (network errors, 429,
 * 502, 503, 504), what never is (any other 4xx, a 500, a POST without an
 * Idempotency-Key), that every attempt repeats the same request, and how
 * long it waits (backoff with jitter, Retry-After, the cap).
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConnectorClient, type RetryClock, retryingFetch } from "../../clients/typescript/src/index.ts";
import { freePort } from "./support/throwaway-stack.ts";

interface Seen {
  method: string;
  key: string | undefined;
  body: string;
}

/** Answers each request with the next scripted status (the last one repeats). */
let script: Array<{ status: number; headers?: Record<string, string> }> = [];
let seen: Seen[] = [];
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = createServer(async (request: IncomingMessage, response) => {
    let body = "";
    for await (const chunk of request) body += chunk;
    seen.push({ method: request.method ?? "", key: request.headers["idempotency-key"] as string | undefined, body });
    const next = script[Math.min(seen.length - 1, script.length - 1)] ?? { status: 200 };
    const json = next.status < 300 ? { id: "pay_x" } : { type: "urn:payment-connector:problem:x", status: next.status };
    response.writeHead(next.status, { "content-type": "application/json", ...next.headers });
    response.end(JSON.stringify(json));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.close();
});

function recordingClock(): RetryClock & { waits: number[] } {
  const waits: number[] = [];
  return { waits, sleep: async (ms) => void waits.push(ms), random: () => 0.5 };
}

function run(statuses: number[], headers?: Record<string, string>) {
  script = statuses.map((status) => ({ status, ...(headers ? { headers } : {}) }));
  seen = [];
}

const body = { amount: 1250, currency: "EUR", creditor: { name: "Jane", iban: "DE89370400440532013000" }, reference: "r" };

describe("retries", () => {
  for (const status of [429, 502, 503, 504]) {
    it(`retries a payment answered ${status}, with the same Idempotency-Key and body each time`, async () => {
      run([status, status, 201]);
      const clock = recordingClock();
      const client = createConnectorClient({ baseUrl, apiKey: "k", retryClock: clock });
      const result = await client.createPayment(body);
      expect(result.status).toBe(201);
      expect(seen).toHaveLength(3);
      expect(new Set(seen.map((s) => s.key))).toEqual(new Set([result.idempotencyKey]));
      expect(new Set(seen.map((s) => s.body))).toEqual(new Set([JSON.stringify(body)]));
      // Full jitter with random() = 0.5: half of 200 ms, then half of 400 ms.
      expect(clock.waits).toEqual([100, 200]);
    });
  }

  for (const status of [400, 401, 403, 404, 405, 409, 413, 415, 422, 500]) {
    it(`never retries ${status}`, async () => {
      run([status, 201]);
      const client = createConnectorClient({ baseUrl, apiKey: "k", retryClock: recordingClock() });
      expect((await client.createPayment(body)).status).toBe(status);
      expect(seen).toHaveLength(1);
    });
  }

  it("gives up after maxAttempts and answers the last response", async () => {
    run([503]);
    const clock = recordingClock();
    const client = createConnectorClient({ baseUrl, apiKey: "k", retryClock: clock, retry: { maxAttempts: 4 } });
    expect((await client.createPayment(body)).status).toBe(503);
    expect(seen).toHaveLength(4);
    expect(clock.waits).toEqual([100, 200, 400]);
  });

  it("waits what Retry-After asks, up to maxDelayMs", async () => {
    run([503, 201], { "retry-after": "3" });
    const clock = recordingClock();
    await createConnectorClient({ baseUrl, apiKey: "k", retryClock: clock }).createPayment(body);
    expect(clock.waits).toEqual([3000]);
    run([503, 201], { "retry-after": "120" });
    const capped = recordingClock();
    await createConnectorClient({ baseUrl, apiKey: "k", retryClock: capped, retry: { maxDelayMs: 5000 } }).createPayment(body);
    expect(capped.waits).toEqual([5000]);
  });

  it("retries reads, but not a POST without an Idempotency-Key (a repeat could act twice)", async () => {
    run([503, 200]);
    const client = createConnectorClient({ baseUrl, apiKey: "k", retryClock: recordingClock() });
    expect((await client.api.GET("/v1/payments/{id}", { params: { path: { id: "pay_x" } } })).response.status).toBe(200);
    expect(seen.map((s) => s.method)).toEqual(["GET", "GET"]);
    run([503, 201]);
    const created = await client.api.POST("/v1/webhook-endpoints", { body: { url: "https://shop.example/hooks" } });
    expect(created.response.status).toBe(503);
    expect(seen).toHaveLength(1);
  });

  it("retries a cancel (idempotent by nature, sent with an Idempotency-Key)", async () => {
    run([503, 200]);
    const client = createConnectorClient({ baseUrl, apiKey: "k", retryClock: recordingClock() });
    expect((await client.cancelPayment("pay_01JD5Z8Q9X4R7M2K3N6P8T0V1W")).status).toBe(200);
    expect(seen.map((s) => [s.method, s.key])).toEqual([
      ["POST", "cancel-pay_01JD5Z8Q9X4R7M2K3N6P8T0V1W"],
      ["POST", "cancel-pay_01JD5Z8Q9X4R7M2K3N6P8T0V1W"],
    ]);
  });

  it("retries a network error, and throws it once attempts run out", async () => {
    const closedPort = await freePort();
    const clock = recordingClock();
    let attempts = 0;
    const fetchWithRetries = retryingFetch(
      (request) => {
        attempts++;
        return fetch(request);
      },
      { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 100 },
      clock,
    );
    await expect(fetchWithRetries(new Request(`http://127.0.0.1:${closedPort}/v1/payments`))).rejects.toThrow(TypeError);
    expect(attempts).toBe(3);
    expect(clock.waits).toEqual([5, 10]);
  });

  it("does not retry a request its caller aborted", async () => {
    run([201]);
    const controller = new AbortController();
    controller.abort();
    let attempts = 0;
    const fetchWithRetries = retryingFetch(
      (request) => {
        attempts++;
        return fetch(request);
      },
      undefined,
      recordingClock(),
    );
    await expect(fetchWithRetries(new Request(`${baseUrl}/v1/payments`, { signal: controller.signal }))).rejects.toThrow();
    expect(attempts).toBe(1);
  });

  it("refuses an Idempotency-Key the connector would refuse, before sending anything", async () => {
    run([201]);
    const client = createConnectorClient({ baseUrl, apiKey: "k", retryClock: recordingClock() });
    await expect(client.createPayment(body, { idempotencyKey: "tab\there" })).rejects.toThrow(/printable ASCII/);
    await expect(client.createPayment(body, { idempotencyKey: "k".repeat(256) })).rejects.toThrow(/1-255/);
    expect(seen).toHaveLength(0);
  });
});
