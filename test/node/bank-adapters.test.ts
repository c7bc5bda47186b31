/**
 * The bank adapters against a scripted bank: each answer of the ISO 20022
 * profile lands in the same outcome class as the JSON profile's answer with
 * the same meaning (docs/failure-modes.md, the classification table), and
 * camt pages map onto the statement model as docs/bank-api.md says.
 */
import { afterAll, describe, expect, it } from "vitest";
import { createBankAdapter } from "../../src/bank/bank-adapters.ts";
import type { BankPort, TransferInstruction } from "../../src/bank/bank-port.ts";
import { buildCamt, type EntrySpec } from "./iso20022/support/camt-builder.ts";
import { buildPain002 } from "./iso20022/support/pain002-builder.ts";
import { schemaErrors, XSD } from "./iso20022/support/xsd.ts";

const E2E = "01M84VZ5AP8MVGWYKK009FMFWN";
const DEBTOR = "DE02120300000000202051";
const XML = { "content-type": "application/xml; charset=utf-8" };

type Script = (url: string, init: RequestInit) => Response | Promise<Response>;

function bank(profile: "json" | "iso20022", script: Script, currencies: string[] = ["EUR"]): BankPort {
  const fetcher = { fetch: async (url: string, init: RequestInit) => script(url, init) } as unknown as Fetcher;
  return createBankAdapter(profile, { fetcher, baseUrl: "https://bank.test", timeoutMs: 1_000, currencies });
}

function instruction(overrides: Partial<TransferInstruction> = {}): TransferInstruction {
  return {
    endToEndId: E2E,
    debtor: { name: "Test Shop GmbH", iban: DEBTOR },
    creditor: { name: "Jane Supplier", iban: "DE89370400440532013000" },
    amountMinor: 1250,
    currency: "EUR",
    reference: "Invoice 42",
    createdAt: Date.UTC(2026, 10, 23, 9, 0),
    sentAt: Date.UTC(2026, 10, 23, 9, 0, 1),
    ...overrides,
  };
}

function report(status: string, options: { reason?: string; endToEndId?: string; group?: boolean } = {}): string {
  const endToEndId = options.endToEndId ?? E2E;
  const reasons = options.reason ? [{ code: options.reason }] : undefined;
  return buildPain002({
    version: "001.10",
    createdAt: "2026-11-23T09:00:02Z",
    originalMessageId: endToEndId,
    ...(options.group ? { groupStatus: status, groupReasons: reasons } : {}),
    blocks: options.group
      ? []
      : [
          {
            paymentInformationId: endToEndId,
            transactions: [{ endToEndId, status, reasons, acceptedAt: "2026-11-23T09:00:02+01:00", accountServicerReference: "TRF1" }],
          },
        ],
  });
}

/** Every pain.001 this file has the adapter build: all must be valid against the EPC schema (checked once, at the end). */
const builtPain001s: string[] = [];
afterAll(async () => {
  expect(builtPain001s.length).toBeGreaterThan(10);
  expect((await schemaErrors(XSD.pain001, builtPain001s)).flat()).toEqual([]);
});

function prepare(adapter: BankPort, transfer: TransferInstruction = instruction()) {
  const preparation = adapter.prepareTransfer(transfer, null);
  if (!preparation.ok) throw new Error(preparation.reason);
  if (preparation.prepared.format === "iso20022") builtPain001s.push(preparation.prepared.body);
  return preparation.prepared;
}

async function submit(adapter: BankPort) {
  return (await adapter.submitCreditTransfer(prepare(adapter))).outcome;
}

