/**
 * The ISO 20022 codec runs inside workerd (web-standard APIs only, with
 * nodejs_compat): build a pain.001, read a pain.002 and a camt.053 here, in
 * the Workers runtime, not only in Node.
 */
import { describe, expect, it } from "vitest";
import { readCamt } from "../src/bank/iso20022/camt.ts";
import { buildPain001 } from "../src/bank/iso20022/pain001.ts";
import { readPain002 } from "../src/bank/iso20022/pain002.ts";
import statementPage from "./fixtures/iso20022/camt.053.001.08-page-1.xml?raw";
import rejectedReport from "./fixtures/iso20022/pain.002.001.11-rejected.xml?raw";

const END_TO_END_ID = "01M84VZ5AP8MVGWYKK009FMFWN";

describe("ISO 20022 codec in workerd", () => {
  it("builds a pain.001", () => {
    const built = buildPain001({
      endToEndId: END_TO_END_ID,
      firstSentAt: Date.UTC(2026, 10, 23, 10, 0, 0),
      creationDay: "2026-11-23",
      merchantName: "Zoë Łódź",
      debtorIban: "DE02120300000000202051",
      creditorName: "Jane Supplier",
      creditorIban: "DE89370400440532013000",
      reference: "Invoice 42",
      amountMinor: 1250,
      currency: "EUR",
    });
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    expect(built.xml).toContain('<InstdAmt Ccy="EUR">12.50</InstdAmt>');
    expect(built.xml).toContain("<Nm>Zoe Lodz</Nm>");
    expect(built.xml).toContain("<CreDtTm>2026-11-23T10:00:00.000Z</CreDtTm>");
  });

  it("reads a camt.053 and a pain.002, from text and from bytes", () => {
    for (const input of [statementPage, new TextEncoder().encode(statementPage)]) {
      const reading = readCamt(input);
      expect(reading).toMatchObject({
        kind: "camt",
        document: { messageType: { family: "camt.053", version: "001.08" }, page: { number: 1, last: false } },
      });
      if (reading.kind !== "camt") return;
      expect(reading.document.reports[0]?.items.map((item) => [item.kind, item.status, item.endToEndId, item.amountMinor])).toEqual([
        ["transfer", "booked", END_TO_END_ID, 1250],
        ["transfer", "pending", "01M84WYDP4YSGGRVT5MC32SE0S", 9900],
      ]);
    }
    expect(readPain002(rejectedReport, END_TO_END_ID)).toMatchObject({ kind: "status", status: "RJCT", reasonCode: "AC04" });
  });

  it("refuses hostile input quickly here too", () => {
    expect(readCamt(`${"<a>".repeat(10_000)}${"</a>".repeat(10_000)}`)).toMatchObject({ kind: "refused", refusal: { reason: "too-deep" } });
    expect(readCamt(`<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>`)).toMatchObject({ kind: "refused", refusal: { reason: "entity" } });
  });
});
