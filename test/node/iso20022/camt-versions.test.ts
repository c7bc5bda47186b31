/**
 * The same statement content written in every accepted version of camt.053
 * and camt.054 must read the same; the .08 documents validate against the ISO
 * XSDs. Then what must not be read: entries the model cannot carry.
 */
import { describe, expect, it } from "vitest";
import { type CamtDocument, readCamt } from "../../../src/bank/iso20022/camt.ts";
import type { CamtItem } from "../../../src/bank/iso20022/camt-entries.ts";
import { buildCamt, type CamtFamily, type CamtSpec, type CamtVersion, type EntrySpec } from "./support/camt-builder.ts";
import { invalidDocuments, XSD } from "./support/xsd.ts";

const OURS = "01M84VZ5AP8MVGWYKK009FMFWN";
const RETURNED = "01M84WYBJ4VK458R3V61FEE557";
const ESCT = { domain: "PMNT", family: "ICDT", subFamily: "ESCT" };
const RRTN = { domain: "PMNT", family: "ICDT", subFamily: "RRTN" };

const ENTRIES: EntrySpec[] = [
  // 0: our transfer, booked with a time and an offset: settled, on its UTC day.
  {
    amount: "12.50",
    direction: "DBIT",
    status: "BOOK",
    bookingDate: { dateTime: "2026-11-23T23:30:00-02:00" },
    accountServicerReference: "NTRY-0",
    code: ESCT,
    transactions: [{ endToEndId: OURS, accountServicerReference: "TRF-0", amount: "12.50" }],
  },
  // 1: pending.
  { amount: "7.00", direction: "DBIT", status: "PDNG", code: ESCT, transactions: [{ endToEndId: "E2E-PENDING" }] },
  // 2: information only.
  { amount: "1.00", direction: "DBIT", status: "INFO", code: ESCT },
  // 3: a return under PMNT/ICDT/RRTN, less than was sent.
  {
    entryReference: "NREF-3",
    amount: "9.75",
    direction: "CRDT",
    status: "BOOK",
    bookingDate: { date: "2026-11-23" },
    code: RRTN,
    transactions: [{ endToEndId: RETURNED, instructedAmount: "10.00", returnInformation: { reasonCode: "AM04" } }],
  },
  // 4: a return under a proprietary code: RtrInf says it is one.
  {
    amount: "5.00",
    direction: "CRDT",
    status: "BOOK",
    bookingDate: { date: "2026-11-23" },
    code: { proprietary: "RETOUR" },
    transactions: [{ endToEndId: "E2E-RETURN-2", accountServicerReference: "RET-4", returnInformation: { proprietaryReason: "X1" } }],
  },
  // 5: NOTPROVIDED counts as no EndToEndId; the code still makes it a sent transfer.
  {
    amount: "3.00",
    direction: "DBIT",
    status: "BOOK",
    bookingDate: { date: "2026-11-23" },
    code: ESCT,
    transactions: [{ endToEndId: "NOTPROVIDED" }],
  },
  // 6: no details at all: kept, with the entry's reference.
  {
    entryReference: "NREF-6",
    amount: "0.99",
    direction: "DBIT",
    status: "BOOK",
    bookingDate: { date: "2026-11-23" },
    code: { domain: "ACMT", family: "MDOP", subFamily: "CHRG" },
  },
  // 7: a debit naming an EndToEndId under another code is still a transfer to match.
  {
    amount: "4.00",
    direction: "DBIT",
    status: "BOOK",
    bookingDate: { date: "2026-11-23" },
    code: { domain: "PMNT", family: "ICDT", subFamily: "DMCT" },
    transactions: [{ endToEndId: "E2E-DOMESTIC" }],
  },
  // 8: an incoming payment: a credit without return information.
  {
    amount: "100.00",
    direction: "CRDT",
    status: "BOOK",
    bookingDate: { date: "2026-11-23" },
    code: { domain: "PMNT", family: "RCDT", subFamily: "ESCT" },
    transactions: [{ endToEndId: "THEIRS" }],
  },
  // 9: a batch in two NtryDtls blocks, each line with its own amount.
  {
    amount: "30.00",
    direction: "DBIT",
    status: "BOOK",
    bookingDate: { date: "2026-11-23" },
    accountServicerReference: "BATCH-9",
    code: ESCT,
    transactions: [
      [{ endToEndId: "E2E-B1", amount: "10.00" }],
      [{ endToEndId: "E2E-B2", amount: "20.00", accountServicerReference: "B2" }],
    ],
  },
];

