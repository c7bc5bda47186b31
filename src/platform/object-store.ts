/**
 * What the capabilities of a Durable Object may use of its storage: SQL and
 * synchronous transactions. The object class alone holds DurableObjectState
 * (alarms, waitUntil, the storage API); capabilities get this narrower view,
 * so scheduling and lifetime stay decisions of the object.
 */
export interface ObjectStore {
  readonly sql: SqlStorage;
  /** Runs `work` as one SQLite transaction; `work` must not await (an await would end the transaction). */
  transactionSync<T>(work: () => T): T;
}

/** Wall-clock time in epoch ms. A seam, so tests can decide what "now" is. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
