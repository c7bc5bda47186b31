/**
 * POST /v1/statements and GET /v1/statements: statement files from banks
 * that deliver them out of band. Files are the committed fixtures with the
 * merchant's own IBAN (and, where a test needs it, its payments' end-to-end
 * ids) put in; hostile XML is refused with problem+json, never a 5xx.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { MerchantCreated, Payment } from "../schemas/merchant-api.ts";
import type { Problem } from "../schemas/problem.ts";
import type { StatementImport, StatementImportList } from "../schemas/statement-imports.ts";
import { importedReturnsSince } from "../src/reconciliation/imported-statements.ts";
import statementV2 from "./fixtures/iso20022/camt.053.001.02-statement.xml?raw";
import pageOne from "./fixtures/iso20022/camt.053.001.08-page-1.xml?raw";
import pageTwo from "./fixtures/iso20022/camt.053.001.08-page-2.xml?raw";
import batch from "./fixtures/iso20022/camt.054.001.04-batch.xml?raw";
import { call, endToEndId, getPayment, getPaymentEvents, json, merchantStub, paymentBody, postPayment } from "./support/api.ts";
import { createIsolatedMerchant, reconcile } from "./support/reconciliation.ts";

const FIXTURE_IBAN = "DE02120300000000202051";
const FIXTURE_DAY = "2026-11-23";
const MIB = 1024 * 1024;

function forMerchant(xml: string, merchant: MerchantCreated, replacements: Record<string, string> = {}): string {
  let text = xml.replaceAll(`<IBAN>${FIXTURE_IBAN}</IBAN>`, `<IBAN>${merchant.debtor_iban}</IBAN>`);
  text = text.replaceAll(`<n:IBAN>${FIXTURE_IBAN}</n:IBAN>`, `<n:IBAN>${merchant.debtor_iban}</n:IBAN>`);
  for (const [from, to] of Object.entries(replacements)) text = text.replaceAll(from, to);
  return text;
}

function postStatement(apiKey: string, body: string | Uint8Array, contentType = "application/xml; charset=utf-8"): Promise<Response> {
  return call("/v1/statements", { method: "POST", headers: { authorization: `Bearer ${apiKey}`, "content-type": contentType }, body });
}

async function pay(apiKey: string, amount: number): Promise<Payment> {
  return json<Payment>(await postPayment(apiKey, paymentBody({ amount })));
}

describe("POST /v1/statements", () => {
  it("imports a statement split over two files, and reconciles its day from them once both are in", async () => {
    const merchant = await createIsolatedMerchant();
    const settled = await pay(merchant.api_key, 1250);
    const first = forMerchant(pageOne, merchant, { "01M84VZ5AP8MVGWYKK009FMFWN": endToEndId(settled.id) });

    const one = await postStatement(merchant.api_key, first);
    expect(one.status).toBe(201);
    const imported = await json<StatementImport>(one);
    expect(imported).toMatchObject({
      kind: "camt.053",
      message_id: "STMT-20261123-DE02-P1",
      account: merchant.debtor_iban,
      entries: 2,
      period: { from: "2026-11-22T23:00:00.000Z", to: "2026-11-23T22:59:59.000Z" },
      matched_payments: 1,
      returns: 0,
    });
    expect(imported.id).toMatch(/^stm_[0-9A-Z]{26}$/);
    // Page 2 missing: the day is still reconciled from the bank's API.
    expect((await reconcile(merchant.api_key, FIXTURE_DAY)).source).toEqual({ kind: "bank_api", statement_ids: [] });

    const two = await postStatement(merchant.api_key, forMerchant(pageTwo, merchant), "text/xml");
    expect(two.status).toBe(201);
    const second = await json<StatementImport>(two);
    expect(second).toMatchObject({ kind: "camt.053", message_id: "STMT-20261123-DE02-P2", returns: 1 });

    const report = await reconcile(merchant.api_key, FIXTURE_DAY);
    expect(report.source).toEqual({ kind: "imported_statement", statement_ids: [imported.id, second.id] });
    expect(report.statement_pages).toBe(2);
    const ours = report.items.find((item) => item.payment_id === settled.id);
    expect(ours).toMatchObject({
      class: "matched",
      bank: { amount: 1250, currency: "EUR", status: "ACSC", transfer_id: "TRF0000000001" },
    });
    // The pending transfer of page 1 names a payment this merchant never made.
    expect(report.items.filter((item) => item.class === "unexpected_at_bank").map((item) => item.end_to_end_id)).toContain(
      "01M84WYDP4YSGGRVT5MC32SE0S",
    );
  });

  it("answers a file imported again with the first import (same ids, or the same bytes), 200", async () => {
    const merchant = await createIsolatedMerchant();
    const file = forMerchant(statementV2, merchant);
    const first = await postStatement(merchant.api_key, file);
    expect(first.status).toBe(201);
    const body = await json<StatementImport>(first);
    const again = await postStatement(merchant.api_key, file);
    expect(again.status).toBe(200);
    expect(await json(again)).toEqual(body);
    // Other bytes (reformatted), same GrpHdr/MsgId and Stmt/Id: the same file.
    const reformatted = await postStatement(merchant.api_key, file.replace("<Document", "\n<Document"));
    expect(reformatted.status).toBe(200);
    expect(await json(reformatted)).toEqual(body);
    const list = await json<StatementImportList>(
      await call("/v1/statements", { headers: { authorization: `Bearer ${merchant.api_key}` } }),
    );
    expect(list).toEqual({ data: [body], has_more: false, next_cursor: null });
  });

  it("imports a notification with a batch entry: one transfer per TxDtls, the unnamed one kept", async () => {
    const merchant = await createIsolatedMerchant();
    const paid = await pay(merchant.api_key, 1000);
    const response = await postStatement(merchant.api_key, forMerchant(batch, merchant, { "E2E-BATCH-1": endToEndId(paid.id) }));
    expect(response.status).toBe(201);
    expect(await json(response)).toMatchObject({
      kind: "camt.054",
      message_id: "NTF-0000981",
      entries: 1,
      period: null,
      matched_payments: 1,
      returns: 0,
    });
    const rows = await runInDurableObject(merchantStub(merchant.id), (_instance, state) =>
      state.storage.sql.exec<{ entry: string }>(`SELECT entry FROM statement_import_entries ORDER BY seq`).toArray(),
    );
    expect(rows.map((row) => JSON.parse(row.entry) as { end_to_end_id: string; amount: { value: number } })).toEqual([
      expect.objectContaining({ end_to_end_id: endToEndId(paid.id), amount: { value: 1000, currency: "EUR" }, status: "ACSC" }),
      expect.objectContaining({ end_to_end_id: "E2E-BATCH-2", amount: { value: 2000, currency: "EUR" } }),
      expect.objectContaining({ end_to_end_id: "NOTPROVIDED", amount: { value: 3000, currency: "EUR" } }),
    ]);
  });

  it("refuses a file about another account (422); counterparties' IBANs inside entries do not count", async () => {
    const merchant = await createIsolatedMerchant();
    const response = await postStatement(merchant.api_key, pageOne);
    expect(response.status).toBe(422);
    expect((await json<Problem>(response)).type).toBe("urn:payment-connector:problem:statement-account-mismatch");
    const other = await createIsolatedMerchant();
    // The merchant's IBAN as a counterparty inside an entry, the file's own account someone else's.
    const inside = pageOne.replace(
      "</TxDtls>",
      `<RltdPties><CdtrAcct><Id><IBAN>${other.debtor_iban}</IBAN></Id></CdtrAcct></RltdPties></TxDtls>`,
    );
    expect((await postStatement(other.api_key, inside)).status).toBe(422);
  });

  it("lists imports newest first, a page at a time", async () => {
    const merchant = await createIsolatedMerchant();
    const ids: string[] = [];
    for (const file of [forMerchant(pageOne, merchant), forMerchant(pageTwo, merchant), forMerchant(batch, merchant)]) {
      ids.push((await json<StatementImport>(await postStatement(merchant.api_key, file))).id);
    }
    const auth = { authorization: `Bearer ${merchant.api_key}` };
    const first = await json<StatementImportList>(await call("/v1/statements?limit=2", { headers: auth }));
    expect(first.data.map((s) => s.id)).toEqual([ids[2], ids[1]]);
    expect(first.has_more).toBe(true);
    const rest = await json<StatementImportList>(await call(`/v1/statements?limit=2&cursor=${first.next_cursor}`, { headers: auth }));
    expect(rest).toMatchObject({ has_more: false, next_cursor: null });
    expect(rest.data.map((s) => s.id)).toEqual([ids[0]]);
  });

  it("applies a file's returns through the payments' return path: the payment is returned, once", async () => {
    const merchant = await createIsolatedMerchant();
    const paid = await pay(merchant.api_key, 1250);
    const file = forMerchant(pageTwo, merchant, { "01M84WYBJ4VK458R3V61FEE557": endToEndId(paid.id) });
    expect((await postStatement(merchant.api_key, file)).status).toBe(201);
    const returned = await json<Payment>(await getPayment(merchant.api_key, paid.id));
    expect(returned).toMatchObject({ status: "returned", return: { reason_code: "AC04", amount: { value: 1150, currency: "EUR" } } });
    // Imported again: the first import answers, nothing is applied twice.
    expect((await postStatement(merchant.api_key, file)).status).toBe(200);
    expect((await getPaymentEvents(merchant.api_key, paid.id)).data.filter((event) => event.to_status === "returned")).toHaveLength(1);
  });

  it("gives the returns engineer imported returns since a time, each once across files", async () => {
    const merchant = await createIsolatedMerchant();
    await postStatement(merchant.api_key, forMerchant(pageTwo, merchant));
    // The same return again, in a notification of its own.
    const notification = forMerchant(pageTwo, merchant)
      .replaceAll("camt.053.001.08", "camt.054.001.08")
      .replaceAll("BkToCstmrStmt", "BkToCstmrDbtCdtNtfctn")
      .replaceAll("<Stmt>", "<Ntfctn>")
      .replaceAll("</Stmt>", "</Ntfctn>")
      .replaceAll("StmtPgntn", "NtfctnPgntn")
      .replace(/<Bal>[\s\S]*?<\/Bal>/g, "");
    expect((await postStatement(merchant.api_key, notification)).status).toBe(201);
    const returns = await runInDurableObject(merchantStub(merchant.id), (_instance, state) =>
      importedReturnsSince(state.storage.sql, Date.parse("2026-11-23T00:00:00Z")),
    );
    expect(returns).toEqual([
      expect.objectContaining({
        type: "return",
        return_of: "01M84WYBJ4VK458R3V61FEE557",
        reason_code: "AC04",
        amount: { value: 1150, currency: "EUR" },
      }),
    ]);
    expect(
      await runInDurableObject(merchantStub(merchant.id), (_instance, state) => importedReturnsSince(state.storage.sql, Date.now())),
    ).toEqual([]);
  });
});

describe("hostile statement files", () => {
  const cases: Array<[string, () => string, string]> = [
    ["a DTD", () => `<?xml version="1.0"?><!DOCTYPE Document [<!ELEMENT Document ANY>]>${pageOne.replace(/^<\?xml[^>]*>/, "")}`, "dtd"],
    [
      "an external entity",
      () =>
        `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">&x;</Document>`,
      "entity",
    ],
    [
      "10,000 nested elements",
      () => `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">${"<a>".repeat(10_000)}${"</a>".repeat(10_000)}</Document>`,
      "too-deep",
    ],
    [
      "a pain.001 instead of a camt",
      () => '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"><CstmrCdtTrfInitn/></Document>',
      "not-a-camt-document",
    ],
    ["text that is not XML", () => "hello", "not-well-formed"],
  ];
  for (const [name, body, reason] of cases) {
    it(`${name}: 400 malformed-xml naming the reason`, async () => {
      const merchant = await createIsolatedMerchant();
      const response = await postStatement(merchant.api_key, body());
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      const problem = await json<Problem>(response);
      expect(problem.type).toBe("urn:payment-connector:problem:malformed-xml");
      expect(problem.invalid_params).toEqual([{ name: "(body)", reason }]);
    });
  }

  it("5 MiB + 1 byte: 413, counted while streaming even without Content-Length", async () => {
    const merchant = await createIsolatedMerchant();
    const padded = forMerchant(pageOne, merchant);
    const bytes = new TextEncoder().encode(padded + " ".repeat(5 * MIB + 1 - new TextEncoder().encode(padded).byteLength));
    expect(bytes.byteLength).toBe(5 * MIB + 1);
    const response = await postStatement(merchant.api_key, bytes);
    expect(response.status).toBe(413);
    expect((await json<Problem>(response)).type).toBe("urn:payment-connector:problem:payload-too-large");
    const streamed = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes);
        controller.close();
      },
    });
    const chunked = await call("/v1/statements", {
      method: "POST",
      headers: { authorization: `Bearer ${merchant.api_key}`, "content-type": "application/xml" },
      body: streamed,
    });
    expect(chunked.status).toBe(413);
    await chunked.body?.cancel();
  });

  it("a file of exactly 5 MiB is read (the limit is inclusive)", async () => {
    const merchant = await createIsolatedMerchant();
    const file = forMerchant(statementV2, merchant);
    const size = new TextEncoder().encode(file).byteLength;
    const response = await postStatement(merchant.api_key, file + " ".repeat(5 * MIB - size));
    expect(response.status).toBe(201);
  });

  it("another content type: 415", async () => {
    const merchant = await createIsolatedMerchant();
    const response = await postStatement(merchant.api_key, forMerchant(pageOne, merchant), "application/json");
    expect(response.status).toBe(415);
    expect((await json<Problem>(response)).type).toBe("urn:payment-connector:problem:unsupported-media-type");
  });
});
