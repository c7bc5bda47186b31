/**
 * A bank that sends its headers and then trickles the body forever
 * (a stalled proxy, a bank stuck mid-answer) is cut off by BANK_TIMEOUT_MS:
 * the whole exchange, body included, not just the wait for headers. Against
 * a real Node server; test/bank-stalled-body.test.ts does the same inside
 * workerd against the simulator's stalled_body rule.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JsonBankAdapter } from "../../src/bank/json-adapter.ts";

const TIMEOUT_MS = 500;
/** Scheduling slack on a shared machine; far below the body's endless trickle. */
const SLACK_MS = 1_000;
const TRICKLE_INTERVAL_MS = 50;

let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.flushHeaders();
    const trickle = setInterval(() => res.write(" "), TRICKLE_INTERVAL_MS);
    res.on("close", () => clearInterval(trickle));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function client(): JsonBankAdapter {
  // Node's fetch stands in for the BANK Fetcher (same signature).
  return new JsonBankAdapter({
    fetcher: { fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init) } as Fetcher,
    baseUrl,
    timeoutMs: TIMEOUT_MS,
    currencies: ["EUR"],
  });
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; elapsedMs: number }> {
  const started = Date.now();
  const value = await work();
  return { value, elapsedMs: Date.now() - started };
}

describe("a bank that stalls after its headers", () => {
  it("a submission: cut off at the timeout, and the outcome is unknown (the bank may have booked it)", async () => {
    const bank = client();
    const preparation = bank.prepareTransfer(
      {
        endToEndId: "STALL-1",
        debtor: { name: "Stall Shop", iban: "DE02370400440532013111" },
        creditor: { name: "Jane Supplier", iban: "DE89370400440532013000" },
        amountMinor: 100,
        currency: "EUR",
        reference: "stall",
        createdAt: Date.now(),
        sentAt: Date.now(),
      },
      null,
    );
    if (!preparation.ok) throw new Error(preparation.reason);
    const { value: call, elapsedMs } = await timed(() => bank.submitCreditTransfer(preparation.prepared));
    expect(elapsedMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 10);
    expect(elapsedMs).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    expect(call.httpStatus).toBe(200);
    expect(call.outcome).toMatchObject({ kind: "unknown" });
    expect(call.outcome.kind === "unknown" ? call.outcome.reason : "").toContain("TimeoutError");
  });

  it("an inquiry: cut off at the timeout, unknown (never 'not found')", async () => {
    const { value: call, elapsedMs } = await timed(() => client().inquireCreditTransfer("STALL-2"));
    expect(elapsedMs).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    expect(call.outcome.kind).toBe("unknown");
  });

  it("a statement page: cut off at the timeout, a failed read", async () => {
    const { value: call, elapsedMs } = await timed(() =>
      client().fetchStatementPage({ debtorIban: "DE02370400440532013111", date: "2026-11-23", cursor: null }),
    );
    expect(elapsedMs).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    expect(call.outcome.kind).toBe("failed");
  });
});
