/**
 * Bank work under way in this instance, by payment id. A replay of the same
 * Idempotency-Key waits on it (coalescing instead of answering "in
 * progress"), and recovery skips (and re-leases) what is still running here.
 * In memory only: a new instance starts empty, and the stored lease
 * (next_action_at) covers work lost with the old one.
 */
export class InFlightWork {
  private readonly running = new Map<string, Promise<void>>();

  /** Registered before the first await, so a concurrent replay always finds it. */
  async track(paymentId: string, work: () => Promise<void>): Promise<void> {
    const running = work().finally(() => this.running.delete(paymentId));
    this.running.set(paymentId, running);
    await running;
  }

  get(paymentId: string): Promise<void> | undefined {
    return this.running.get(paymentId);
  }

  has(paymentId: string): boolean {
    return this.running.has(paymentId);
  }

  get size(): number {
    return this.running.size;
  }

  /**
   * Marks a payment as in flight until `until` settles, without running
   * anything: for tests that need work "still running here" (it is what a
   * bank call queued behind the concurrency cap looks like).
   */
  pretend(paymentId: string, until: Promise<void>): void {
    this.running.set(paymentId, until);
  }

  forget(paymentId: string): void {
    this.running.delete(paymentId);
  }
}
