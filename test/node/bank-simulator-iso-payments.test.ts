/**
 * The simulator's ISO 20022 payment contract: pain.001 in (validated by
 * libxml2 against the EPC SCT C2PSP schema), pain.002 out, on the same
 * ledger and fault rules as the JSON API.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { XsdValidator } from "../../tools/bank-simulator/xsd-validator.ts";
import {
  FIXTURES,
  jsonTransfer,
  list,
  pain001,
  readDocument,
  startTestBank,
  type TestBank,
  text,
  uniqueIban,
  uniqueId,
} from "./support/bank-simulator.ts";

let bank: TestBank;
let pain002Schema: XsdValidator;

beforeAll(async () => {
  [bank, pain002Schema] = await Promise.all([startTestBank(), XsdValidator.start(`${FIXTURES}pain.002.001.11.xsd`)]);
});
afterAll(async () => {
  await Promise.all([bank?.close(), pain002Schema?.close()]);
});

function submit(document: string, headers?: Record<string, string>) {
  return bank.call("POST", "/iso20022/payments", document, headers);
}

function transactionStatus(xml: string) {
  const { message } = readDocument(xml);
  const tx = list(message, "OrgnlPmtInfAndSts.TxInfAndSts")[0];
  return {
    originalMsgId: text(message, "OrgnlGrpInfAndSts.OrgnlMsgId"),
    groupStatus: text(message, "OrgnlGrpInfAndSts.GrpSts"),
    groupReason: text(list(message, "OrgnlGrpInfAndSts.StsRsnInf")[0], "Rsn.Cd"),
    endToEndId: text(tx, "OrgnlEndToEndId"),
    status: text(tx, "TxSts"),
    reason: text(list(tx, "StsRsnInf")[0], "Rsn.Cd"),
    acceptedAt: text(tx, "AccptncDtTm"),
    reference: text(tx, "AcctSvcrRef"),
  };
}

/** pain.002.001.10 differs from .11 in the namespace and elements the simulator never writes (TrckrData). */
async function validAgainstIsoSchema(xml: string): Promise<boolean> {
  const as11 = xml.replace(/pain\.002\.001\.(03|10)/, "pain.002.001.11");
  const verdict = await pain002Schema.validate(as11);
  if (!verdict.valid) throw new Error(verdict.errors.join("\n"));
  return verdict.valid;
}