describe("the ISO 20022 adapter classifies answers as the JSON one does", () => {
  it("200 pain.002: accepted, with the status, the bank's reference and the booking time in UTC", async () => {
    const outcome = await submit(bank("iso20022", () => new Response(report("ACSC"), { status: 200, headers: XML })));
    expect(outcome).toEqual({
      kind: "accepted",
      transfer: {
        transfer_id: "TRF1",
        end_to_end_id: E2E,
        status: "ACSC",
        status_at: "2026-11-23T09:00:02.000Z",
        booked_at: "2026-11-23T08:00:02.000Z",
      },
    });
  });

  it("POSTs the pain.001 as application/xml to /iso20022/payments, the JSON adapter its JSON to /v1/credit-transfers", async () => {
    const seen: Array<[string, string | null]> = [];
    const record: Script = (url, init) => {
      seen.push([url, new Headers(init.headers).get("content-type")]);
      return new Response(null, { status: 503 });
    };
    await submit(bank("iso20022", record));
    await submit(bank("json", record));
    expect(seen).toEqual([
      ["https://bank.test/iso20022/payments", "application/xml; charset=utf-8"],
      ["https://bank.test/v1/credit-transfers", "application/json"],
    ]);
  });

  it("400/422 with a RJCT report: refused with its reason; without a readable report: refused, unspecified", async () => {
    for (const status of [400, 422]) {
      expect(
        await submit(bank("iso20022", () => new Response(report("RJCT", { reason: "AC04" }), { status, headers: XML }))),
      ).toMatchObject({
        kind: "refused",
        httpStatus: status,
        code: "AC04",
      });
      expect(await submit(bank("iso20022", () => new Response(report("RJCT", { reason: "FF01", group: true }), { status })))).toMatchObject(
        {
          kind: "refused",
          code: "FF01",
        },
      );
      expect(await submit(bank("iso20022", () => new Response("<html>bad request</html>", { status })))).toMatchObject({
        kind: "refused",
        code: "unspecified",
      });
    }
  });

  it("a refusal status whose report says anything but RJCT is unknown: it contradicts itself", async () => {
    expect(await submit(bank("iso20022", () => new Response(report("ACSC"), { status: 422, headers: XML })))).toMatchObject({
      kind: "unknown",
      reason: "bank answered 422 with status ACSC",
    });
  });

  it("a 200 that cannot be trusted is unknown: unreadable, unknown status, or about another transfer", async () => {
    const cases: Array<[string, string]> = [
      [report("ACSC").slice(0, 300), "bank response failed validation"],
      [report("DONE"), "bank response failed validation"],
      ['<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "bank response failed validation"],
      [report("ACSC", { endToEndId: "01M84WYDP4YSGGRVT5MC32SE0S" }), "bank answered for another end_to_end_id"],
    ];
    for (const [body, reason] of cases) {
      const outcome = await submit(bank("iso20022", () => new Response(body, { status: 200, headers: XML })));
      expect(outcome).toMatchObject({ kind: "unknown", reason, evidence: { status: 200 } });
    }
  });

  it("401/403/429 not sent; 3xx, 5xx and other statuses unknown; a thrown fetch unknown", async () => {
    for (const profile of ["iso20022", "json"] as const) {
      for (const status of [401, 403, 429])
        expect((await submit(bank(profile, () => new Response(null, { status })))).kind).toBe("not_sent");
      for (const status of [302, 409, 500, 503])
        expect((await submit(bank(profile, () => new Response(null, { status })))).kind).toBe("unknown");
      expect(
        await submit(
          bank(profile, () => {
            throw new Error("Network connection lost.");
          }),
        ),
      ).toEqual({ kind: "unknown", reason: "network error: Error: Network connection lost." });
    }
  });

  it("inquiry: 200 report accepted, 404 not found", async () => {
    const ok = bank("iso20022", (url) =>
      url.endsWith(`/iso20022/payments/${E2E}`) ? new Response(report("ACSP"), { status: 200 }) : new Response(null, { status: 404 }),
    );
    expect((await ok.inquireCreditTransfer(E2E)).outcome).toMatchObject({ kind: "accepted", transfer: { status: "ACSP" } });
    expect((await ok.inquireCreditTransfer("01M84WYDP4YSGGRVT5MC32SE0S")).outcome).toEqual({ kind: "not_found" });
  });
});

describe("what each profile can carry (asked at admission)", () => {
  it("BANK_CURRENCIES in both; the ISO 20022 profile EUR only and at most 999,999,999.99", () => {
    const json = bank("json", () => new Response(null), ["EUR", "USD"]);
    const iso = bank("iso20022", () => new Response(null), ["EUR", "USD"]);
    expect(json.admissionProblem(1250, "USD")).toBeNull();
    expect(json.admissionProblem(1250, "CHF")?.code).toBe("currency-not-supported");
    expect(json.admissionProblem(Number.MAX_SAFE_INTEGER, "EUR")).toBeNull();
    expect(iso.admissionProblem(1250, "USD")?.code).toBe("currency-not-supported");
    expect(iso.admissionProblem(99_999_999_999, "EUR")).toBeNull();
    expect(iso.admissionProblem(100_000_000_000, "EUR")).toMatchObject({
      code: "amount-out-of-range",
      detail: expect.stringContaining("999999999.99"),
    });
  });

  it("a stored request of its own profile is reused as is; another profile's is rebuilt; what a pain.001 cannot carry is refused", () => {
    const iso = bank("iso20022", () => new Response(null));
    const first = prepare(iso);
    expect(first.body).toContain("<CreDtTm>2026-11-23T09:00:01.000Z</CreDtTm>");
    const again = iso.prepareTransfer(instruction({ sentAt: Date.now() }), first);
    expect(again).toEqual({ ok: true, prepared: first });
    const json = bank("json", () => new Response(null)).prepareTransfer(instruction(), null);
    if (!json.ok) throw new Error(json.reason);
    expect(iso.prepareTransfer(instruction(), json.prepared)).toMatchObject({ ok: true, prepared: { format: "iso20022" } });
    expect(iso.prepareTransfer(instruction({ currency: "USD" }), null)).toEqual({
      ok: false,
      reason: "a pain.001 cannot carry this payment (currency-not-supported)",
    });
  });
});

describe("the pain.001 the ISO 20022 adapter builds", () => {
  it("carries hostile and non-Latin texts as valid SEPA text, escaped, within the schema's lengths", () => {
    const iso = bank("iso20022", () => new Response(null));
    const body = prepare(
      iso,
      instruction({
        debtor: { name: "Zoë's <Shop> & Co. 株式会社", iban: DEBTOR },
        creditor: { name: "Jürgen Müller & Søn Łódź 🧾".repeat(5), iban: "DE89370400440532013000" },
        reference: `"Rechnung" <42> & 'mehr' ${"x".repeat(200)}`,
        amountMinor: 99_999_999_999,
      }),
    ).body;
    expect(body).toContain("<Nm>Zoe&apos;s .Shop. . Co. ....</Nm>");
    expect(body).toContain('<InstdAmt Ccy="EUR">999999999.99</InstdAmt>');
    for (const word of ["株", "🧾", "<Shop>"]) expect(body).not.toContain(word);
    for (let n = 0; n < 5; n++) prepare(iso, instruction({ endToEndId: `01M84VZ5AP8MVGWYKK009FMF${n}0`, reference: "" }));
  });
});

describe("camt.053 pages through the ISO 20022 adapter", () => {
  const booked = (endToEndId: string | undefined, amount: string): EntrySpec => ({
    amount,
    direction: "DBIT",
    status: "BOOK",
    bookingDate: { date: "2026-11-23" },
    accountServicerReference: `REF-${endToEndId ?? "none"}`,
    code: { domain: "PMNT", family: "ICDT", subFamily: "ESCT" },
    transactions: endToEndId === undefined ? undefined : [{ endToEndId }],
  });
  const page = (number: number, last: boolean, entries: EntrySpec[], options: { iban?: string; id?: string; pageNumber?: number } = {}) =>
    buildCamt({
      family: "camt.053",
      version: "001.08",
      messageId: `MSG-${number}`,
      createdAt: "2026-11-24T06:00:00Z",
      page: { number: options.pageNumber ?? number, last },
      reports: [{ id: options.id ?? "STMT-1", iban: options.iban ?? DEBTOR, entries }],
    });
  const query = { debtorIban: DEBTOR, date: "2026-11-23" };

  it("walks pages 1..last, maps settled transfers to ACSC, keeps entries without an EndToEndId, and returns apart", async () => {
    const returned: EntrySpec = {
      amount: "11.50",
      direction: "CRDT",
      status: "BOOK",
      bookingDate: { dateTime: "2026-11-23T10:00:00+01:00" },
      transactions: [{ endToEndId: E2E, returnInformation: { reasonCode: "AC04" } }],
    };
    const pages = [page(1, false, [booked(E2E, "12.50"), booked(undefined, "3.00")]), page(2, true, [returned])];
    const asked: string[] = [];
    const adapter = bank("iso20022", (url) => {
      asked.push(new URL(url).searchParams.get("page") ?? "");
      return new Response(pages[Number(new URL(url).searchParams.get("page")) - 1], { status: 200 });
    });
    const first = (await adapter.fetchStatementPage({ ...query, cursor: null })).outcome;
    if (first.kind !== "page") throw new Error(first.reason);
    expect(first.page.entries).toEqual([
      {
        transfer_id: "REF-01M84VZ5AP8MVGWYKK009FMFWN",
        end_to_end_id: E2E,
        amount: { value: 1250, currency: "EUR" },
        status: "ACSC",
        booked_at: "2026-11-23T00:00:00.000Z",
      },
      {
        transfer_id: "REF-none",
        end_to_end_id: "NOTPROVIDED",
        amount: { value: 300, currency: "EUR" },
        status: "ACSC",
        booked_at: "2026-11-23T00:00:00.000Z",
      },
    ]);
    expect(first.page.lists_rejected).toBe(false);
    const second = (await adapter.fetchStatementPage({ ...query, cursor: first.page.next_cursor })).outcome;
    if (second.kind !== "page") throw new Error(second.reason);
    expect(second.page).toMatchObject({ next_cursor: null });
    // A return with no reference of its own: one reference per returned transfer (it can come back once).
    expect(second.page.entries).toEqual([
      {
        type: "return",
        transfer_id: `R-${E2E}`,
        return_of: E2E,
        reason_code: "AC04",
        amount: { value: 1150, currency: "EUR" },
        booked_at: "2026-11-23T09:00:00.000Z",
      },
    ]);
    expect(asked).toEqual(["1", "2"]);
  });

  it("a reversal of a booked transfer (RvslInd) is never read as its settlement: kept as an entry no payment claims", async () => {
    const reversal: EntrySpec = { ...booked(E2E, "12.50"), reversal: true, accountServicerReference: "REF-REVERSAL" };
    const adapter = bank("iso20022", () => new Response(page(1, true, [reversal]), { status: 200 }));
    const outcome = (await adapter.fetchStatementPage({ ...query, cursor: null })).outcome;
    if (outcome.kind !== "page") throw new Error(outcome.reason);
    expect(outcome.page.entries).toEqual([
      {
        transfer_id: "REF-REVERSAL",
        end_to_end_id: "NOTPROVIDED",
        amount: { value: 1250, currency: "EUR" },
        status: "ACSC",
        booked_at: "2026-11-23T00:00:00.000Z",
      },
    ]);
  });

  it("refuses a page that is not the one asked for, of another statement, or about another account", async () => {
    const cases: Array<[string, string]> = [
      [page(1, true, [], { pageNumber: 2 }), "asked for statement page 1, got page 2"],
      [page(1, true, [], { iban: "DE89370400440532013000" }), "statement for another account"],
    ];
    for (const [body, reason] of cases) {
      const outcome = (await bank("iso20022", () => new Response(body, { status: 200 })).fetchStatementPage({ ...query, cursor: null }))
        .outcome;
      expect(outcome).toMatchObject({ kind: "failed", reason });
    }
    const cursor = JSON.stringify({ page: 2, statement_id: "STMT-1" });
    const other = bank("iso20022", () => new Response(page(2, true, [], { id: "STMT-2" }), { status: 200 }));
    expect((await other.fetchStatementPage({ ...query, cursor })).outcome).toMatchObject({
      kind: "failed",
      reason: "statement changed between pages (Stmt/Id)",
    });
    expect((await other.fetchStatementPage({ ...query, cursor: "not ours" })).outcome).toMatchObject({ kind: "failed" });
  });
});
