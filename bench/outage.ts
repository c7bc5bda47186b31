/**
 * Scenario 7, outage and recovery. Payments are spread over several
 * merchants; after about the first third the bank answers 503 to everything
 * for `outageMs` while payments keep arriving (the connector answers them
 * 202 pending), then the bank heals. The bench then lists each merchant's
 * pending payments every `pollIntervalMs` and notes when each payment that
 * was pending at the heal stops being pending.
 *
 * The outage is a fault rule (every request answered 503, nothing booked),
 * not a closed door: the simulator then still sees and logs every request
 * the connector makes, so the bank requests per merchant per minute during
 * the outage can be counted. A 503 is a gateway error, which opens the
 * connector's circuit just as a refused connection does.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { RequestLogEntry } from "../tools/bank-simulator/control-plane.ts";
import type { BankSimulator } from "../tools/bank-simulator/simulator.ts";
import type { Answer, LoadResult } from "./load.ts";
import { countFailure, emptyLoad, keepAlivePool, runLoad } from "./load.ts";
import type { OutagePlan } from "./plan.ts";
import { type BenchMerchant, createMerchant, type Measured, measured, paymentRequest } from "./scenarios.ts";
import { type LatencySummary, summarize } from "./stats.ts";

const OUTAGE_STATUS = 503;
/** Payments during the outage are sent over this share of it, so they are all answered before the heal. */
const OUTAGE_SENDING_SHARE = 0.9;
const PAGE_LIMIT = 100;
const MINUTE_MS = 60_000;

export interface OutageResult {
  merchants: number;
  /** Every POST /v1/payments of the scenario: 201 and 202 are both right; anything else is a failure. */
  submissions: Measured;
  answeredSettled: number;
  answeredPending: number;
  sentBeforeOutage: number;
  sentDuringOutage: number;
  /** How long the bank really was down (the plan's outage, or longer if submissions were still being answered). */
  outageMs: number;
  pendingAtHeal: number;
  /** For each payment pending at the heal that became final in the window: ms from the heal to the poll that saw it final. */
  timesToFinalMs: number[];
  timeToFinal: LatencySummary;
  stillPending: number;
  settleWindowMs: number;
  pollIntervalMs: number;
  /** The listing requests of the polling: they must all succeed too. */
  polls: Measured;
  bank: BankRequestsDuringOutage;
}

export interface BankRequestsDuringOutage {
  requests: number;
  /** Requests whose debtor the bench could not tell (e.g. a probe for a payment never submitted, if its end-to-end id is not the payment's ULID). */
  unattributed: number;
  /** All requests ÷ merchants ÷ minutes of outage. */
  meanPerMerchantPerMinute: number;
  /** The busiest merchant, counting only attributed requests (so at least this). */
  maxPerMerchantPerMinute: number;
}

export interface OutageTarget {
  url: string;
  adminToken: string;
  simulator: BankSimulator;
  /** The run's bank latency, put back afterwards. */
  restoreLatencyMs: number;
}

