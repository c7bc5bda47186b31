import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Payment } from "../schemas/merchant-api.ts";
import type { BankPort } from "../src/bank/bank-port.ts";
import { endToEndId, json, paymentBody, postPayment } from "./support/api.ts";
import { boundBank } from "./support/bank.ts";
import { testBank } from "./support/bank-adapters.ts";
import { createIsolatedMerchant, setDebtorScenario, todayUtc } from "./support/reconciliation.ts";

/** This file tests the JSON statement contract (/v1/statements); the ISO 20022 one has its own tests. */
function clientFor(fetcher: Fetcher): BankPort {
  return testBank(fetcher, { profile: "json" });
}

function fakeBank(answer: () => Response | Promise<Response>): Fetcher {
  return {
    fetch: async () => answer(),
    connect: () => {
      throw new Error("unused");
    },
  } as unknown as Fetcher;
}

describe("GET /v1/statements through the JSON bank adapter", () => {
  it("pages through the simulator's statement over mTLS, in a stable order", async () => {
    const merchant = await createIsolatedMerchant();
    await setDebtorScenario(merchant.debtor_iban, { page_size: 2 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await postPayment(merchant.api_key, paymentBody({ amount: 10 + i }));
      ids.push(endToEndId((await json<Payment>(response)).id));
    }
    const client = clientFor(boundBank());
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const call = await client.fetchStatementPage({ debtorIban: merchant.debtor_iban, date: todayUtc(), cursor });
      if (call.outcome.kind !== "page") throw new Error(call.outcome.reason);
      pages++;
      seen.push(...call.outcome.page.entries.map((e) => (e.type === "return" ? e.return_of : e.end_to_end_id)));
      cursor = call.outcome.page.next_cursor;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen).toEqual(ids);

    const otherDay = await client.fetchStatementPage({ debtorIban: merchant.debtor_iban, date: "2020-01-01", cursor: null });
    expect(otherDay.outcome).toEqual({ kind: "page", page: { entries: [], lists_rejected: true, next_cursor: null } });
  });

  it("refuses a cursor for another account or day", async () => {
    const merchant = await createIsolatedMerchant();
    await setDebtorScenario(merchant.debtor_iban, { page_size: 1 });
    await postPayment(merchant.api_key, paymentBody());
    await postPayment(merchant.api_key, paymentBody());
    const client = clientFor(boundBank());
    const first = await client.fetchStatementPage({ debtorIban: merchant.debtor_iban, date: todayUtc(), cursor: null });
    if (first.outcome.kind !== "page" || first.outcome.page.next_cursor === null) throw new Error("expected two pages");
    const misused = await client.fetchStatementPage({
      debtorIban: merchant.debtor_iban,
      date: "2020-01-01",
      cursor: first.outcome.page.next_cursor,
    });
    expect(misused.outcome).toMatchObject({ kind: "failed", reason: "bank answered 400" });
  });

  it("treats an answer that fails the schema, an error status or no certificate as a failed read", async () => {
    const malformed = await clientFor(
      fakeBank(() =>
        Response.json({
          entries: [
            {
              transfer_id: "T1",
              end_to_end_id: "E1",
              amount: { value: -5, currency: "EUR" },
              status: "ACSC",
              booked_at: "2026-11-23T10:00:00Z",
            },
          ],
          next_cursor: null,
        }),
      ),
    ).fetchStatementPage({ debtorIban: "DE89370400440532013000", date: "2026-11-23", cursor: null });
    expect(malformed.outcome).toMatchObject({ kind: "failed", reason: "statement page failed validation", evidence: { status: 200 } });

    const unknownStatus = await clientFor(
      fakeBank(() =>
        Response.json({
          entries: [
            {
              transfer_id: "T1",
              end_to_end_id: "E1",
              amount: { value: 5, currency: "EUR" },
              status: "DONE",
              booked_at: "2026-11-23T10:00:00Z",
            },
          ],
          next_cursor: null,
        }),
      ),
    ).fetchStatementPage({ debtorIban: "DE89370400440532013000", date: "2026-11-23", cursor: null });
    expect(unknownStatus.outcome.kind).toBe("failed");

    const serverError = await clientFor(fakeBank(() => new Response("oops", { status: 503 }))).fetchStatementPage({
      debtorIban: "DE89370400440532013000",
      date: "2026-11-23",
      cursor: null,
    });
    expect(serverError.outcome).toMatchObject({ kind: "failed", reason: "bank answered 503" });

    const noCertificate = await clientFor(env.BANK_WITHOUT_CERT).fetchStatementPage({
      debtorIban: "DE89370400440532013000",
      date: "2026-11-23",
      cursor: null,
    });
    expect(noCertificate.outcome.kind).toBe("failed");
    expect(noCertificate.httpStatus).toBeNull();
  });
});
