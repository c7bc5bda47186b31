/**
 * Retries with exponential backoff and full jitter, for the answers that mean
 * "not now": a network error, 429, 502, 503 and 504. Never another 4xx (the
 * request itself is wrong; repeating it cannot help) and never a 500 (a bug
 * answers the same way twice). Only requests that are safe to repeat are
 * retried: reads, this API's PATCH and DELETE (they set a state), and a POST
 * that carries an Idempotency-Key (the connector answers a repeat with the
 * first answer, and never pays twice).
 */

export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** The first retry waits up to this long; each further one up to twice as long as the one before. */
  baseDelayMs: number;
  /** No wait is longer, not even one a Retry-After header asks for. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 10_000 };

/** What the retry loop needs from the world; tests replace both. */
export interface RetryClock {
  sleep(ms: number): Promise<void>;
  /** A number in [0, 1), for jitter. */
  random(): number;
}

const systemClock: RetryClock = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

const REPEATABLE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"]);

export function isSafeToRetry(request: Request): boolean {
  return REPEATABLE_METHODS.has(request.method.toUpperCase()) || request.headers.has("idempotency-key");
}

/** A fetch that retries as described above; each attempt sends a fresh copy of the same request (same body, same Idempotency-Key). */
export function retryingFetch(
  fetchOnce: (request: Request) => Promise<Response>,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  clock: RetryClock = systemClock,
): (request: Request) => Promise<Response> {
  return async (request) => {
    const retryable = isSafeToRetry(request);
    for (let attempt = 1; ; attempt++) {
      const last = !retryable || attempt >= policy.maxAttempts;
      let response: Response;
      try {
        response = await fetchOnce(last ? request : request.clone());
      } catch (error) {
        if (last || request.signal.aborted || isAbort(error)) throw error;
        await clock.sleep(backoff(attempt, policy, clock));
        continue;
      }
      if (last || !RETRYABLE_STATUSES.has(response.status)) return response;
      const wait = retryAfterMs(response.headers.get("retry-after")) ?? backoff(attempt, policy, clock);
      // The body is not read: release the connection before waiting.
      await response.body?.cancel();
      await clock.sleep(Math.min(wait, policy.maxDelayMs));
    }
  };
}

/** Full jitter: anywhere from 0 to the exponential ceiling, so many clients do not retry in step. */
function backoff(attempt: number, policy: RetryPolicy, clock: RetryClock): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(clock.random() * ceiling);
}

/** Retry-After in seconds or as an HTTP date; null when absent or unreadable. */
function retryAfterMs(value: string | null): number | null {
  if (value === null || value.trim() === "") return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === "AbortError" || error.name === "TimeoutError");
}
