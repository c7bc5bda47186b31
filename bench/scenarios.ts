/**
 * The benchmark's scenarios. Each one drives the running stack over real
 * HTTP (and, for the floor, the bank simulator over real mTLS) and returns
 * what it measured; none of them asserts a target (bench/targets.ts does).
 */
import { randomUUID } from "node:crypto";
import { composeIBAN } from "ibantools";
import { ulid } from "ulid";
import type { Pool } from "undici";
import type { CpuMeter, CpuUse } from "./cpu.ts";
import {
  type Answer,
  type AnswerCheck,
  is2xx,
  keepAlivePool,
  type LoadOptions,
  type LoadResult,
  type RequestSpec,
  runLoad,
} from "./load.ts";
import { type SeedTarget, seedSettledPayments } from "./seed.ts";
import { type LatencySummary, summarize } from "./stats.ts";

export interface BenchMerchant {
  id: string;
  apiKey: string;
  debtorIban: string;
}

/** What every scenario reports: counts that must all be zero, and its latencies. */
export interface Measured {
  requests: number;
  errors: number;
  non2xx: number;
  unexpected: number;
  failures: Array<{ kind: string; count: number }>;
  latency: LatencySummary;
  elapsedMs: number;
  perSecond: number;
  cpu?: CpuUse;
}

export interface ThroughputPoint extends Measured {
  concurrency: number;
  merchants: number;
}

export type PagingResult =
  | { skipped: string }
  | (Measured & { seeded: number; seedMs: number; pageSize: number; rowsSeen: number; distinctRows: number; totalPayments: number });

const CREDITOR = { name: "Jane Supplier", iban: "DE89370400440532013000" };
const AMOUNT_MINOR_UNITS = 1250;
const REFERENCE = "Invoice 2026-0042";
/** The body of every bench payment (the floor's adds the debtor IBAN). */
export const PAYMENT_BODY = { amount: AMOUNT_MINOR_UNITS, currency: "EUR", creditor: CREDITOR, reference: REFERENCE } as const;

export function measured(result: LoadResult, cpu?: CpuUse): Measured {
  return {
    ...(cpu ? { cpu } : {}),
    requests: result.completed,
    errors: result.errors,
    non2xx: result.non2xx,
    unexpected: result.unexpected,
    failures: [...result.failures].map(([kind, count]) => ({ kind, count })),
    latency: summarize(result.latenciesMs),
    elapsedMs: result.elapsedMs,
    perSecond: result.elapsedMs > 0 ? (result.completed * 1000) / result.elapsedMs : 0,
  };
}

// ------------------------------------------------------------------ merchants

let ibanSequence = 0;

/** A valid German IBAN, distinct per call and per run (debtor IBANs scope the simulator's ledger). */
export function uniqueDebtorIban(): string {
  ibanSequence++;
  const account = `${String(Date.now() % 1e6).padStart(6, "0")}${String(ibanSequence % 1e4).padStart(4, "0")}`;
  const iban = composeIBAN({ countryCode: "DE", bban: `50010517${account}` });
  if (!iban) throw new Error("could not compose an IBAN");
  return iban;
}

export async function createMerchant(connectorUrl: string, adminToken: string, name: string): Promise<BenchMerchant> {
  const response = await fetch(`${connectorUrl}/admin/v1/merchants`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ name, debtor_iban: uniqueDebtorIban() }),
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`creating a bench merchant failed: ${response.status} ${text.slice(0, 300)}`);
  const created = JSON.parse(text) as { id: string; api_key: string; debtor_iban: string };
  return { id: created.id, apiKey: created.api_key, debtorIban: created.debtor_iban };
}

// ------------------------------------------------------------------ requests

export function paymentRequest(merchant: BenchMerchant, idempotencyKey: string = randomUUID()): RequestSpec {
  return {
    method: "POST",
    path: "/v1/payments",
    headers: { authorization: `Bearer ${merchant.apiKey}`, "content-type": "application/json", "idempotency-key": idempotencyKey },
    body: JSON.stringify(PAYMENT_BODY),
  };
}