const item = (overrides: Partial<CamtItem>): CamtItem => ({
  kind: "transfer",
  entryIndex: 0,
  status: "booked",
  endToEndId: null,
  transferId: null,
  amountMinor: 0,
  currency: "EUR",
  bookingDate: "2026-11-23",
  bookedAt: null,
  returnReasonCode: null,
  bankTransactionCode: "PMNT/ICDT/ESCT",
  proprietaryBankTransactionCode: null,
  reversal: false,
  ...overrides,
});

const EXPECTED_ITEMS: CamtItem[] = [
  item({ endToEndId: OURS, transferId: "TRF-0", amountMinor: 1250, bookingDate: "2026-11-24", bookedAt: "2026-11-24T01:30:00.000Z" }),
  item({ entryIndex: 1, status: "pending", endToEndId: "E2E-PENDING", amountMinor: 700, bookingDate: null }),
  item({
    kind: "return",
    entryIndex: 3,
    endToEndId: RETURNED,
    transferId: "NREF-3",
    amountMinor: 975,
    returnReasonCode: "AM04",
    bankTransactionCode: "PMNT/ICDT/RRTN",
  }),
  item({
    kind: "return",
    entryIndex: 4,
    endToEndId: "E2E-RETURN-2",
    transferId: "RET-4",
    amountMinor: 500,
    bankTransactionCode: null,
    proprietaryBankTransactionCode: "RETOUR",
  }),
  item({ entryIndex: 5, amountMinor: 300 }),
  item({ kind: "other-debit", entryIndex: 6, transferId: "NREF-6", amountMinor: 99, bankTransactionCode: "ACMT/MDOP/CHRG" }),
  item({ entryIndex: 7, endToEndId: "E2E-DOMESTIC", amountMinor: 400, bankTransactionCode: "PMNT/ICDT/DMCT" }),
  item({ kind: "other-credit", entryIndex: 8, endToEndId: "THEIRS", amountMinor: 10000, bankTransactionCode: "PMNT/RCDT/ESCT" }),
  item({ entryIndex: 9, endToEndId: "E2E-B1", transferId: "BATCH-9", amountMinor: 1000 }),
  item({ entryIndex: 9, endToEndId: "E2E-B2", transferId: "B2", amountMinor: 2000 }),
];

const COMBINATIONS: Array<[CamtFamily, CamtVersion]> = [
  ["camt.053", "001.02"],
  ["camt.053", "001.04"],
  ["camt.053", "001.08"],
  ["camt.054", "001.02"],
  ["camt.054", "001.04"],
  ["camt.054", "001.08"],
];

function spec(family: CamtFamily, version: CamtVersion, overrides: Partial<CamtSpec> = {}): CamtSpec {
  return {
    family,
    version,
    messageId: `MSG-${family}-${version}`,
    createdAt: "2026-11-24T06:00:00+01:00",
    reports: [
      {
        id: "REPORT-1",
        iban: "DE02120300000000202051",
        currency: "EUR",
        period: { from: "2026-11-23T00:00:00Z", to: "2026-11-23T23:59:59Z" },
        entries: ENTRIES,
      },
    ],
    ...overrides,
  };
}

function read(xml: string): CamtDocument {
  const reading = readCamt(xml);
  if (reading.kind !== "camt") throw new Error(JSON.stringify(reading));
  return reading.document;
}

/** Every .08 document these tests build, validated against the ISO XSDs at the end. */
const built08: Record<CamtFamily, string[]> = { "camt.053": [], "camt.054": [] };
function build(camtSpec: CamtSpec): string {
  const xml = buildCamt(camtSpec);
  if (camtSpec.version === "001.08") built08[camtSpec.family].push(xml);
  return xml;
}

