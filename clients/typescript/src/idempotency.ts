/**
 * One Idempotency-Key per logical payment. A key is chosen once, before the
 * first attempt, and the same key goes with every retry of that payment: a
 * retry with a fresh key is a second payment. Pass your own key (your order
 * id, stored with the order) to be safe across a restart of your process too.
 */

/** Printable ASCII only, 1-255 characters: what the connector accepts (docs/api.md). */
const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e](?:[\x20-\x7e]{0,253}[\x21-\x7e])?$/;

export function newIdempotencyKey(): string {
  return `pay-${crypto.randomUUID()}`;
}

export function checkedIdempotencyKey(key: string): string {
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new TypeError("An Idempotency-Key is 1-255 printable ASCII characters, without leading or trailing spaces.");
  }
  return key;
}