/** The wire request the connector itself sends for the payment above. */
export function creditTransferRequest(debtorIban: string): RequestSpec {
  return {
    method: "POST",
    path: "/v1/credit-transfers",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      end_to_end_id: ulid(),
      debtor_iban: debtorIban,
      creditor: CREDITOR,
      amount: { value: AMOUNT_MINOR_UNITS, currency: "EUR" },
      remittance_information: REFERENCE,
    }),
  };
}

/** A new payment is answered 201 (settled) or 202 (still pending); with 20 ms at the bank it should settle. */
function settledPayment(answer: Answer): string | undefined {
  if (answer.status !== 201) return `payment answered ${answer.status}, not 201 (not settled at the bank)`;
  if (answer.headers["idempotent-replayed"] === "true") return "a new Idempotency-Key was answered as a replay";
  return undefined;
}

function bookedTransfer(answer: Answer): string | undefined {
  return answer.status === 201 ? undefined : `bank answered ${answer.status}, not 201 (booked)`;
}

// ------------------------------------------------------------------ scenarios

export interface BankEndpoint {
  url: string;
  tls: { ca: string; cert: string; key: string };
}

/** Keep-alive mTLS pool to the bank, presenting the same client certificate the connector presents. */
export function bankPool(bank: BankEndpoint, connections: number): Pool {
  const url = new URL(bank.url);
  // The simulator listens on 127.0.0.1; its certificate names localhost.
  return keepAlivePool(`https://127.0.0.1:${url.port}`, connections, {
    ca: bank.tls.ca,
    cert: bank.tls.cert,
    key: bank.tls.key,
    servername: url.hostname,
  });
}

/** Runs one load and, with a meter, the CPU it cost. */
export async function metered(options: LoadOptions, cpu?: CpuMeter): Promise<Measured> {
  cpu?.begin();
  const result = await runLoad(options);
  return measured(result, cpu?.end(result.completed));
}

export async function direct(pool: Pool, debtorIban: string, requests: number, cpu?: CpuMeter): Promise<Measured> {
  return metered({ pool, concurrency: 1, requests, next: () => creditTransferRequest(debtorIban), check: bookedTransfer }, cpu);
}

export async function connector(pool: Pool, merchant: BenchMerchant, requests: number, cpu?: CpuMeter): Promise<Measured> {
  return metered({ pool, concurrency: 1, requests, next: () => paymentRequest(merchant), check: settledPayment }, cpu);
}

export async function replay(pool: Pool, merchant: BenchMerchant, requests: number, cpu?: CpuMeter): Promise<Measured> {
  const key = randomUUID();
  const first = await runLoad({ pool, concurrency: 1, requests: 1, next: () => paymentRequest(merchant, key), check: settledPayment });
  if (first.completed !== 1 || first.errors + first.non2xx + first.unexpected > 0) {
    throw new Error(`replay: the first request failed: ${[...first.failures.keys()].join("; ")}`);
  }
  const check = (answer: Answer) =>
    answer.headers["idempotent-replayed"] === "true" ? undefined : `replay answered ${answer.status} without Idempotent-Replayed: true`;
  return metered({ pool, concurrency: 1, requests, next: () => paymentRequest(merchant, key), check }, cpu);
}

/** Layers of the request path, for "where does the time go": the Worker alone (/health), and Worker + object + one read. */
export async function health(pool: Pool, requests: number, cpu?: CpuMeter): Promise<Measured> {
  return metered({ pool, concurrency: 1, requests, next: () => ({ method: "GET", path: "/health", headers: {} }) }, cpu);
}

export async function readBack(pool: Pool, merchant: BenchMerchant, requests: number, cpu?: CpuMeter): Promise<Measured> {
  const response = await pool.request(paymentRequest(merchant));
  const created = (await response.body.json()) as { id?: string };
  if (response.statusCode !== 201 || !created.id) throw new Error(`read-back: creating a payment answered ${response.statusCode}`);
  const path = `/v1/payments/${created.id}`;
  const headers = { authorization: `Bearer ${merchant.apiKey}` };
  return metered({ pool, concurrency: 1, requests, next: () => ({ method: "GET", path, headers }) }, cpu);
}

