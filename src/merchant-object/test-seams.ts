/**
 * Everything a test may reach inside a live merchant object, in one typed
 * place (`instance.seams` in `runInDurableObject`). Nothing else of the
 * object is reachable: no test reads or patches a private member by name,
 * so a rename cannot silently turn a crash test into a no-op.
 */

import type { BankReturnEntry } from "../../schemas/bank-api.ts";
import type { BankPort } from "../bank/bank-port.ts";
import type { FailureDrills } from "../payments/context.ts";
import type { InFlightWork } from "../payments/in-flight.ts";
import type { OutcomeSource, RecordedOutcome } from "../payments/outcomes.ts";
import type { ReturnApplication, ReturnSource } from "../payments/returns.ts";
import type { Clock } from "../platform/object-store.ts";

export interface MerchantObjectSeams {
  /** The bank this object calls; swapping it points the object at another bank (an eviction restores BANK). */
  bank: BankPort;
  /** What "now" is for payments and the alarm. */
  clock: Clock;
  /** Crash drills: each, when set, runs at its point and may throw, as a crash or a storage error there would. */
  readonly drills: FailureDrills;
  /** Payments this instance is working on (a test can make one look in flight). */
  readonly inflight: InFlightWork;
  /** Applies a bank answer to a payment as if a call had just returned it (an answer racing another path). */
  recordOutcome(paymentId: string, attempt: number, outcome: RecordedOutcome, source: OutcomeSource): void;
  /** Leases the webhook deliveries a round would send now, without sending them ("about to send" when a crash hits). */
  leaseDueWebhooks(cutoff: number, now: number): number;
  /** The payments' one return path, as an imported statement file reaches it (or a return the simulator cannot make). */
  applyReturn(entry: BankReturnEntry, source: ReturnSource): Promise<ReturnApplication>;
}
