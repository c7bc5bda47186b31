/** The earliest of several due times; null when none is set. */
export function earliest(...times: Array<number | null>): number | null {
  return times.reduce<number | null>((first, at) => (at === null ? first : first === null ? at : Math.min(first, at)), null);
}
