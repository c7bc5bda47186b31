/** The rule every resend obeys (src/payments/not-found-confirmation.ts), checked against the bank's request log. */
import { expect } from "vitest";
import { type BankRequest, bankRequestsFor } from "./bank.ts";
import { TEST_BANK_TIMEOUT_MS, TEST_INQUIRY_CONFIRM_DELAY_MS } from "./recovery.ts";

/** The bank sees a request a little after the connector dated it (travel time, a loaded machine). */
const CLOCK_SLACK_MS = 100;

/**
 * Every POST after the first was preceded, since the POST before it, by two
 * inquiries (which answered 404, or it would not have been sent) at least
 * INQUIRY_CONFIRM_DELAY_MS apart, both after that POST's timeout. Returns
 * the requests' methods in order.
 */
export async function expectResendsConfirmed(endToEndId: string): Promise<string[]> {
  const requests = await bankRequestsFor(endToEndId);
  let lastPost: BankRequest | undefined;
  let countedSince: number[] = [];
  for (const request of requests) {
    const at = Date.parse(request.at);
    if (request.method === "GET") {
      // The bank logs a request a little after the connector stored its send time: some slack.
      if (lastPost && at >= Date.parse(lastPost.at) + TEST_BANK_TIMEOUT_MS - CLOCK_SLACK_MS) countedSince.push(at);
      continue;
    }
    if (lastPost) {
      const first = countedSince[0];
      const last = countedSince.at(-1);
      expect(first, `resend at ${request.at}: a 404 after the previous POST's timeout`).toBeDefined();
      // The bank's clock and the connector's differ by the request's travel time: a little slack.
      expect((last ?? 0) - (first ?? 0), `resend at ${request.at}: two 404s apart`).toBeGreaterThanOrEqual(
        TEST_INQUIRY_CONFIRM_DELAY_MS - 50,
      );
    }
    lastPost = request;
    countedSince = [];
  }
  return requests.map((r) => r.method);
}