describe("ISO 20022 submissions", () => {
  it("books a valid pain.001 and answers a pain.002.001.10 ACSC report, identified by MsgId and EndToEndId", async () => {
    const id = uniqueId();
    const debtor = uniqueIban();
    const answer = await submit(pain001({ endToEndId: id, debtorIban: debtor, amount: "1234567.89" }));
    expect(answer.status).toBe(200);
    expect(answer.contentType).toBe("application/xml; charset=utf-8");
    const { namespace, root } = readDocument(answer.text);
    expect([namespace, root]).toEqual(["urn:iso:std:iso:20022:tech:xsd:pain.002.001.10", "CstmrPmtStsRpt"]);
    const report = transactionStatus(answer.text);
    expect(report).toMatchObject({ originalMsgId: id, endToEndId: id, status: "ACSC", groupStatus: undefined });
    expect(Date.parse(report.acceptedAt ?? "")).not.toBeNaN();
    expect(await validAgainstIsoSchema(answer.text)).toBe(true);

    // The same ledger as the JSON API: integer minor units, no float rounding.
    const booked = bank.simulator.ledger.get(id);
    expect(booked).toMatchObject({ debtor_iban: debtor, amount: { value: 123456789, currency: "EUR" }, status: "ACSC", submissions: 1 });
    expect(report.reference).toBe(booked?.transfer_id);
    const viaJson = await bank.call("GET", `/v1/credit-transfers/${id}`);
    expect(JSON.parse(viaJson.text)).toMatchObject({ end_to_end_id: id, status: "ACSC", transfer_id: booked?.transfer_id });
  });

  it("answers a repeated EndToEndId with the original's current report and never books twice", async () => {
    const id = uniqueId();
    const debtor = uniqueIban();
    await bank.control("PUT", `/control/debtors/${debtor}`, { booking_status: "ACSP" });
    const first = transactionStatus((await submit(pain001({ endToEndId: id, debtorIban: debtor }))).text);
    expect(first.status).toBe("ACSP");
    bank.simulator.ledger.setStatus(id, "ACSC");
    const again = await submit(pain001({ endToEndId: id, debtorIban: debtor, amount: "99.00" }));
    expect(again.status).toBe(200);
    expect(transactionStatus(again.text)).toMatchObject({ endToEndId: id, status: "ACSC", reference: first.reference });
    expect(bank.simulator.ledger.get(id)).toMatchObject({ submissions: 2, amount: { value: 1250 } });
  });

  it("answers inquiries with the report, and 404 for an EndToEndId it never received", async () => {
    const id = uniqueId();
    await submit(pain001({ endToEndId: id, debtorIban: uniqueIban() }));
    const found = await bank.call("GET", `/iso20022/payments/${id}`);
    expect(found.status).toBe(200);
    expect(transactionStatus(found.text)).toMatchObject({ originalMsgId: id, endToEndId: id, status: "ACSC" });
    expect((await bank.call("GET", `/iso20022/payments/${uniqueId("NEVER")}`)).status).toBe(404);
  });

  it("refuses a document failing the schema with 400 RJCT FF01 and books nothing", async () => {
    const debtor = uniqueIban();
    const missing = uniqueId();
    const withoutMethod = pain001({ endToEndId: missing, debtorIban: debtor }).replace("<PmtMtd>TRF</PmtMtd>", "");
    const lowerCaseCurrency = uniqueId();
    const cases = [
      withoutMethod,
      pain001({ endToEndId: lowerCaseCurrency, debtorIban: debtor, currency: "eur" }),
      pain001({ endToEndId: uniqueId(), debtorIban: debtor, amount: "12.505" }),
      pain001({ endToEndId: uniqueId(), debtorIban: debtor, creditorName: "x".repeat(71) }),
      "<Document><not-even-closed>",
    ];
    for (const document of cases) {
      const answer = await submit(document);
      expect(answer.status).toBe(400);
      const report = transactionStatus(answer.text);
      expect(report).toMatchObject({ groupStatus: "RJCT", groupReason: "FF01" });
      expect(await validAgainstIsoSchema(answer.text)).toBe(true);
    }
    expect(transactionStatus((await submit(withoutMethod)).text)).toMatchObject({
      originalMsgId: missing,
      endToEndId: missing,
      status: "RJCT",
      reason: "FF01",
    });
    expect(bank.simulator.ledger.all().filter((e) => e.debtor_iban === debtor)).toEqual([]);
    // Errors name elements, never the values (an IBAN there would leak).
    expect((await submit(pain001({ endToEndId: uniqueId(), debtorIban: "de44" }))).text).not.toContain("de44");
  });

  it("refuses a schema-valid currency other than EUR with 422 RJCT AM03 (the EPC schema only asks for [A-Z]{3})", async () => {
    const id = uniqueId();
    const answer = await submit(pain001({ endToEndId: id, debtorIban: uniqueIban(), currency: "USD" }));
    expect(answer.status).toBe(422);
    expect(transactionStatus(answer.text)).toMatchObject({ groupStatus: "RJCT", endToEndId: id, status: "RJCT", reason: "AM03" });
    expect(bank.simulator.ledger.get(id)).toBeUndefined();
  });

  it("refuses what the schema cannot catch: two transactions (AM18), a wrong control sum (AM10), a bad IBAN (AC02)", async () => {
    const debtor = uniqueIban();
    const second = pain001({ endToEndId: "X", debtorIban: debtor }).match(/<CdtTrfTxInf>[\s\S]*<\/CdtTrfTxInf>/)?.[0] ?? "";
    const refusals = [
      [pain001({ endToEndId: uniqueId(), debtorIban: debtor, nbOfTxs: "2", ctrlSum: "25.00", extraTransactions: second }), "AM18"],
      [pain001({ endToEndId: uniqueId(), debtorIban: debtor, ctrlSum: "12.51" }), "AM10"],
      [pain001({ endToEndId: uniqueId(), debtorIban: "DE00370400440532013000" }), "AC02"],
    ] as const;
    for (const [document, reason] of refusals) {
      const answer = await submit(document);
      expect(answer.status).toBe(422);
      expect(transactionStatus(answer.text)).toMatchObject({ groupStatus: "RJCT", reason });
    }
    expect(bank.simulator.ledger.all().filter((e) => e.debtor_iban === debtor)).toEqual([]);
  });

  it("reads every xs:decimal form of an amount without floats", async () => {
    const debtor = uniqueIban();
    for (const [amount, minor] of [
      ["0.1", 10],
      ["+0012.500", 1250],
      ["7", 700],
      ["999999999.99", 99999999999],
    ] as const) {
      const id = uniqueId();
      expect((await submit(pain001({ endToEndId: id, debtorIban: debtor, amount }))).status).toBe(200);
      expect(bank.simulator.ledger.get(id)?.amount.value).toBe(minor);
    }
  });

  it("answers 415 to a body that is not declared as UTF-8 XML", async () => {
    const document = pain001({ endToEndId: uniqueId(), debtorIban: uniqueIban() });
    expect((await submit(document, { "content-type": "application/json" })).status).toBe(415);
    expect((await submit(document, { "content-type": "application/xml; charset=iso-8859-1" })).status).toBe(415);
    expect((await submit(document, { "content-type": "text/xml" })).status).toBe(200);
  });

  it("turns the refuse rule into 422 RJCT with the rule's code, nothing booked", async () => {
    const debtor = uniqueIban();
    await bank.control("POST", "/control/faults", { match: { debtor_iban: debtor }, action: { kind: "refuse", code: "AC04" } });
    const id = uniqueId();
    const answer = await submit(pain001({ endToEndId: id, debtorIban: debtor }));
    expect(answer.status).toBe(422);
    expect(transactionStatus(answer.text)).toMatchObject({
      originalMsgId: id,
      groupStatus: "RJCT",
      groupReason: "AC04",
      status: "RJCT",
      reason: "AC04",
    });
    expect(bank.simulator.ledger.get(id)).toBeUndefined();
    await bank.control("DELETE", `/control/faults?debtor_iban=${debtor}`);
  });

  it("writes pain.002.001.03, .10 and .11 as the control plane selects, per debtor", async () => {
    const debtor = uniqueIban();
    const other = uniqueIban();
    for (const version of ["001.03", "001.11", "001.10"] as const) {
      await bank.control("PUT", `/control/iso20022/debtors/${debtor}`, { pain002: version });
      await bank.control("PUT", `/control/debtors/${debtor}`, { booking_status: "RCVD" });
      const id = uniqueId();
      const answer = await submit(pain001({ endToEndId: id, debtorIban: debtor }));
      expect(readDocument(answer.text).namespace).toBe(`urn:iso:std:iso:20022:tech:xsd:pain.002.${version}`);
      // 001.03's status list has no RCVD: the nearest, PDNG.
      expect(transactionStatus(answer.text).status).toBe(version === "001.03" ? "PDNG" : "RCVD");
      expect(await validAgainstIsoSchema(answer.text)).toBe(true);
    }
    // Another debtor still gets the default.
    const answer = await submit(pain001({ endToEndId: uniqueId(), debtorIban: other }));
    expect(readDocument(answer.text).namespace).toBe("urn:iso:std:iso:20022:tech:xsd:pain.002.001.10");
    await bank.control("PUT", `/control/iso20022/debtors/${other}`, { acceptance_time: false });
    expect(transactionStatus((await submit(pain001({ endToEndId: uniqueId(), debtorIban: other }))).text).acceptedAt).toBeUndefined();
    expect((await bank.control("PUT", "/control/iso20022", { pain002: "001.09" })).status).toBe(400);
  });

  it("serves both contracts on one ledger: a JSON submission is inquired through ISO", async () => {
    const id = uniqueId();
    const debtor = uniqueIban();
    expect((await bank.call("POST", "/v1/credit-transfers", jsonTransfer(id, debtor), { "content-type": "application/json" })).status).toBe(
      201,
    );
    const report = transactionStatus((await bank.call("GET", `/iso20022/payments/${id}`)).text);
    expect(report).toMatchObject({ originalMsgId: id, endToEndId: id, status: "ACSC" });
    expect(bank.simulator.requests.filter((r) => r.end_to_end_id === id).map((r) => r.profile)).toEqual(["json", "iso20022"]);
  });
});