describe.each(COMBINATIONS)("%s.%s", (family, version) => {
  it("reads every kind of entry the same way", () => {
    const document = read(build(spec(family, version)));
    expect(document).toMatchObject({
      kind: family === "camt.053" ? "statement" : "notification",
      messageType: { family, version },
      messageId: `MSG-${family}-${version}`,
      createdAt: "2026-11-24T05:00:00.000Z",
      page: null,
    });
    expect(document.reports).toHaveLength(1);
    const [report] = document.reports;
    expect(report).toMatchObject({
      id: "REPORT-1",
      accountIban: "DE02120300000000202051",
      accountCurrency: "EUR",
      period: { from: "2026-11-23T00:00:00.000Z", to: "2026-11-23T23:59:59.000Z" },
      entryCount: ENTRIES.length,
      ignoredEntryCount: 1,
    });
    expect(report?.items).toEqual(EXPECTED_ITEMS);
  });

  it("reads the pages of a multi-page message, and several reports in one message", () => {
    const pages = [1, 2, 3].map((number) =>
      read(
        build(
          spec(family, version, {
            messageId: `MSG-P${number}`,
            page: { number, last: number === 3 },
            reports: [
              { id: "R", page: { number, last: number === 3 }, entries: [ENTRIES[0] as EntrySpec] },
              { id: "R-OTHER", otherAccountId: "0532013000", entries: [] },
            ],
          }),
        ),
      ),
    );
    expect(pages.map((page) => page.page)).toEqual([
      { number: 1, last: false },
      { number: 2, last: false },
      { number: 3, last: true },
    ]);
    for (const page of pages) {
      expect(page.reports.map((report) => [report.id, report.accountIban, report.entryCount])).toEqual([
        ["R", "DE02120300000000202051", 1],
        ["R-OTHER", null, 0],
      ]);
      // The report's own pagination exists from .04 on.
      expect(page.reports[0]?.page === null).toBe(version === "001.02");
    }
  });

  it("a reversal is flagged", () => {
    const document = read(
      build(spec(family, version, { reports: [{ id: "R", entries: [{ ...(ENTRIES[0] as EntrySpec), reversal: true }] }] })),
    );
    expect(document.reports[0]?.items[0]?.reversal).toBe(true);
  });
});

