/**
 * The floor's scenarios: the same loads as the connector's (sequential, then
 * closed loops at a concurrency), against bench/floor/worker.ts. A floor
 * payment must come back 201: the bank booked it and both writes committed.
 */
import { randomUUID } from "node:crypto";
import type { Pool } from "undici";
import type { CpuMeter } from "../cpu.ts";
import type { Answer, RequestSpec } from "../load.ts";
import { closedLoopThroughput, type Measured, metered, PAYMENT_BODY, type ThroughputPoint, uniqueDebtorIban } from "../scenarios.ts";

export interface FloorMerchant {
  id: string;
  debtorIban: string;
}

export function floorMerchant(): FloorMerchant {
  return { id: `floor-${randomUUID()}`, debtorIban: uniqueDebtorIban() };
}

function floorPaymentRequest(merchant: FloorMerchant): RequestSpec {
  return {
    method: "POST",
    path: "/v1/payments",
    headers: { "content-type": "application/json", "x-merchant-id": merchant.id },
    body: JSON.stringify({ ...PAYMENT_BODY, debtor_iban: merchant.debtorIban }),
  };
}

function bookedFloorPayment(answer: Answer): string | undefined {
  return answer.status === 201 ? undefined : `floor payment answered ${answer.status}, not 201`;
}

export async function floorSequential(pool: Pool, merchant: FloorMerchant, requests: number, cpu?: CpuMeter): Promise<Measured> {
  return metered({ pool, concurrency: 1, requests, next: () => floorPaymentRequest(merchant), check: bookedFloorPayment }, cpu);
}

export async function floorThroughput(
  floorUrl: string,
  merchantCount: number,
  concurrency: number,
  warmupMs: number,
  durationMs: number,
  cpu?: CpuMeter,
): Promise<ThroughputPoint> {
  const merchants = Array.from({ length: merchantCount }, () => floorMerchant());
  const next = (index: number) => floorPaymentRequest(merchants[index % merchants.length] as FloorMerchant);
  return closedLoopThroughput(
    { url: floorUrl, next, check: bookedFloorPayment, merchants: merchantCount, concurrency, warmupMs, durationMs },
    cpu,
  );
}
