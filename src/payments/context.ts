/**
 * What the payment capability needs from the object that hosts it. The
 * merchant object builds one of these and hands it to every payment module,
 * so payments never touch DurableObjectState, the Worker or HTTP.
 */
import type { ConnectorConfig } from "../../schemas/config.ts";
import type { Payment, PaymentStatus } from "../../schemas/merchant-api.ts";
import type { BankCall } from "../bank/bank-call.ts";
import type { BankPort } from "../bank/bank-port.ts";
import type { InquiryOutcome } from "../bank/outcome.ts";
import type { Clock, ObjectStore } from "../platform/object-store.ts";

/** The merchant as payments see it: who pays, from which account, within which limits. */
export interface PayingMerchant {
  id: string;
  name: string;
  debtor_iban: string;
  max_amount: number | null;
  daily_amount: number | null;
}

/**
 * Points where a test can make the object fail the way a crash or a storage
 * error would (test/crash-recovery.test.ts). Each is null in production.
 */
export interface FailureDrills {
  /** Before a bank outcome is recorded: storage failing after the bank answered. */
  beforeRecordOutcome: (() => void) | null;
  /** At the start of payment recovery in the alarm. */
  beforeRecovery: (() => void) | null;
  /** After each alarm re-arm: a crash on the alarm's last step. */
  afterReschedule: (() => void) | null;
}

export interface PaymentsContext {
  readonly store: ObjectStore;
  readonly config: ConnectorConfig;
  readonly clock: Clock;
  readonly drills: FailureDrills;
  /** The bank as of this call (a test may point the object at another bank door). */
  bank(): BankPort;
  merchant(): PayingMerchant;
  /** Webhook outbox write for a status change; runs inside the change's transaction (no await). */
  onStatusChange(payment: Payment, fromStatus: PaymentStatus | null): void;
  /** Webhook outbox write when the bank settled a payment reported failed (contradiction.ts); inside its transaction. */
  onBankContradiction(payment: Payment): void;
  /** Makes sure the alarm fires no later than `at`. */
  ensureAlarmBy(at: number): Promise<void>;
  /** Sets the alarm to the earliest due work of every capability of the object. */
  rescheduleAlarm(): Promise<void>;
  /** A payment's next action is due at `at`: the alarm fires by then (not sooner than the alarm's minimum interval). */
  ensureAlarmForDue(at: number): Promise<void>;
  /**
   * Every bank call's result, for the object's throttled health report, with
   * the circuit as it left it: whether it counts the bank as failing, whether
   * by the object's own calls (not only news), and `flipped` when either
   * changed (news the registry shares at once).
   */
  observeBankCall(call: BankCall<InquiryOutcome>, circuit: CircuitAfterCall): void;
}

/** A payment's next action is leased this long while a bank call for it may be running. */
export function inFlightDeadline(config: ConnectorConfig, now: number): number {
  return now + config.BANK_TIMEOUT_MS + config.IN_FLIGHT_GRACE_MS;
}

export function keyTtlMs(config: ConnectorConfig): number {
  return config.IDEMPOTENCY_KEY_TTL_HOURS * 3_600_000;
}

/** The object's circuit after one bank call (observeBankCall). */
export interface CircuitAfterCall {
  failing: boolean;
  byOwnCalls: boolean;
  flipped: boolean;
}