describe("camt entries the model cannot carry make the document invalid", () => {
  const base: EntrySpec = {
    amount: "12.50",
    direction: "DBIT",
    status: "BOOK",
    bookingDate: { date: "2026-11-23" },
    code: ESCT,
    transactions: [{ endToEndId: OURS }],
  };
  const cases: Array<[string, EntrySpec, CamtVersion?]> = [
    ["an unknown entry status", { ...base, status: "XXXX" }],
    ["a proprietary entry status", { ...base, status: "BOOKED", proprietaryStatus: true }, "001.08"],
    ["a fraction of a cent", { ...base, amount: "12.505" }],
    ["an unknown currency", { ...base, currency: "XYZ" }],
    ["a negative amount", { ...base, amount: "-12.50" }],
    ["a booking day that does not exist", { ...base, bookingDate: { date: "2026-02-29" } }],
    ["a booking time that does not exist", { ...base, bookingDate: { dateTime: "2026-11-23T25:00:00Z" } }],
    ["a batch line without any amount", { ...base, transactions: [{ endToEndId: "A", amount: "5.00" }, { endToEndId: "B" }] }],
    ["a transaction amount that is not a number", { ...base, transactions: [{ endToEndId: "A", amount: "twelve" }] }],
    ["an EndToEndId longer than 35", { ...base, transactions: [{ endToEndId: "X".repeat(36) }] }],
    ["an empty EndToEndId", { ...base, transactions: [{ endToEndId: "" }] }],
  ];
  it.each(cases)("%s", (_name, entry, version = "001.08") => {
    const good = buildCamt(spec("camt.053", version, { reports: [{ id: "R", entries: [base] }] }));
    expect(readCamt(good).kind).toBe("camt");
    const reading = readCamt(buildCamt(spec("camt.053", version, { reports: [{ id: "R", entries: [base, entry] }] })));
    expect(reading).toMatchObject({ kind: "invalid" });
  });

  it.each([
    ["no account", (xml: string) => xml.replace(/<Acct>[\s\S]*?<\/Acct>/, "")],
    ["no statement", (xml: string) => xml.replace(/<Stmt>[\s\S]*<\/Stmt>/, "")],
    ["an entry without status", (xml: string) => xml.replace(/<Sts>[\s\S]*?<\/Sts>/, "")],
    [
      "an amount without currency",
      (xml: string) => xml.replace('<Amt Ccy="EUR">12.50</Amt>\n        <CdtDbtInd>DBIT', "<Amt>12.50</Amt>\n        <CdtDbtInd>DBIT"),
    ],
    [
      "a credit/debit indicator that is neither",
      (xml: string) => xml.replace("<CdtDbtInd>DBIT</CdtDbtInd>", "<CdtDbtInd>BOTH</CdtDbtInd>"),
    ],
    [
      "both a booking date and time",
      (xml: string) =>
        xml.replace(
          "<Dt>2026-11-23</Dt>\n        </BookgDt>",
          "<Dt>2026-11-23</Dt>\n          <DtTm>2026-11-23T10:00:00Z</DtTm>\n        </BookgDt>",
        ),
    ],
    ["a page number that is not one", (xml: string) => xml.replace("<PgNb>1</PgNb>", "<PgNb>one</PgNb>")],
    [
      "a period end that is not a date-time",
      (xml: string) => xml.replace("<ToDtTm>2026-11-23T23:59:59Z</ToDtTm>", "<ToDtTm>2026-11-23T23:61:00Z</ToDtTm>"),
    ],
  ])("%s", (_name, alter) => {
    const good = buildCamt(
      spec("camt.053", "001.08", {
        page: { number: 1, last: true },
        reports: [{ id: "R", period: { from: "2026-11-23T00:00:00Z", to: "2026-11-23T23:59:59Z" }, entries: [base] }],
      }),
    );
    expect(readCamt(good).kind).toBe("camt");
    const altered = alter(good);
    expect(altered).not.toBe(good);
    expect(readCamt(altered)).toMatchObject({ kind: "invalid" });
  });
});

describe("documents that are not an accepted camt", () => {
  it.each([
    ["a pain.002", `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.11"><CstmrPmtStsRpt/></Document>`, "not-a-camt-document"],
    [
      "another ISO message",
      `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.052.001.08"><BkToCstmrAcctRpt/></Document>`,
      "not-a-camt-document",
    ],
    ["an XHTML page", `<html xmlns="http://www.w3.org/1999/xhtml"><body>statement</body></html>`, "not-a-camt-document"],
    ["a Document without a namespace", `<Document><BkToCstmrStmt/></Document>`, "not-a-camt-document"],
    [
      "a version not read",
      `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.03"><BkToCstmrStmt/></Document>`,
      "unsupported-version",
    ],
  ])("%s is refused", (_name, xml, reason) => {
    expect(readCamt(xml)).toMatchObject({ kind: "refused", refusal: { reason } });
  });
});

describe("camt .08 documents built by these tests", () => {
  it("all validate against the ISO XSDs (and the check can fail)", async () => {
    expect(built08["camt.053"].length).toBeGreaterThan(3);
    expect(built08["camt.054"].length).toBeGreaterThan(3);
    expect(await invalidDocuments(XSD.camt053, built08["camt.053"])).toEqual([]);
    expect(await invalidDocuments(XSD.camt054, built08["camt.054"])).toEqual([]);
    const misordered = (built08["camt.053"][0] ?? "").replace(/(<Acct>[\s\S]*?<\/Acct>)([\s\S]*?)(<Bal>[\s\S]*?<\/Bal>)/, "$3$2$1");
    expect(await invalidDocuments(XSD.camt053, [misordered])).toHaveLength(1);
  });
});
