/**
 * `npm run bench:capacity`: the measured inputs of docs/scaling.md.
 *
 * 1. Ceiling of one merchant object: open-loop arrivals at rising rates on
 *    one merchant (each rate for a window after a warm-up, in-flight requests
 *    up to MAX_IN_FLIGHT, so the client sends on schedule rather than waiting
 *    for answers), until the p99 passes 1 s.
 * 2. Bytes of SQLite per payment (the object's database file once the stack
 *    is closed and its WAL checkpointed; the figure the 10 GB limit is
 *    about): REAL_PAYMENTS real payments through the API (events,
 *    idempotency key, outbox events), on one merchant without and one with a
 *    webhook endpoint (a local receiver answering 204, so deliveries and
 *    their attempts too); then the first merchant's first payment's rows are
 *    cloned with fresh ids of the same length up to FOOTPRINT_PAYMENTS; and
 *    once more with only the payments and their events (what is left after
 *    the idempotency-key and webhook-event retention windows). Each is
 *    compared with an empty merchant's database.
 *
 * Environment: BENCH_CAPACITY_RATES (payments/s, comma-separated; default
 * below; 0: no ceiling), BENCH_CAPACITY_WINDOW_MS, BENCH_FOOTPRINT_PAYMENTS
 * (0: no footprint), BENCH_BANK_LATENCY_MS.
 */
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monotonicFactory } from "ulid";
import { CpuMeter } from "./cpu.ts";
import { keepAlivePool, runLoad } from "./load.ts";
import { createMerchant, paymentRequest } from "./scenarios.ts";
import { benchStackOptions, type RunningStack, startBenchStack } from "./stacks.ts";
import { summarize } from "./stats.ts";

const DEFAULT_RATES = [10, 20, 30, 40, 60, 80, 100, 130, 160, 200, 250, 300];
const DEFAULT_WINDOW_MS = 10_000;
const RATE_WARMUP_MS = 2_000;
const MAX_IN_FLIGHT = 2_000;
const P99_LIMIT_MS = 1_000;
const DEFAULT_FOOTPRINT_PAYMENTS = 100_000;
/** Real payments per footprint merchant: enough pages that page rounding does not matter. */
const REAL_PAYMENTS = 1_000;
const REAL_PAYMENT_CONCURRENCY = 8;
const DELIVERY_WAIT_MS = 60_000;
const DELIVERY_POLL_MS = 250;
const CLONES_PER_STATEMENT = 2_000;

interface RatePoint {
  rate: number;
  achieved: number;
  p50: number;
  p99: number;
  failed: number;
  cpuMsPerPayment: number | undefined;
}

async function ceiling(url: string, adminToken: string, cpu: CpuMeter, rates: number[], windowMs: number): Promise<RatePoint[]> {
  const points: RatePoint[] = [];
  for (const rate of rates) {
    const merchant = await createMerchant(url, adminToken, `Capacity ${rate}`);
    const pool = keepAlivePool(url, MAX_IN_FLIGHT);
    try {
      const intervalMs = 1000 / rate;
      // A request count as well as a rate: each loop takes its index before waiting for its time, so without
      // one, loops would hold indexes due long after the window.
      const load = (durationMs: number) => {
        const requests = Math.max(1, Math.round((rate * durationMs) / 1000));
        return { pool, concurrency: Math.min(MAX_IN_FLIGHT, requests), requests, intervalMs, next: () => paymentRequest(merchant) };
      };
      await runLoad(load(RATE_WARMUP_MS));
      cpu.begin();
      const started = performance.now();
      const result = await runLoad(load(windowMs));
      const use = cpu.end(result.completed);
      const elapsed = performance.now() - started;
      const latency = summarize(result.latenciesMs);
      const point: RatePoint = {
        rate,
        achieved: result.completed / (elapsed / 1000),
        p50: latency.p50,
        p99: latency.p99,
        failed: result.errors + result.non2xx,
        cpuMsPerPayment: use?.workerdMsPerRequest,
      };
      points.push(point);
      console.log(
        `rate ${rate}/s: achieved ${point.achieved.toFixed(0)}/s, p50 ${point.p50.toFixed(0)} ms, p99 ${point.p99.toFixed(0)} ms, ` +
          `failed ${point.failed}, workerd CPU ${point.cpuMsPerPayment?.toFixed(2)} ms/payment, others ${use?.otherCores.toFixed(2)} cores`,
      );
      if (point.p99 > P99_LIMIT_MS) break;
    } finally {
      await pool.close();
    }
  }
  return points;
}