export async function outageAndRecovery(target: OutageTarget, plan: OutagePlan, progress: (line: string) => void): Promise<OutageResult> {
  const { simulator } = target;
  const merchants: BenchMerchant[] = [];
  for (let i = 0; i < plan.merchants; i++) merchants.push(await createMerchant(target.url, target.adminToken, `Bench Outage ${i + 1}`));
  const pool = keepAlivePool(target.url, plan.merchants);
  simulator.setLatency(plan.bankLatencyMs);
  let answeredSettled = 0;
  let answeredPending = 0;
  const check = (answer: Answer): string | undefined => {
    if (answer.status === 201) answeredSettled++;
    else if (answer.status === 202) answeredPending++;
    else return `payment answered ${answer.status}, not 201 or 202`;
    return undefined;
  };
  const next = (offset: number) => (index: number) => paymentRequest(merchants[(offset + index) % merchants.length] as BenchMerchant);

  try {
    const before = Math.ceil(plan.payments / 3);
    const during = plan.payments - before;
    const phaseA = await runLoad({ pool, concurrency: plan.merchants, requests: before, next: next(0), check });

    progress(`   bank down (503 to everything) for ${plan.outageMs / 1000} s; ${during} more payments meanwhile`);
    const firstOutageRequest = simulator.requests.length;
    const rule = simulator.faults.add({ match: {}, action: { kind: "server_error", status: OUTAGE_STATUS, record: false } });
    const downAt = performance.now();
    const intervalMs = during > 0 ? (plan.outageMs * OUTAGE_SENDING_SHARE) / during : 0;
    const phaseB = await runLoad({ pool, concurrency: plan.merchants, requests: during, intervalMs, next: next(before), check });
    // Timers may fire a little early against performance.now(): wait until the outage has really lasted its length.
    for (let left = downAt + plan.outageMs - performance.now(); left > 0; left = downAt + plan.outageMs - performance.now())
      await sleep(left);
    simulator.faults.remove(rule.id);
    const healedAt = performance.now();
    const outageRequests = simulator.requests.slice(firstOutageRequest);
    progress("   bank healed; polling pending payments");

    const recovery = await pollUntilFinal(target.url, merchants, plan, healedAt);
    const ids = await paymentIdsByMerchant(target.url, merchants);
    const bank = countBankRequests(outageRequests, simulator.requests, merchants, ids, healedAt - downAt);
    const timesToFinalMs = [...recovery.finalAfterMs].sort((a, b) => a - b);
    return {
      merchants: plan.merchants,
      submissions: measured(mergeLoads(phaseA, phaseB)),
      answeredSettled,
      answeredPending,
      sentBeforeOutage: phaseA.completed,
      sentDuringOutage: phaseB.completed,
      outageMs: healedAt - downAt,
      pendingAtHeal: recovery.pendingAtHeal,
      timesToFinalMs,
      timeToFinal: summarize(timesToFinalMs),
      stillPending: recovery.pendingAtHeal - timesToFinalMs.length,
      settleWindowMs: plan.settleWindowMs,
      pollIntervalMs: plan.pollIntervalMs,
      polls: measured(recovery.polls),
      bank,
    };
  } finally {
    simulator.setLatency(target.restoreLatencyMs);
    await pool.close();
  }
}

interface Recovery {
  pendingAtHeal: number;
  finalAfterMs: number[];
  polls: LoadResult;
}

/**
 * Lists every merchant's pending payments each tick. A payment pending at a
 * merchant's first successful listing counts as pending at the heal; it is
 * final once a later successful listing of that merchant no longer has it.
 * A failed listing says nothing about its merchant's payments that tick.
 */
async function pollUntilFinal(url: string, merchants: BenchMerchant[], plan: OutagePlan, healedAt: number): Promise<Recovery> {
  const pool = keepAlivePool(url, Math.min(merchants.length, 4));
  const polls = emptyLoad();
  const started = healedAt;
  const watched = new Map<string, Set<string>>();
  const finalAfterMs: number[] = [];
  try {
    for (;;) {
      const tick = performance.now();
      const listings = await Promise.all(merchants.map((merchant) => listPending(pool, merchant, polls)));
      const seenAt = performance.now() - started;
      listings.forEach((pending, index) => {
        const merchant = merchants[index] as BenchMerchant;
        if (pending === undefined) return;
        const watching = watched.get(merchant.id);
        if (!watching) {
          watched.set(merchant.id, pending);
          return;
        }
        for (const id of watching) {
          if (pending.has(id)) continue;
          watching.delete(id);
          finalAfterMs.push(seenAt);
        }
      });
      const waiting = [...watched.values()].reduce((sum, ids) => sum + ids.size, 0);
      if ((watched.size === merchants.length && waiting === 0) || seenAt >= plan.settleWindowMs) break;
      const pause = tick + plan.pollIntervalMs - performance.now();
      if (pause > 0) await sleep(pause);
    }
  } finally {
    await pool.close();
  }
  polls.elapsedMs = performance.now() - started;
  const pendingAtHeal = finalAfterMs.length + [...watched.values()].reduce((sum, ids) => sum + ids.size, 0);
  return { pendingAtHeal, finalAfterMs, polls };
}

type Dispatcher = ReturnType<typeof keepAlivePool>;

