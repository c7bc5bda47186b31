import { describe, expect, it } from "vitest";
import { readPain002 } from "../../../src/bank/iso20022/pain002.ts";
import { buildPain002, type Pain002Spec, type Pain002Version } from "./support/pain002-builder.ts";
import { fixture, invalidDocuments, XSD } from "./support/xsd.ts";

const OURS = "01M84VZ5AP8MVGWYKK009FMFWN";
const OTHER = "01M84VZ5AP8MVGWYKK009XXXXX";
const VERSIONS: Pain002Version[] = ["001.03", "001.10", "001.11"];

/** Every .11 report a test builds, validated against the ISO XSD at the end. */
const built11: string[] = [];
function report(spec: Pain002Spec): string {
  const xml = buildPain002(spec);
  if (spec.version === "001.11") built11.push(xml);
  return xml;
}

describe("pain.002 hand-written fixtures", () => {
  it(".03: a group RJCT (schema failure FF01), reason at group level, prefixed namespace", () => {
    expect(readPain002(fixture("pain.002.001.03-group-rejected.xml"), OURS)).toEqual({
      kind: "status",
      status: "RJCT",
      reasonCode: "FF01",
      endToEndId: OURS,
      source: "group",
      version: "001.03",
      reportMessageId: "BANK-STS-20261123-000117",
      // No offset: read as UTC.
      reportCreatedAt: "2026-11-23T10:15:31.000Z",
      acceptedAt: null,
      accountServicerReference: null,
    });
  });

  it(".10: the transaction's status wins over the payment information's and the group's", () => {
    expect(readPain002(fixture("pain.002.001.10-accepted.xml"), OURS)).toEqual({
      kind: "status",
      status: "ACSC",
      reasonCode: null,
      endToEndId: OURS,
      source: "transaction",
      version: "001.10",
      reportMessageId: "0000417",
      reportCreatedAt: "2026-11-23T10:00:00.250Z",
      acceptedAt: "2026-11-23T09:59:59.000Z",
      accountServicerReference: "0001234",
    });
  });

  it(".11: a transaction RJCT with its reason code", async () => {
    const xml = fixture("pain.002.001.11-rejected.xml");
    expect(readPain002(xml, OURS)).toMatchObject({
      kind: "status",
      status: "RJCT",
      reasonCode: "AC04",
      source: "transaction",
      accountServicerReference: "REF-991",
    });
    expect(await invalidDocuments(XSD.pain002, [xml])).toEqual([]);
  });

  it("reads another payment's report as a mismatch", () => {
    expect(readPain002(fixture("pain.002.001.10-accepted.xml"), OTHER)).toEqual({
      kind: "mismatch",
      reason: "the report is about another message",
    });
  });
});

