/**
 * camt.053 statements and camt.054 notifications of the simulator's ISO
 * 20022 profile: pages, versions, batch entries, booking date forms,
 * rejected transfers, balances; the .08 documents validated against the ISO
 * schemas.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { XsdValidator } from "../../tools/bank-simulator/xsd-validator.ts";
import {
  FIXTURES,
  list,
  pain001,
  pick,
  readDocument,
  startTestBank,
  type TestBank,
  text,
  today,
  uniqueIban,
  uniqueId,
} from "./support/bank-simulator.ts";

let bank: TestBank;
let camt053: XsdValidator;
let camt054: XsdValidator;

beforeAll(async () => {
  [bank, camt053, camt054] = await Promise.all([
    startTestBank(),
    XsdValidator.start(`${FIXTURES}camt.053.001.08.xsd`),
    XsdValidator.start(`${FIXTURES}camt.054.001.08.xsd`),
  ]);
});
afterAll(async () => {
  await Promise.all([bank?.close(), camt053?.close(), camt054?.close()]);
});

async function submit(debtor: string, amount = "12.50"): Promise<string> {
  const id = uniqueId();
  const answer = await bank.call("POST", "/iso20022/payments", pain001({ endToEndId: id, debtorIban: debtor, amount }));
  expect(answer.status).toBe(200);
  return id;
}

async function statement(debtor: string, page?: number, date = today()) {
  const answer = await bank.call("GET", `/iso20022/statements?account=${debtor}&date=${date}${page === undefined ? "" : `&page=${page}`}`);
  return { ...answer, ...(answer.status === 200 ? readDocument(answer.text) : { namespace: "", message: undefined, root: "" }) };
}

async function expectValid(schema: XsdValidator, xml: string): Promise<void> {
  const verdict = await schema.validate(xml);
  expect(verdict.errors).toEqual([]);
  expect(verdict.valid).toBe(true);
}

describe("camt.053 statements", () => {
  it("pages the day's entries: page starts at 1, equals PgNb, LastPgInd true on the last", async () => {
    const debtor = uniqueIban();
    await bank.control("PUT", `/control/debtors/${debtor}`, { page_size: 2 });
    const ids = [await submit(debtor, "1.00"), await submit(debtor, "2.00"), await submit(debtor, "3.00")];

    const first = await statement(debtor);
    const second = await statement(debtor, 2);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(first.contentType).toBe("application/xml; charset=utf-8");
    expect([first.root, first.namespace]).toEqual(["BkToCstmrStmt", "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"]);
    expect([text(first.message, "GrpHdr.MsgPgntn.PgNb"), text(first.message, "GrpHdr.MsgPgntn.LastPgInd")]).toEqual(["1", "false"]);
    expect([text(second.message, "GrpHdr.MsgPgntn.PgNb"), text(second.message, "GrpHdr.MsgPgntn.LastPgInd")]).toEqual(["2", "true"]);
    expect(text(first.message, "Stmt.Id")).toBe(text(second.message, "Stmt.Id"));
    expect(text(first.message, "Stmt.Acct.Id.IBAN")).toBe(debtor);
    const entries = [...list(first.message, "Stmt.Ntry"), ...list(second.message, "Stmt.Ntry")];
    expect(entries.map((n) => text(n, "NtryDtls.TxDtls.0.Refs.EndToEndId"))).toEqual(ids);
    const firstEntry = entries[0];
    expect({
      amount: text(firstEntry, "Amt"),
      currency: pick(firstEntry, "Amt.@Ccy"),
      direction: text(firstEntry, "CdtDbtInd"),
      status: text(firstEntry, "Sts.Cd"),
      date: text(firstEntry, "BookgDt.Dt"),
      code: [text(firstEntry, "BkTxCd.Domn.Cd"), text(firstEntry, "BkTxCd.Domn.Fmly.Cd"), text(firstEntry, "BkTxCd.Domn.Fmly.SubFmlyCd")],
      reference: text(firstEntry, "NtryDtls.TxDtls.0.Refs.AcctSvcrRef"),
    }).toEqual({
      amount: "1.00",
      currency: "EUR",
      direction: "DBIT",
      status: "BOOK",
      date: today(),
      code: ["PMNT", "ICDT", "ESCT"],
      reference: bank.simulator.ledger.get(ids[0] ?? "")?.transfer_id,
    });
    // Booked balances: 1,000,000.00 opening, 6.00 debited that day.
    const balances = list(first.message, "Stmt.Bal").map((b) => [text(b, "Tp.CdOrPrtry.Cd"), text(b, "Amt"), text(b, "CdtDbtInd")]);
    expect(balances).toEqual([
      ["OPBD", "1000000.00", "CRDT"],
      ["CLBD", "999994.00", "CRDT"],
    ]);
    await expectValid(camt053, first.text);
    await expectValid(camt053, second.text);

    expect((await statement(debtor, 3)).status).toBe(404);
    expect((await statement(debtor, 0)).status).toBe(400);
    expect((await bank.call("GET", `/iso20022/statements?account=${debtor}&date=2026-02-30`)).status).toBe(400);
  });

  it("answers an empty day with one last page and no entries", async () => {
    const answer = await statement(uniqueIban(), 1, "2020-01-01");
    expect(answer.status).toBe(200);
    expect(text(answer.message, "GrpHdr.MsgPgntn.LastPgInd")).toBe("true");
    expect(list(answer.message, "Stmt.Ntry")).toEqual([]);
    await expectValid(camt053, answer.text);
  });

  it("lists pending transfers as PDNG and leaves rejected ones off, or lists them as INFO", async () => {
    const debtor = uniqueIban();
    await bank.control("PUT", `/control/debtors/${debtor}`, { booking_status: "ACSP" });
    const pending = await submit(debtor);
    await bank.control("PUT", `/control/debtors/${debtor}`, { booking_status: "RJCT" });
    const rejected = await submit(debtor);
    const entries = () => statement(debtor).then((s) => list(s.message, "Stmt.Ntry"));
    expect((await entries()).map((n) => [text(n, "NtryDtls.TxDtls.0.Refs.EndToEndId"), text(n, "Sts.Cd")])).toEqual([[pending, "PDNG"]]);
    await bank.control("PUT", `/control/iso20022/debtors/${debtor}`, { rejected_entries: "info" });
    expect((await entries()).map((n) => [text(n, "NtryDtls.TxDtls.0.Refs.EndToEndId"), text(n, "Sts.Cd")])).toEqual([
      [pending, "PDNG"],
      [rejected, "INFO"],
    ]);
    // Neither moved the booked balance.
    expect(list((await statement(debtor)).message, "Stmt.Bal").map((b) => text(b, "Amt"))).toEqual(["1000000.00", "1000000.00"]);
  });

  it("batches several transfers under one Ntry when asked (Btch, one TxDtls each)", async () => {
    const debtor = uniqueIban();
    await bank.control("PUT", `/control/iso20022/debtors/${debtor}`, { batch_size: 3 });
    const ids = [];
    for (const amount of ["1.00", "2.00", "3.00", "4.00"]) ids.push(await submit(debtor, amount));
    const answer = await statement(debtor);
    const entries = list(answer.message, "Stmt.Ntry");
    expect(entries).toHaveLength(2);
    const batch = entries[0];
    expect([text(batch, "Amt"), text(batch, "NtryDtls.Btch.NbOfTxs"), text(batch, "NtryDtls.Btch.TtlAmt")]).toEqual(["6.00", "3", "6.00"]);
    expect(list(batch, "NtryDtls.TxDtls").map((t) => [text(t, "Refs.EndToEndId"), text(t, "Amt"), text(t, "CdtDbtInd")])).toEqual([
      [ids[0], "1.00", "DBIT"],
      [ids[1], "2.00", "DBIT"],
      [ids[2], "3.00", "DBIT"],
    ]);
    expect(list(entries[1], "NtryDtls.TxDtls").map((t) => text(t, "Refs.EndToEndId"))).toEqual([ids[3]]);
    await expectValid(camt053, answer.text);
  });

  it("writes BookgDt as DtTm with the debtor's offset when asked (the same instant)", async () => {
    const debtor = uniqueIban();
    await bank.control("PUT", `/control/iso20022/debtors/${debtor}`, { booking_date: "datetime" });
    await bank.control("PUT", `/control/debtors/${debtor}`, { timestamp_offset: "+05:30" });
    const id = await submit(debtor);
    const answer = await statement(debtor);
    const bookedAt = text(list(answer.message, "Stmt.Ntry")[0], "BookgDt.DtTm") ?? "";
    expect(bookedAt).toMatch(/\+05:30$/);
    expect(Date.parse(bookedAt)).toBe(Date.parse(bank.simulator.ledger.get(id)?.booked_at ?? ""));
    await expectValid(camt053, answer.text);
  });

  it("writes camt.053.001.02 and .04 with their own status and amount elements", async () => {
    const debtor = uniqueIban();
    await submit(debtor, "5.00");
    await bank.control("PUT", `/control/iso20022/debtors/${debtor}`, { camt053: "001.02" });
    const old = await statement(debtor);
    expect(old.namespace).toBe("urn:iso:std:iso:20022:tech:xsd:camt.053.001.02");
    const oldEntry = list(old.message, "Stmt.Ntry")[0];
    expect([text(oldEntry, "Sts"), text(oldEntry, "NtryDtls.TxDtls.0.AmtDtls.TxAmt.Amt"), pick(oldEntry, "NtryDtls.TxDtls.0.Amt")]).toEqual(
      ["BOOK", "5.00", undefined],
    );
    await bank.control("PUT", `/control/iso20022/debtors/${debtor}`, { camt053: "001.04" });
    const middle = await statement(debtor);
    expect(middle.namespace).toBe("urn:iso:std:iso:20022:tech:xsd:camt.053.001.04");
    const middleEntry = list(middle.message, "Stmt.Ntry")[0];
    expect([
      text(middleEntry, "Sts"),
      text(middleEntry, "NtryDtls.TxDtls.0.Amt"),
      text(middleEntry, "NtryDtls.TxDtls.0.CdtDbtInd"),
    ]).toEqual(["BOOK", "5.00", "DBIT"]);
  });
});

describe("camt.054 notifications", () => {
  it("lists the bookings at or after `since`, inclusive", async () => {
    const debtor = uniqueIban();
    const before = await submit(debtor, "1.00");
    const boundary = bank.simulator.ledger.get(before)?.booked_at ?? "";
    await new Promise((resolve) => setTimeout(resolve, 5));
    const after = await submit(debtor, "2.00");
    const read = async (since: string) => {
      const answer = await bank.call("GET", `/iso20022/notifications?account=${debtor}&since=${since}`);
      expect(answer.status).toBe(200);
      await expectValid(camt054, answer.text);
      const { root, namespace, message } = readDocument(answer.text);
      expect([root, namespace]).toEqual(["BkToCstmrDbtCdtNtfctn", "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"]);
      return list(message, "Ntfctn.Ntry").map((n) => text(n, "NtryDtls.TxDtls.0.Refs.EndToEndId"));
    };
    expect(await read(boundary)).toEqual([before, after]);
    expect(await read(new Date(Date.parse(boundary) + 1).toISOString())).toEqual([after]);
    expect((await bank.call("GET", `/iso20022/notifications?account=${debtor}&since=${boundary.replace("Z", "+00:00")}`)).status).toBe(400);
  });

  it("writes the version the control plane selects", async () => {
    const debtor = uniqueIban();
    await submit(debtor);
    await bank.control("PUT", `/control/iso20022/debtors/${debtor}`, { camt054: "001.02" });
    const answer = await bank.call("GET", `/iso20022/notifications?account=${debtor}&since=2020-01-01T00:00:00Z`);
    const { namespace, message } = readDocument(answer.text);
    expect(namespace).toBe("urn:iso:std:iso:20022:tech:xsd:camt.054.001.02");
    expect(text(list(message, "Ntfctn.Ntry")[0], "Sts")).toBe("BOOK");
  });
});
