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
 * In memory only: a fresh instance starts closed, which costs at most one
 * more submission into a dead bank, never correctness.
 */
export type CircuitState = "closed" | "open" | "suspect";

/** Gateway errors: something in front of the bank answered, the bank itself may be down. */
const GATEWAY_STATUSES = new Set([502, 503, 504]);

export class BankCircuit {
  private failedAt: number | null = null;

  constructor(private readonly cooldownMs: number) {}

  state(now: number): CircuitState {
    if (this.failedAt === null) return "closed";
    return now < this.failedAt + this.cooldownMs ? "open" : "suspect";
  }

  /** When an open circuit lets a probe through. */
  probeAt(): number {
    return (this.failedAt ?? 0) + this.cooldownMs;
  }

  /** Feeds the result of one bank call: its HTTP status, or null when fetch threw (timeout, reset, refusal). */
  observe(httpStatus: number | null, now: number): void {
    if (httpStatus === null || GATEWAY_STATUSES.has(httpStatus)) this.failedAt = now;
    else this.failedAt = null;
  }
}