/** Payments per second with `concurrency` connections spread round-robin over `merchants`. */
export async function throughput(
  connectorUrl: string,
  merchants: BenchMerchant[],
  concurrency: number,
  warmupMs: number,
  durationMs: number,
  cpu?: CpuMeter,
): Promise<ThroughputPoint> {
  const next = (index: number) => paymentRequest(merchants[index % merchants.length] as BenchMerchant);
  return closedLoopThroughput(
    { url: connectorUrl, next, check: settledPayment, merchants: merchants.length, concurrency, warmupMs, durationMs },
    cpu,
  );
}

export interface ThroughputRun {
  url: string;
  /** The index-th request; spreading requests over merchants is up to it. */
  next: (index: number) => RequestSpec;
  check: AnswerCheck;
  merchants: number;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
}

/** `concurrency` closed loops for `durationMs` after `warmupMs` of the same load, not counted. */
export async function closedLoopThroughput(run: ThroughputRun, cpu?: CpuMeter): Promise<ThroughputPoint> {
  const { concurrency, next } = run;
  const pool = keepAlivePool(run.url, concurrency);
  try {
    // Opens every connection and lets the objects reach steady state; not counted.
    await runLoad({ pool, concurrency, durationMs: run.warmupMs, next });
    const result = await metered({ pool, concurrency, durationMs: run.durationMs, next, check: run.check }, cpu);
    return { ...result, concurrency, merchants: run.merchants };
  } finally {
    await pool.close();
  }
}

interface PageBody {
  data: Array<{ id: string }>;
  next_cursor: string | null;
}

/** The listing endpoint (issue 4) may not be on this branch yet: a route-level 404 means "not built". */
export async function listingAvailable(pool: Pool, merchant: BenchMerchant): Promise<string | undefined> {
  const response = await pool.request({
    method: "GET",
    path: "/v1/payments?limit=1",
    headers: { authorization: `Bearer ${merchant.apiKey}` },
  });
  const text = await response.body.text();
  if (response.statusCode === 404 && text.includes("No route for GET /v1/payments")) {
    return "GET /v1/payments is not on this branch yet (issue 4); paging was not measured";
  }
  return undefined;
}

/** Seeds `payments` settled payments into a fresh merchant, then walks its listing page by page. */
export async function paging(
  connectorUrl: string,
  merchant: BenchMerchant,
  seed: Omit<SeedTarget, "merchantId">,
  payments: number,
  pageSize: number,
  maxPages: number,
  cpu?: CpuMeter,
): Promise<PagingResult> {
  const probe = keepAlivePool(connectorUrl, 1);
  const unavailable = await listingAvailable(probe, merchant).finally(() => probe.close());
  if (unavailable) return { skipped: unavailable };
  const seeded = await seedSettledPayments({ ...seed, merchantId: merchant.id }, payments);
  // A connection opened after seeding: one left idle through it may be closed under the first request.
  const pool = keepAlivePool(connectorUrl, 1);

  const seen = new Set<string>();
  let rowsSeen = 0;
  let cursor: string | null = null;
  let finished = false;
  const path = () => `/v1/payments?limit=${pageSize}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
  const check = (answer: Answer): string | undefined => {
    let page: PageBody;
    try {
      page = JSON.parse(answer.body) as PageBody;
    } catch {
      finished = true;
      return "listing answered something that is not JSON";
    }
    if (!Array.isArray(page.data) || page.data.length > pageSize) {
      finished = true;
      return `listing page is not { data: [≤ ${pageSize} items] }`;
    }
    for (const row of page.data) seen.add(row.id);
    rowsSeen += page.data.length;
    cursor = page.next_cursor ?? null;
    if (!cursor) finished = true;
    return undefined;
  };
  const result = await metered(
    {
      pool,
      concurrency: 1,
      requests: maxPages,
      next: () => ({ method: "GET", path: path(), headers: { authorization: `Bearer ${merchant.apiKey}` } }),
      check: (answer) => {
        if (is2xx(answer.status)) return check(answer);
        // An error page ends the walk; runLoad counts it as non-2xx.
        finished = true;
        return undefined;
      },
      stop: () => finished,
    },
    cpu,
  ).finally(() => pool.close());
  return {
    ...result,
    seeded: seeded.inserted,
    seedMs: seeded.elapsedMs,
    pageSize,
    rowsSeen,
    distinctRows: seen.size,
    totalPayments: seeded.totalPayments,
  };
}
