/**
 * ULIDs (request, payment and merchant ids) whose random part comes from a
 * pooled buffer of crypto.getRandomValues output. The ulid package's own
 * generator calls crypto.getRandomValues once per character, 16 native calls
 * per id; on workerd that was about 3% of a payment's CPU time
 * (docs/benchmarks.md). The bytes are the same CSPRNG output, fetched 4 KiB
 * at a time and each used once. None of these ids is a secret: API key
 * secrets draw their own bytes (src/worker/http/api-keys.ts).
 */
import { monotonicFactory, type ULIDFactory, ulid as ulidFrom } from "ulid";

const POOL_BYTES = 4096;
const pool = new Uint8Array(POOL_BYTES);
/** Next unused byte; POOL_BYTES means "refill first" (Workers forbid random values at module load). */
let nextByte = POOL_BYTES;

/** A number in [0, 1) with 8 random bits, as the ulid package's own generator yields. */
export function pooledRandom(): number {
  if (nextByte >= POOL_BYTES) {
    crypto.getRandomValues(pool);
    nextByte = 0;
  }
  return (pool[nextByte++] as number) / 256;
}

export function ulid(): string {
  return ulidFrom(undefined, pooledRandom);
}

/** Ids that sort in creation order even within one millisecond (payment ids). */
export function monotonicUlidFactory(): ULIDFactory {
  return monotonicFactory(pooledRandom);
}
