/**
 * A closed-loop HTTP load generator on an undici Pool: `concurrency` loops,
 * each sending its next request as soon as the previous answer is read, over
 * a fixed set of keep-alive connections (one per loop, no pipelining). Every
 * request is timed from send to the last byte of the body; every transport
 * error and every unexpected answer is counted, never dropped.
 */
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { type Dispatcher, Pool } from "undici";

export interface RequestSpec {
  method: "GET" | "POST";
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Returns why an answer is wrong for the scenario, or undefined when it is what was expected. */
export type AnswerCheck = (answer: Answer) => string | undefined;

export interface LoadOptions {
  pool: Dispatcher;
  concurrency: number;
  /** Stop after this many requests in total... */
  requests?: number;
  /** ...or after this long (whichever is given; both: whichever comes first). */
  durationMs?: number;
  next: (index: number) => RequestSpec;
  check?: AnswerCheck;
  /** Stops early when true (checked before each request; e.g. the last page was read). */
  stop?: () => boolean;
  /** Open loop: the index-th request is not sent before start + index × this (the loops only bound how many are in flight). */
  intervalMs?: number;
}

export interface LoadResult {
  completed: number;
  elapsedMs: number;
  /** Latency of every request that got an answer, in ms. */
  latenciesMs: number[];
  /** Requests that got no answer (connection refused, reset, timeout). */
  errors: number;
  /** Answers outside 2xx. */
  non2xx: number;
  /** 2xx answers the scenario's check rejected (e.g. a replay without Idempotent-Replayed). */
  unexpected: number;
  /** One example per kind of failure, with its count, for the report. */
  failures: Map<string, number>;
}

export const is2xx = (status: number): boolean => status >= 200 && status < 300;

export function emptyLoad(): LoadResult {
  return { completed: 0, elapsedMs: 0, latenciesMs: [], errors: 0, non2xx: 0, unexpected: 0, failures: new Map() };
}

/** Counts one failure of this kind in `load.failures`. */
export function countFailure(load: LoadResult, kind: string): void {
  load.failures.set(kind, (load.failures.get(kind) ?? 0) + 1);
}

/**
 * undici's default idle timeout (4 s) is kept on purpose: workerd closes idle
 * connections without a Keep-Alive hint, and a longer client-side timeout
 * sends the first request after a pause (e.g. seeding) into a closed socket.
 */
export function keepAlivePool(origin: string, connections: number, connect?: Pool.Options["connect"]): Pool {
  return new Pool(origin, { connections, pipelining: 1, ...(connect ? { connect } : {}) });
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  if (options.requests === undefined && options.durationMs === undefined) throw new Error("runLoad needs requests or durationMs");
  const result = emptyLoad();
  const started = performance.now();
  const deadline = options.durationMs === undefined ? Number.POSITIVE_INFINITY : started + options.durationMs;
  let issued = 0;
  const more = () => issued < (options.requests ?? Number.POSITIVE_INFINITY) && performance.now() < deadline && !options.stop?.();

  async function loop(): Promise<void> {
    while (more()) {
      const index = issued++;
      if (options.intervalMs !== undefined) {
        const due = started + index * options.intervalMs;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
      }
      const spec = options.next(index);
      const sent = performance.now();
      try {
        const response = await options.pool.request({
          method: spec.method,
          path: spec.path,
          headers: spec.headers,
          ...(spec.body !== undefined ? { body: spec.body } : {}),
        });
        const body = await response.body.text();
        result.latenciesMs.push(performance.now() - sent);
        const answer: Answer = { status: response.statusCode, headers: response.headers, body };
        if (!is2xx(answer.status)) {
          result.non2xx++;
          countFailure(result, `HTTP ${answer.status}: ${body.slice(0, 160)}`);
        } else {
          const problem = options.check?.(answer);
          if (problem) {
            result.unexpected++;
            countFailure(result, problem);
          }
        }
      } catch (error) {
        result.errors++;
        countFailure(result, error instanceof Error ? `${error.name}: ${error.message}` : String(error));
      }
      result.completed++;
    }
  }

  await Promise.all(Array.from({ length: options.concurrency }, () => loop()));
  result.elapsedMs = performance.now() - started;
  return result;
}
