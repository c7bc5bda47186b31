/** camt.053 / camt.054 files written by hand, as banks write them, read into the neutral model. */
import { describe, expect, it } from "vitest";
import { type CamtDocument, readCamt } from "../../../src/bank/iso20022/camt.ts";
import { fixture, invalidDocuments, XSD } from "./support/xsd.ts";

function read(name: string): CamtDocument {
  const reading = readCamt(fixture(name));
  if (reading.kind !== "camt") throw new Error(`${name}: ${JSON.stringify(reading)}`);
  return reading.document;
}

const ESCT = { bankTransactionCode: "PMNT/ICDT/ESCT", proprietaryBankTransactionCode: null };

describe("camt hand-written fixtures", () => {
  it("the .08 pages validate against the ISO camt.053.001.08 XSD", async () => {
    expect(await invalidDocuments(XSD.camt053, [fixture("camt.053.001.08-page-1.xml"), fixture("camt.053.001.08-page-2.xml")])).toEqual([]);
  });

  it("camt.053.001.08 page 1 of 2: a settled transfer (booked with an offset, on its UTC day) and a pending one", () => {
    expect(read("camt.053.001.08-page-1.xml")).toEqual({
      kind: "statement",
      messageType: { family: "camt.053", version: "001.08" },
      messageId: "STMT-20261123-DE02-P1",
      createdAt: "2026-11-24T05:00:00.000Z",
      page: { number: 1, last: false },
      reports: [
        {
          id: "STMT-20261123-DE02",
          accountIban: "DE02120300000000202051",
          accountCurrency: "EUR",
          page: { number: 1, last: false },
          period: { from: "2026-11-22T23:00:00.000Z", to: "2026-11-23T22:59:59.000Z" },
          entryCount: 2,
          ignoredEntryCount: 0,
          items: [
            {
              kind: "transfer",
              entryIndex: 0,
              status: "booked",
              endToEndId: "01M84VZ5AP8MVGWYKK009FMFWN",
              transferId: "TRF0000000001",
              amountMinor: 1250,
              currency: "EUR",
              // 00:30 at +01:00 is still the 22nd in UTC.
              bookingDate: "2026-11-22",
              bookedAt: "2026-11-22T23:30:00.000Z",
              returnReasonCode: null,
              ...ESCT,
              reversal: false,
            },
            {
              kind: "transfer",
              entryIndex: 1,
              status: "pending",
              endToEndId: "01M84WYDP4YSGGRVT5MC32SE0S",
              // No TxDtls reference: the entry's.
              transferId: "2026112300000418",
              // The only TxDtls has no amount of its own: the entry's.
              amountMinor: 9900,
              currency: "EUR",
              bookingDate: null,
              bookedAt: null,
              returnReasonCode: null,
              ...ESCT,
              reversal: false,
            },
          ],
        },
      ],
    });
  });

  it("camt.053.001.08 page 2 of 2: a return under a proprietary code, and an INFO entry ignored", () => {
    const document = read("camt.053.001.08-page-2.xml");
    expect(document.page).toEqual({ number: 2, last: true });
    const [report] = document.reports;
    expect(report).toMatchObject({ id: "STMT-20261123-DE02", accountCurrency: null, period: null, entryCount: 2, ignoredEntryCount: 1 });
    expect(report?.items).toEqual([
      {
        kind: "return",
        entryIndex: 0,
        status: "booked",
        endToEndId: "01M84WYBJ4VK458R3V61FEE557",
        transferId: "0003",
        // What was credited back, not the 12.50 instructed: charges were taken.
        amountMinor: 1150,
        currency: "EUR",
        bookingDate: "2026-11-23",
        bookedAt: null,
        returnReasonCode: "AC04",
        bankTransactionCode: null,
        proprietaryBankTransactionCode: "NRTI+159",
        reversal: false,
      },
    ]);
  });

  it("camt.053.001.02: plain-text status, the amount from AmtDtls/TxAmt, and a fee without EndToEndId kept", () => {
    const document = read("camt.053.001.02-statement.xml");
    expect(document).toMatchObject({
      kind: "statement",
      messageType: { family: "camt.053", version: "001.02" },
      messageId: "053D2026-11-24T05:12:44.0N260000001",
      createdAt: "2026-11-24T04:12:44.000Z",
      page: null,
    });
    const [report] = document.reports;
    expect(report).toMatchObject({
      id: "0352C5320261124051244",
      page: null,
      period: { from: "2026-11-22T23:00:00.000Z", to: "2026-11-23T22:59:59.900Z" },
    });
    expect(report?.items).toEqual([
      {
        kind: "transfer",
        entryIndex: 0,
        status: "booked",
        endToEndId: "01M84VZ5AP8MVGWYKK009FMFWN",
        transferId: "2026112300417",
        amountMinor: 125000,
        currency: "EUR",
        bookingDate: "2026-11-23",
        bookedAt: null,
        returnReasonCode: null,
        bankTransactionCode: "PMNT/ICDT/ESCT",
        proprietaryBankTransactionCode: "NMSC+116",
        reversal: false,
      },
      {
        kind: "other-debit",
        entryIndex: 1,
        status: "booked",
        endToEndId: null,
        transferId: "2026112300418",
        amountMinor: 390,
        currency: "EUR",
        bookingDate: "2026-11-23",
        bookedAt: null,
        returnReasonCode: null,
        bankTransactionCode: "ACMT/MDOP/CHRG",
        proprietaryBankTransactionCode: null,
        reversal: false,
      },
    ]);
  });

  it("camt.054.001.04 (prefixed): a batch entry yields one item per TxDtls, each with its own amount", () => {
    const document = read("camt.054.001.04-batch.xml");
    expect(document).toMatchObject({
      kind: "notification",
      messageType: { family: "camt.054", version: "001.04" },
      messageId: "NTF-0000981",
    });
    const [report] = document.reports;
    expect(report).toMatchObject({ id: "NTF-0000981-1", entryCount: 1, ignoredEntryCount: 0 });
    const common = {
      kind: "transfer",
      entryIndex: 0,
      status: "booked",
      currency: "EUR",
      bookingDate: "2026-11-24",
      bookedAt: "2026-11-24T01:30:00.000Z",
    };
    expect(report?.items).toEqual([
      { ...common, endToEndId: "E2E-BATCH-1", transferId: "B-77-1", amountMinor: 1000, returnReasonCode: null, ...ESCT, reversal: false },
      { ...common, endToEndId: "E2E-BATCH-2", transferId: "BATCH-77", amountMinor: 2000, returnReasonCode: null, ...ESCT, reversal: false },
      // NOTPROVIDED is no EndToEndId; a batch line without its own amount falls back to the instructed one.
      { ...common, endToEndId: null, transferId: "BATCH-77", amountMinor: 3000, returnReasonCode: null, ...ESCT, reversal: false },
    ]);
  });
});
