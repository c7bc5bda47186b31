/**
 * Whether this merchant object has reason to believe the bank is unreachable.
 *
 * It exists for store and forward. workerd reports a refused connection and a
 * connection reset after the bank booked the transfer with the same error
 * ("Network connection lost."), so a failed submission never proves the
 * bank did not receive it. The only way to keep a payment provably
 * undelivered while the bank is down is not to send it at all: after a
 * transport failure, payments never sent are held ("open") and, after a
 * cool-down, the bank is probed with a harmless status inquiry ("suspect")
 * before anything is sent again. Any HTTP answer other than a gateway error
 * closes the circuit.
 *
 * In memory, except whether the bank is failing, which the payment dispatch
 * stores on each flip (a fresh instance otherwise starts closed, which costs
 * at most one more submission into a dead bank, never correctness).
 */
export type CircuitState = "closed" | "open" | "suspect";

/** What another merchant object found out about the bank, shared through the registry (src/registry/bank-news.ts). */
export type BankNews = "down" | "back";

/** Gateway errors: something in front of the bank answered, the bank itself may be down. */
const GATEWAY_STATUSES = new Set([502, 503, 504]);

/** What one observed call meant for the bank's health. */
export type CircuitChange =
  /** A transport error or gateway error. */
  | "failed"
  /** The bank answered (below 500) after one or more failed calls: it is back. */
  | "healed"
  | "unchanged";

export class BankCircuit {
  private failedAt: number | null = null;
  /** Failures seen since the bank last answered below 500 (a 500 closes the circuit, but proves little of health). */
  private failing = false;
  /** A probe is on its way: other never-sent payments wait for its answer instead of probing too. */
  private probing = false;
  /** When news that the bank is failing last opened this circuit (hearFailing). */
  private heardFailingAt = Number.NEGATIVE_INFINITY;
  /** Whether this object's own calls failed since the bank last answered (not only news). */
  private ownFailure = false;

  constructor(private readonly cooldownMs: number) {}

  state(now: number): CircuitState {
    if (this.failedAt === null) return "closed";
    return now < this.failedAt + this.cooldownMs ? "open" : "suspect";
  }

  /** When an open circuit lets a probe through. */
  probeAt(): number {
    return (this.failedAt ?? 0) + this.cooldownMs;
  }

  /** When the next probe is due while the circuit is not closed (null when it is, or when a probe is already out). */
  nextProbeAt(): number | null {
    return this.failedAt === null || this.probing ? null : this.probeAt();
  }

  /** Claims the one probe of a suspect circuit; false when another is already out (one probe per cool-down). */
  claimProbe(now: number): boolean {
    if (this.state(now) !== "suspect" || this.probing) return false;
    this.probing = true;
    return true;
  }

  /** Whether calls have failed since the bank last answered, or news opened the circuit (what a new instance must remember). */
  get isFailing(): boolean {
    return this.failing;
  }

  /** Whether this object's own calls have failed since the bank last answered (news alone does not count). */
  get failingByOwnCalls(): boolean {
    return this.failing && this.ownFailure;
  }

  /**
   * A new instance of an object whose bank was failing since `since`: the
   * probe is due a cool-down after it (at once, if that has passed), and the
   * next answer counts as healing. Counted as its own failure: whether news
   * opened it is not stored.
   */
  restoreFailing(since: number): void {
    this.failing = true;
    this.ownFailure = true;
    this.failedAt ??= since;
  }

  /**
   * Another merchant object found the bank failing (the registry's news,
   * src/registry/bank-news.ts), heard at `now`: open as if a call had failed
   * at `failedAt`, so never-sent payments are held and the first probe is
   * due a cool-down after it. Answers to calls started before `now` no
   * longer close the circuit (they are older than the news). False when this
   * circuit already counts the bank as failing.
   */
  hearFailing(failedAt: number, now: number): boolean {
    if (this.failing) return false;
    this.failing = true;
    this.ownFailure = false;
    this.failedAt = failedAt;
    this.heardFailingAt = now;
    return true;
  }

  /**
   * Another merchant object found the bank back: the next probe is due now
   * rather than at the end of the cool-down. The probe still decides (its
   * answer is this object's own evidence). False unless the circuit is open
   * or suspect with no probe out.
   */
  probeNow(now: number): boolean {
    if (!this.failing || this.failedAt === null || this.probing) return false;
    this.failedAt = Math.min(this.failedAt, now - this.cooldownMs);
    return true;
  }

  /**
   * Feeds the result of one bank call that started at `startedAt` (default:
   * just now): its HTTP status, or null when fetch threw (timeout, reset,
   * refusal).
   */
  observe(httpStatus: number | null, now: number, startedAt = now): CircuitChange {
    this.probing = false;
    if (httpStatus === null || GATEWAY_STATUSES.has(httpStatus)) {
      this.failedAt = now;
      this.failing = true;
      this.ownFailure = true;
      return "failed";
    }
    // Sent before the news that the bank is failing: its answer may predate the outage, so it proves nothing now.
    if (startedAt < this.heardFailingAt) return "unchanged";
    this.failedAt = null;
    if (httpStatus >= 500 || !this.failing) return "unchanged";
    this.failing = false;
    this.ownFailure = false;
    return "healed";
  }
}