interface FootprintMerchant {
  label: string;
  /** The Durable Object id: its database is `<id>.sqlite` under the stack's state directory. */
  objectId: string;
  payments: number;
  rows: Record<string, number>;
}

const FOOTPRINT_TABLES = ["payments", "payment_events", "idempotency_keys", "webhook_events", "webhook_deliveries", "webhook_attempts"];

/** A local receiver that accepts every webhook delivery (loopback only; the local stack allows loopback endpoints). */
async function webhookReceiver(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((request, response) => {
    request.resume();
    request.on("end", () => response.writeHead(204).end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A merchant with `realPayments` real payments (and, with `endpointUrl`, their deliveries), cloned up to `cloneTo` when given. */
async function footprintMerchant(
  running: RunningStack,
  label: string,
  realPayments: number,
  options: { endpointUrl?: string; cloneTo?: number; historyOnly?: boolean } = {},
): Promise<FootprintMerchant> {
  const { url, stack } = running;
  const merchant = await createMerchant(url, stack.adminToken, `Footprint ${label}`);
  const storage = await stack.miniflare.unsafeGetDurableObjectStorage("", "MerchantAccount", { name: merchant.id });
  // Miniflare's declared type for the namespace is off; idFromName is the runtime's own.
  const namespace = (await stack.miniflare.getDurableObjectNamespace("MERCHANT")) as unknown as { idFromName(name: string): object };
  if (options.endpointUrl) {
    const response = await fetch(`${url}/v1/webhook-endpoints`, {
      method: "POST",
      headers: { authorization: `Bearer ${merchant.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ url: options.endpointUrl }),
    });
    if (response.status !== 201) throw new Error(`webhook endpoint: ${response.status} ${await response.text()}`);
  }
  const count = async (table: string) => (await storage.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))[0]?.n ?? 0;
  if (realPayments > 0) {
    const pool = keepAlivePool(url, REAL_PAYMENT_CONCURRENCY);
    const made = await runLoad({
      pool,
      concurrency: REAL_PAYMENT_CONCURRENCY,
      requests: realPayments,
      next: () => paymentRequest(merchant),
    });
    await pool.close();
    if (made.errors + made.non2xx > 0) throw new Error("footprint: a real payment failed");
  }
  // Deliveries settle from the alarm; the footprint counts them delivered (one attempt each).
  for (let waited = 0; options.endpointUrl && waited < DELIVERY_WAIT_MS; waited += DELIVERY_POLL_MS) {
    if ((await storage.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM webhook_deliveries WHERE state = 'pending'`))[0]?.n === 0) break;
    await new Promise((resolve) => setTimeout(resolve, DELIVERY_POLL_MS));
  }
  if (options.historyOnly) {
    // What outlives the retention windows: the payment and its events (keys and outbox events are pruned).
    await storage.exec(`DELETE FROM idempotency_keys`);
    await storage.exec(`DELETE FROM webhook_events`);
  }
  if (options.cloneTo) await cloneUpTo(storage, options.cloneTo, options.historyOnly === true);
  const rows: Record<string, number> = {};
  for (const table of FOOTPRINT_TABLES) rows[table] = await count(table);
  return { label, objectId: namespace.idFromName(merchant.id).toString(), payments: rows.payments ?? 0, rows };
}

/**
 * The size of an object's database once its stack is closed: the file, or,
 * when SQLite left a write-ahead log behind, the database size in pages that
 * the log's last valid commit records (what a checkpoint would make the file).
 */
function databaseBytes(stateDir: string, objectId: string): number {
  const find = (dir: string): string | undefined => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        const found = find(path);
        if (found) return found;
      } else if (entry.name === `${objectId}.sqlite`) return path;
    }
    return undefined;
  };
  const file = find(stateDir);
  if (!file) throw new Error(`no database file for object ${objectId}`);
  const wal = `${file}-wal`;
  const committedPages = existsSync(wal) ? lastCommittedPages(readFileSync(wal)) : undefined;
  return committedPages === undefined ? statSync(file).size : committedPages * SQLITE_PAGE_BYTES;
}

const SQLITE_PAGE_BYTES = 4_096;
const WAL_HEADER_BYTES = 32;
const WAL_FRAME_HEADER_BYTES = 24;

/** SQLite's WAL format: frames whose salt matches the header's are current; a commit frame stores the database size in pages. */
function lastCommittedPages(wal: Buffer): number | undefined {
  if (wal.length < WAL_HEADER_BYTES) return undefined;
  const pageBytes = wal.readUInt32BE(8);
  const salt = wal.subarray(16, 24);
  let pages: number | undefined;
  for (let at = WAL_HEADER_BYTES; at + WAL_FRAME_HEADER_BYTES + pageBytes <= wal.length; at += WAL_FRAME_HEADER_BYTES + pageBytes) {
    if (!wal.subarray(at + 8, at + 16).equals(salt)) break;
    const committed = wal.readUInt32BE(at + 4);
    if (committed > 0) pages = committed;
  }
  return pages;
}

type ObjectStorage = Awaited<ReturnType<RunningStack["stack"]["miniflare"]["unsafeGetDurableObjectStorage"]>>;

/**
 * Clones the first payment's rows (payment, events, idempotency key, outbox
 * events) with fresh ids of the same length until `target` payments exist:
 * the same bytes per row as the connector writes, at a volume the API would
 * take hours to reach on this machine.
 */
async function cloneUpTo(storage: ObjectStorage, target: number, historyOnly: boolean): Promise<void> {
  const [template] = await storage.exec<{ id: string }>(`SELECT id FROM payments ORDER BY id LIMIT 1`);
  if (!template) throw new Error("footprint: no payment to clone");
  const nextUlid = monotonicFactory();
  const oldUlid = template.id.slice("pay_".length);
  const existing = (await storage.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM payments`))[0]?.n ?? 0;
  for (let made = existing; made < target; made += CLONES_PER_STATEMENT) {
    const ids = JSON.stringify(Array.from({ length: Math.min(CLONES_PER_STATEMENT, target - made) }, () => [nextUlid(), randomUUID()]));
    const clone = (statement: string) => storage.exec(statement, oldUlid, ids);
    await clone(
      `INSERT INTO payments (id, idempotency_key, status, amount, currency, creditor_name, creditor_iban, reference, metadata,
         end_to_end_id, bank_phase, bank_transfer_id, bank_status, bank_reason_code, failure_code, failure_message, attempts,
         next_action_at, created_at, updated_at, bank_may_hold, inquiries, bank_booked_at)
       SELECT 'pay_' || json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]'), p.status, p.amount, p.currency,
         p.creditor_name, p.creditor_iban, p.reference, p.metadata, json_extract(j.value, '$[0]'), p.bank_phase,
         p.bank_transfer_id, p.bank_status, p.bank_reason_code, p.failure_code, p.failure_message, p.attempts,
         p.next_action_at, p.created_at, p.updated_at, p.bank_may_hold, p.inquiries, p.bank_booked_at
       FROM payments p, json_each(?2) j WHERE p.id = 'pay_' || ?1`,
    );
    await clone(
      `INSERT INTO payment_events (payment_id, seq, at, from_status, to_status, bank_status, reason_code, attempt, detail, prev_hash, hash)
       SELECT 'pay_' || json_extract(j.value, '$[0]'), e.seq, e.at, e.from_status, e.to_status, e.bank_status,
         e.reason_code, e.attempt, e.detail, e.prev_hash, e.hash
       FROM payment_events e, json_each(?2) j WHERE e.payment_id = 'pay_' || ?1`,
    );
    if (historyOnly) continue;
    await clone(
      `INSERT INTO idempotency_keys (key, fingerprint, payment_id, response_status, response_body, created_at, expires_at)
       SELECT json_extract(j.value, '$[1]'), k.fingerprint, 'pay_' || json_extract(j.value, '$[0]'),
         k.response_status, k.response_body, k.created_at, k.expires_at
       FROM idempotency_keys k, json_each(?2) j WHERE k.payment_id = 'pay_' || ?1`,
    );
    await clone(
      `INSERT INTO webhook_events (id, type, ordering_key, created_at, body)
       SELECT 'evt_' || json_extract(j.value, '$[0]') || substr(w.type, 9, 1), w.type, 'pay_' || json_extract(j.value, '$[0]'),
         w.created_at, replace(w.body, ?1, json_extract(j.value, '$[0]'))
       FROM webhook_events w, json_each(?2) j WHERE w.ordering_key = 'pay_' || ?1`,
    );
  }
}

async function main(): Promise<void> {
  const latency = Number(process.env.BENCH_BANK_LATENCY_MS ?? 20);
  const rates = (process.env.BENCH_CAPACITY_RATES ?? DEFAULT_RATES.join(","))
    .split(",")
    .map(Number)
    .filter((r) => r > 0);
  const windowMs = Number(process.env.BENCH_CAPACITY_WINDOW_MS ?? DEFAULT_WINDOW_MS);
  const cloneTo = Number(process.env.BENCH_FOOTPRINT_PAYMENTS ?? DEFAULT_FOOTPRINT_PAYMENTS);
  const stateDir = mkdtempSync(join(tmpdir(), "connector-capacity-"));
  const receiver = await webhookReceiver();
  const merchants: FootprintMerchant[] = [];
  try {
    const running = await startBenchStack({ ...benchStackOptions(stateDir, latency), inspectDurableObjects: true, onWorkerLog: () => {} });
    try {
      // The ceiling first, on a fresh stack: the footprint merchants' large databases would share its workerd.
      if (rates.length > 0) await ceiling(running.url, running.stack.adminToken, new CpuMeter(running.workerdPid), rates, windowMs);
      if (cloneTo > 0) {
        merchants.push(await footprintMerchant(running, "empty", 0));
        merchants.push(await footprintMerchant(running, "real", REAL_PAYMENTS));
        merchants.push(await footprintMerchant(running, "real, one webhook endpoint", REAL_PAYMENTS, { endpointUrl: receiver.url }));
        merchants.push(await footprintMerchant(running, `cloned to ${cloneTo}`, REAL_PAYMENTS, { cloneTo }));
        merchants.push(
          await footprintMerchant(running, `cloned to ${cloneTo}, payments and events only`, 1, { cloneTo, historyOnly: true }),
        );
      }
    } finally {
      await running.stack.close();
    }
    const empty = merchants[0] ? databaseBytes(stateDir, merchants[0].objectId) : 0;
    for (const m of merchants) {
      const bytes = databaseBytes(stateDir, m.objectId);
      const perPayment = m.payments > 0 ? ` ${((bytes - empty) / m.payments).toFixed(0)} bytes per payment above an empty merchant;` : "";
      console.log(
        `footprint ${m.label}: ${m.payments} payments, database ${(bytes / 2 ** 20).toFixed(2)} MiB;${perPayment} rows ${JSON.stringify(m.rows)}`,
      );
    }
  } finally {
    await receiver.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
