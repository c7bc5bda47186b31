/**
 * A deadline on a promise: for calls whose caller must move on (a fan-out
 * where one slow callee must not hold up the rest). The work itself is not
 * cancelled; only the waiting stops.
 */

/** Settles as `promise` does, or rejects once `ms` have passed without it settling. */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