/** Ids of the merchant's payments with `status` (all pages), or undefined if any page failed (counted in `load`). */
async function listIds(pool: Dispatcher, merchant: BenchMerchant, load: LoadResult, status?: string): Promise<Set<string> | undefined> {
  const ids = new Set<string>();
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ limit: String(PAGE_LIMIT), ...(status ? { status } : {}), ...(cursor ? { cursor } : {}) });
    const sent = performance.now();
    try {
      const response = await pool.request({
        method: "GET",
        path: `/v1/payments?${query.toString()}`,
        headers: { authorization: `Bearer ${merchant.apiKey}` },
      });
      const body = await response.body.text();
      load.latenciesMs.push(performance.now() - sent);
      load.completed++;
      if (response.statusCode !== 200) {
        load.non2xx++;
        countFailure(load, `listing answered ${response.statusCode}: ${body.slice(0, 160)}`);
        return undefined;
      }
      const page = JSON.parse(body) as { data: Array<{ id: string }>; next_cursor: string | null };
      for (const payment of page.data) ids.add(payment.id);
      cursor = page.next_cursor;
    } catch (error) {
      load.completed++;
      load.errors++;
      countFailure(load, error instanceof Error ? `${error.name}: ${error.message}` : String(error));
      return undefined;
    }
  } while (cursor);
  return ids;
}

function listPending(pool: Dispatcher, merchant: BenchMerchant, load: LoadResult): Promise<Set<string> | undefined> {
  return listIds(pool, merchant, load, "pending");
}

/** Every payment id of each merchant, to tell whose payment a bank inquiry was about. */
async function paymentIdsByMerchant(url: string, merchants: BenchMerchant[]): Promise<Map<string, Set<string>>> {
  const pool = keepAlivePool(url, 1);
  const byMerchant = new Map<string, Set<string>>();
  try {
    for (const merchant of merchants) byMerchant.set(merchant.id, (await listIds(pool, merchant, emptyLoad())) ?? new Set());
  } finally {
    await pool.close();
  }
  return byMerchant;
}

/**
 * Whose request each logged bank request was: a submission names its debtor;
 * an inquiry names an end-to-end id, which is matched to an earlier
 * submission's debtor or, failing that, to a payment id of the merchant (the
 * connector uses the payment's ULID as end-to-end id today; if that changes,
 * such a request is only counted as unattributed).
 */
function countBankRequests(
  outage: readonly RequestLogEntry[],
  wholeLog: readonly RequestLogEntry[],
  merchants: readonly BenchMerchant[],
  paymentIds: ReadonlyMap<string, ReadonlySet<string>>,
  outageMs: number,
): BankRequestsDuringOutage {
  const merchantOfDebtor = new Map(merchants.map((m) => [m.debtorIban, m.id]));
  const debtorOfEndToEnd = new Map<string, string>();
  for (const entry of wholeLog) if (entry.end_to_end_id && entry.debtor_iban) debtorOfEndToEnd.set(entry.end_to_end_id, entry.debtor_iban);
  const merchantOfEndToEnd = new Map<string, string>();
  for (const [merchantId, ids] of paymentIds) for (const id of ids) merchantOfEndToEnd.set(id.replace(/^pay_/, ""), merchantId);

  const perMerchant = new Map<string, number>();
  let unattributed = 0;
  for (const entry of outage) {
    const debtor = entry.debtor_iban ?? (entry.end_to_end_id ? debtorOfEndToEnd.get(entry.end_to_end_id) : undefined);
    const merchant =
      (debtor ? merchantOfDebtor.get(debtor) : undefined) ??
      (entry.end_to_end_id ? merchantOfEndToEnd.get(entry.end_to_end_id) : undefined);
    if (merchant === undefined) unattributed++;
    else perMerchant.set(merchant, (perMerchant.get(merchant) ?? 0) + 1);
  }
  const minutes = outageMs / MINUTE_MS;
  return {
    requests: outage.length,
    unattributed,
    meanPerMerchantPerMinute: minutes > 0 && merchants.length > 0 ? outage.length / merchants.length / minutes : 0,
    maxPerMerchantPerMinute: minutes > 0 ? Math.max(0, ...perMerchant.values()) / minutes : 0,
  };
}

function mergeLoads(a: LoadResult, b: LoadResult): LoadResult {
  const failures = new Map(a.failures);
  for (const [kind, count] of b.failures) failures.set(kind, (failures.get(kind) ?? 0) + count);
  return {
    completed: a.completed + b.completed,
    elapsedMs: a.elapsedMs + b.elapsedMs,
    latenciesMs: [...a.latenciesMs, ...b.latenciesMs],
    errors: a.errors + b.errors,
    non2xx: a.non2xx + b.non2xx,
    unexpected: a.unexpected + b.unexpected,
    failures,
  };
}
