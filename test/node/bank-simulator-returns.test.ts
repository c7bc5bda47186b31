/**
 * Scheduled returns (POST /control/returns) and how both profiles show them:
 * JSON statement entries of type "return" and /v1/notifications, camt.053
 * RRTN credits and camt.054; journaled across a restart.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Ledger } from "../../tools/bank-simulator/ledger.ts";
import { scheduleReturn } from "../../tools/bank-simulator/returns.ts";
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
  today,
  uniqueIban,
  uniqueId,
  until,
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

async function submitJson(debtor: string, value = 1250): Promise<string> {
  const id = uniqueId();
  const answer = await bank.call("POST", "/v1/credit-transfers", jsonTransfer(id, debtor, value), { "content-type": "application/json" });
  expect(answer.status).toBe(201);
  return id;
}

async function scheduleAndAwait(endToEndId: string, body: Record<string, unknown> = {}): Promise<void> {
  const answer = await bank.control("POST", "/control/returns", { end_to_end_id: endToEndId, reason_code: "AC04", after_ms: 0, ...body });
  expect(answer.status).toBe(201);
  await until(() => bank.simulator.ledger.get(endToEndId)?.return?.booked_at !== undefined, "the return to be booked");
}

async function json(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const answer = await bank.call("GET", path);
  return { status: answer.status, body: JSON.parse(answer.text) as Record<string, unknown> };
}

describe("scheduled returns", () => {
  it("books a return after after_ms, on the JSON statement as a return entry", async () => {
    const debtor = uniqueIban();
    const id = await submitJson(debtor);
    const answer = await bank.control("POST", "/control/returns", { end_to_end_id: id, reason_code: "AC04", after_ms: 150, amount: 1200 });
    expect(answer).toMatchObject({
      status: 201,
      body: { end_to_end_id: id, return: { reason_code: "AC04", amount: { value: 1200, currency: "EUR" } } },
    });
    const statement = () =>
      json(`/v1/statements?debtor_iban=${debtor}&date=${today()}`).then((r) => r.body.entries as Record<string, unknown>[]);
    expect(await statement()).toHaveLength(1);
    await until(async () => (await statement()).length === 2, "the return on the statement");
    const [transfer, returned] = await statement();
    expect(transfer).toMatchObject({ end_to_end_id: id, status: "ACSC" });
    expect(transfer?.type).toBeUndefined();
    const reference = bank.simulator.ledger.get(id)?.return?.transfer_id;
    expect(returned).toEqual({
      type: "return",
      transfer_id: reference,
      return_of: id,
      reason_code: "AC04",
      amount: { value: 1200, currency: "EUR" },
      booked_at: bank.simulator.ledger.get(id)?.return?.booked_at,
    });
    expect(reference).toMatch(/^RTN\d{10}$/);
    // The original transfer stays settled: a return is a new booking, not a change of status.
    expect(JSON.parse((await bank.call("GET", `/v1/credit-transfers/${id}`)).text)).toMatchObject({ status: "ACSC" });
  });

  it("refuses unknown (404), unsettled or already returned (409) transfers and amounts above the original (400)", async () => {
    const debtor = uniqueIban();
    expect((await bank.control("POST", "/control/returns", { end_to_end_id: uniqueId(), reason_code: "AC04", after_ms: 0 })).status).toBe(
      404,
    );
    await bank.control("PUT", `/control/debtors/${debtor}`, { booking_status: "ACSP" });
    const pending = await submitJson(debtor);
    expect((await bank.control("POST", "/control/returns", { end_to_end_id: pending, reason_code: "AC04", after_ms: 0 })).status).toBe(409);
    await bank.control("PUT", `/control/debtors/${debtor}`, { booking_status: "ACSC" });
    const settled = await submitJson(debtor);
    expect(
      (await bank.control("POST", "/control/returns", { end_to_end_id: settled, reason_code: "AC04", after_ms: 0, amount: 1251 })).status,
    ).toBe(400);
    expect((await bank.control("POST", "/control/returns", { end_to_end_id: settled, reason_code: "closed", after_ms: 0 })).status).toBe(
      400,
    );
    await scheduleAndAwait(settled);
    expect((await bank.control("POST", "/control/returns", { end_to_end_id: settled, reason_code: "AC04", after_ms: 0 })).status).toBe(409);
  });

  it("lists returns in /v1/notifications from `since` (inclusive), paged", async () => {
    const debtor = uniqueIban();
    await bank.control("PUT", `/control/debtors/${debtor}`, { page_size: 2 });
    const ids = [await submitJson(debtor), await submitJson(debtor), await submitJson(debtor)];
    for (const id of ids) {
      await scheduleAndAwait(id, { reason_code: "MS03" });
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    const firstBooked = bank.simulator.ledger.get(ids[0] ?? "")?.return?.booked_at ?? "";
    const first = await json(`/v1/notifications?debtor_iban=${debtor}&since=${firstBooked}`);
    expect(first.status).toBe(200);
    expect((first.body.entries as { return_of: string }[]).map((e) => e.return_of)).toEqual(ids.slice(0, 2));
    expect(first.body.entries).toEqual(expect.arrayContaining([expect.objectContaining({ type: "return", reason_code: "MS03" })]));
    const cursor = first.body.next_cursor as string;
    const second = await json(`/v1/notifications?debtor_iban=${debtor}&since=${firstBooked}&cursor=${cursor}`);
    expect(second.body).toMatchObject({ entries: [{ return_of: ids[2] }], next_cursor: null });

    const later = new Date(Date.parse(firstBooked) + 1).toISOString();
    const afterFirst = await json(`/v1/notifications?debtor_iban=${debtor}&since=${later}`);
    expect((afterFirst.body.entries as { return_of: string }[]).map((e) => e.return_of)).toEqual(ids.slice(1, 3));
    expect((await json(`/v1/notifications?debtor_iban=${debtor}&since=${later}&cursor=${cursor}`)).status).toBe(400);
    expect((await json(`/v1/notifications?debtor_iban=${debtor}&since=2026-01-01T00:00:00%2B01:00`)).status).toBe(400);
  });

  it("shows a return as a camt.053 RRTN credit and in camt.054", async () => {
    const debtor = uniqueIban();
    const id = uniqueId();
    await bank.call("POST", "/iso20022/payments", pain001({ endToEndId: id, debtorIban: debtor, amount: "30.00" }));
    await scheduleAndAwait(id, { reason_code: "AC06", amount: { value: 2950, currency: "EUR" } });
    const reference = bank.simulator.ledger.get(id)?.return?.transfer_id;

    const statementXml = (await bank.call("GET", `/iso20022/statements?account=${debtor}&date=${today()}`)).text;
    expect((await camt053.validate(statementXml)).errors).toEqual([]);
    const statement = readDocument(statementXml).message;
    const entries = list(statement, "Stmt.Ntry");
    expect(entries).toHaveLength(2);
    const credit = entries[1];
    expect({
      amount: text(credit, "Amt"),
      direction: text(credit, "CdtDbtInd"),
      status: text(credit, "Sts.Cd"),
      subFamily: text(credit, "BkTxCd.Domn.Fmly.SubFmlyCd"),
      endToEndId: text(credit, "NtryDtls.TxDtls.0.Refs.EndToEndId"),
      reference: text(credit, "NtryDtls.TxDtls.0.Refs.AcctSvcrRef"),
      reason: text(credit, "NtryDtls.TxDtls.0.RtrInf.Rsn.Cd"),
    }).toEqual({ amount: "29.50", direction: "CRDT", status: "BOOK", subFamily: "RRTN", endToEndId: id, reference, reason: "AC06" });
    expect(list(statement, "Stmt.Bal").map((b) => text(b, "Amt"))).toEqual(["1000000.00", "999999.50"]);

    const since = bank.simulator.ledger.get(id)?.return?.booked_at ?? "";
    const notificationXml = (await bank.call("GET", `/iso20022/notifications?account=${debtor}&since=${since}`)).text;
    expect((await camt054.validate(notificationXml)).errors).toEqual([]);
    const notification = readDocument(notificationXml).message;
    expect(list(notification, "Ntfctn.Ntry").map((n) => [text(n, "CdtDbtInd"), text(n, "NtryDtls.TxDtls.0.RtrInf.Rsn.Cd")])).toEqual([
      ["CRDT", "AC06"],
    ]);
  });
});

describe("returns across a restart", () => {
  const dir = mkdtempSync(join(tmpdir(), "returns-journal-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("books a return planned before a restart once it is due (at once if overdue), numbering on", async () => {
    const path = join(dir, "ledger.jsonl");
    const before = new Ledger(path);
    const transfer = JSON.parse(jsonTransfer("E2E-RETURNED", "DE02120300000000202051")) as Parameters<Ledger["book"]>[0];
    before.book(transfer, "ACSC");
    before.book({ ...transfer, end_to_end_id: "E2E-EARLIER" }, "ACSC");
    before.planReturn("E2E-EARLIER", { reason_code: "AC04", amount: { value: 1250, currency: "EUR" }, due_at: new Date().toISOString() });
    before.bookReturn("E2E-EARLIER");
    before.planReturn("E2E-RETURNED", {
      reason_code: "AC04",
      amount: { value: 1000, currency: "EUR" },
      due_at: new Date(Date.now() + 30).toISOString(),
    });

    await new Promise((resolve) => setTimeout(resolve, 50));
    const after = new Ledger(path);
    expect(after.plannedReturns().map((e) => e.end_to_end_id)).toEqual(["E2E-RETURNED"]);
    for (const entry of after.plannedReturns()) scheduleReturn(after, entry);
    await until(() => after.get("E2E-RETURNED")?.return?.transfer_id !== undefined, "the overdue return");
    expect(after.get("E2E-RETURNED")?.return).toMatchObject({ transfer_id: "RTN0000000002", amount: { value: 1000 } });
    expect(new Ledger(path).get("E2E-RETURNED")?.return?.booked_at).toBeDefined();
  });
});