describe.each(VERSIONS)("pain.002.%s", (version) => {
  it("TxSts at transaction level", () => {
    const xml = report({
      version,
      originalMessageId: OURS,
      groupStatus: "ACCP",
      blocks: [
        {
          paymentInformationId: OURS,
          status: "PDNG",
          transactions: [{ endToEndId: OURS, status: "ACSC", acceptedAt: "2026-11-23T10:00:00Z" }],
        },
      ],
    });
    expect(readPain002(xml, OURS)).toMatchObject({
      kind: "status",
      status: "ACSC",
      source: "transaction",
      version,
      acceptedAt: "2026-11-23T10:00:00.000Z",
    });
  });

  it("PmtInfSts only: the payment information's status applies", () => {
    const blockOnly = report({ version, originalMessageId: OURS, blocks: [{ paymentInformationId: OURS, status: "ACTC" }] });
    expect(readPain002(blockOnly, OURS)).toMatchObject({ kind: "status", status: "ACTC", source: "payment-information" });
    const transactionWithoutStatus = report({
      version,
      originalMessageId: OURS,
      blocks: [{ paymentInformationId: OURS, status: "ACSP", transactions: [{ endToEndId: OURS, accountServicerReference: "B-1" }] }],
    });
    expect(readPain002(transactionWithoutStatus, OURS)).toMatchObject({
      status: "ACSP",
      source: "payment-information",
      accountServicerReference: "B-1",
    });
  });

  it("GrpSts RJCT FF01 only: the whole message was refused", () => {
    const xml = report({ version, originalMessageId: OURS, groupStatus: "RJCT", groupReasons: [{ code: "FF01", info: "schema" }] });
    expect(readPain002(xml, OURS)).toMatchObject({ kind: "status", status: "RJCT", reasonCode: "FF01", source: "group", acceptedAt: null });
  });

  it("RJCT with its reason, from the transaction's level first, then the levels above", () => {
    const own = report({
      version,
      originalMessageId: OURS,
      groupReasons: [{ code: "NARR" }],
      blocks: [
        {
          paymentInformationId: OURS,
          reasons: [{ code: "AM04" }],
          transactions: [{ endToEndId: OURS, status: "RJCT", reasons: [{ code: "AC04" }] }],
        },
      ],
    });
    expect(readPain002(own, OURS)).toMatchObject({ status: "RJCT", reasonCode: "AC04", source: "transaction" });
    const fromAbove = report({
      version,
      originalMessageId: OURS,
      blocks: [{ paymentInformationId: OURS, reasons: [{ code: "AM04" }], transactions: [{ endToEndId: OURS, status: "RJCT" }] }],
    });
    expect(readPain002(fromAbove, OURS)).toMatchObject({ status: "RJCT", reasonCode: "AM04" });
    const proprietaryOnly = report({
      version,
      originalMessageId: OURS,
      blocks: [{ paymentInformationId: OURS, transactions: [{ endToEndId: OURS, status: "RJCT", reasons: [{ proprietary: "BANK-42" }] }] }],
    });
    expect(readPain002(proprietaryOnly, OURS)).toMatchObject({ status: "RJCT", reasonCode: null });
    const acceptedWithGroupReason = report({
      version,
      originalMessageId: OURS,
      groupReasons: [{ code: "NARR" }],
      blocks: [{ paymentInformationId: OURS, transactions: [{ endToEndId: OURS, status: "ACCP" }] }],
    });
    expect(readPain002(acceptedWithGroupReason, OURS)).toMatchObject({ status: "ACCP", reasonCode: null });
  });

  it("every status code the connector knows passes through", () => {
    for (const status of ["RCVD", "PDNG", "ACTC", "ACCP", "ACSP", "ACWC", "ACSC", "ACCC", "RJCT"]) {
      const xml = report({
        version,
        originalMessageId: OURS,
        blocks: [{ paymentInformationId: OURS, transactions: [{ endToEndId: OURS, status }] }],
      });
      expect(readPain002(xml, OURS)).toMatchObject({ kind: "status", status });
    }
  });

  it("another EndToEndId than ours is a mismatch, unless a group status applies", () => {
    const other = report({
      version,
      originalMessageId: OURS,
      blocks: [{ paymentInformationId: OURS, transactions: [{ endToEndId: OTHER, status: "ACSC" }] }],
    });
    expect(readPain002(other, OURS)).toEqual({ kind: "mismatch", reason: "the report names other transactions, not ours" });
    const otherBlock = report({ version, originalMessageId: OURS, blocks: [{ paymentInformationId: OTHER, status: "ACSC" }] });
    expect(readPain002(otherBlock, OURS)).toMatchObject({ kind: "mismatch" });
    const groupRejected = report({
      version,
      originalMessageId: OURS,
      groupStatus: "RJCT",
      groupReasons: [{ code: "FF01" }],
      blocks: [{ paymentInformationId: OURS, transactions: [{ endToEndId: OTHER, status: "ACSC" }] }],
    });
    expect(readPain002(groupRejected, OURS)).toMatchObject({ kind: "status", status: "RJCT", reasonCode: "FF01", source: "group" });
    const anotherMessage = report({ version, originalMessageId: OTHER, groupStatus: "RJCT" });
    expect(readPain002(anotherMessage, OURS)).toMatchObject({ kind: "mismatch" });
  });

  it("statuses it cannot trust are invalid: unknown, conflicting, or none at all", () => {
    const unknown = report({ version, originalMessageId: OURS, groupStatus: "PART" });
    expect(readPain002(unknown, OURS)).toMatchObject({ kind: "invalid", reason: "status PART is not one the connector knows" });
    const conflicting = report({
      version,
      originalMessageId: OURS,
      blocks: [
        {
          paymentInformationId: OURS,
          transactions: [
            { endToEndId: OURS, status: "ACSC" },
            { endToEndId: OURS, status: "RJCT" },
          ],
        },
      ],
    });
    expect(readPain002(conflicting, OURS)).toMatchObject({ kind: "invalid" });
    const agreeing = report({
      version,
      originalMessageId: OURS,
      blocks: [
        {
          paymentInformationId: OURS,
          transactions: [
            { endToEndId: OURS, status: "ACSC" },
            { endToEndId: OURS, status: "ACSC" },
          ],
        },
      ],
    });
    expect(readPain002(agreeing, OURS)).toMatchObject({ kind: "status", status: "ACSC" });
    const none = report({
      version,
      originalMessageId: OURS,
      blocks: [{ paymentInformationId: OURS, transactions: [{ endToEndId: OURS }] }],
    });
    expect(readPain002(none, OURS)).toMatchObject({ kind: "invalid" });
    const empty = report({ version, originalMessageId: OURS });
    expect(readPain002(empty, OURS)).toMatchObject({ kind: "invalid" });
  });
});

describe("pain.002 trees that fail validation", () => {
  const valid = buildPain002({
    version: "001.11",
    originalMessageId: OURS,
    blocks: [{ paymentInformationId: OURS, transactions: [{ endToEndId: OURS, status: "ACSC" }] }],
  });

  it("the unaltered report is read (the alterations below are what fails)", () => {
    expect(readPain002(valid, OURS)).toMatchObject({ kind: "status", status: "ACSC" });
  });

  it.each([
    ["no OrgnlGrpInfAndSts", (xml: string) => xml.replace(/<OrgnlGrpInfAndSts>[\s\S]*<\/OrgnlGrpInfAndSts>/, "")],
    ["no GrpHdr", (xml: string) => xml.replace(/<GrpHdr>[\s\S]*<\/GrpHdr>/, "")],
    ["a lower-case status", (xml: string) => xml.replace("<TxSts>ACSC</TxSts>", "<TxSts>acsc</TxSts>")],
    ["a status too long for a code", (xml: string) => xml.replace("<TxSts>ACSC</TxSts>", "<TxSts>ACSCX</TxSts>")],
    ["a status with child elements", (xml: string) => xml.replace("<TxSts>ACSC</TxSts>", "<TxSts><Cd>ACSC</Cd></TxSts>")],
    ["two statuses on one transaction", (xml: string) => xml.replace("<TxSts>ACSC</TxSts>", "<TxSts>ACSC</TxSts><TxSts>RJCT</TxSts>")],
    ["an empty OrgnlEndToEndId", (xml: string) => xml.replace(`<OrgnlEndToEndId>${OURS}</OrgnlEndToEndId>`, "<OrgnlEndToEndId/>")],
    [
      "an OrgnlMsgId longer than 35",
      (xml: string) => xml.replace(`<OrgnlMsgId>${OURS}</OrgnlMsgId>`, `<OrgnlMsgId>${"X".repeat(36)}</OrgnlMsgId>`),
    ],
    ["a CreDtTm that is not a date-time", (xml: string) => xml.replace(/<CreDtTm>[^<]*<\/CreDtTm>/, "<CreDtTm>yesterday</CreDtTm>")],
    [
      "a CreDtTm on a day that does not exist",
      (xml: string) => xml.replace(/<CreDtTm>[^<]*<\/CreDtTm>/, "<CreDtTm>2026-02-30T10:00:00Z</CreDtTm>"),
    ],
    ["an OrgnlPmtInfAndSts without its id", (xml: string) => xml.replace(`<OrgnlPmtInfId>${OURS}</OrgnlPmtInfId>`, "")],
    [
      "a report wrapper that is text",
      (xml: string) => xml.replace(/<CstmrPmtStsRpt>[\s\S]*<\/CstmrPmtStsRpt>/, "<CstmrPmtStsRpt>ACSC</CstmrPmtStsRpt>"),
    ],
    ["another message inside the document", (xml: string) => xml.replace(/CstmrPmtStsRpt/g, "FIToFIPmtStsRpt")],
  ])("%s is invalid", (_name, alter) => {
    const altered = alter(valid);
    expect(altered).not.toBe(valid);
    expect(readPain002(altered, OURS)).toMatchObject({ kind: "invalid" });
  });

  it("an invalid AccptncDtTm makes the answer invalid rather than silently dropped", () => {
    const xml = buildPain002({
      version: "001.10",
      originalMessageId: OURS,
      blocks: [{ paymentInformationId: OURS, transactions: [{ endToEndId: OURS, status: "ACSC", acceptedAt: "2026-13-01T00:00:00Z" }] }],
    });
    expect(readPain002(xml, OURS)).toMatchObject({ kind: "invalid" });
  });

  it("refuses documents that are not a pain.002 of an accepted version", () => {
    const camt = `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt/></Document>`;
    expect(readPain002(camt, OURS)).toMatchObject({ kind: "refused", refusal: { reason: "not-a-status-report" } });
    const v09 = valid.replace("pain.002.001.11", "pain.002.001.09");
    expect(readPain002(v09, OURS)).toMatchObject({ kind: "refused", refusal: { reason: "unsupported-version" } });
    const noNamespace = valid.replace(/ xmlns="[^"]*"/, "");
    expect(readPain002(noNamespace, OURS)).toMatchObject({ kind: "refused", refusal: { reason: "not-a-status-report" } });
    const dtd = valid.replace("<Document", '<!DOCTYPE Document SYSTEM "http://attacker.example/x.dtd">\n<Document');
    expect(readPain002(dtd, OURS)).toMatchObject({ kind: "refused", refusal: { reason: "dtd" } });
  });
});

describe("pain.002.001.11 reports built by these tests", () => {
  it("all validate against the ISO XSD", async () => {
    expect(built11.length).toBeGreaterThan(10);
    expect(await invalidDocuments(XSD.pain002, built11)).toEqual([]);
  });
});
