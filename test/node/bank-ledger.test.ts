/**
 * The simulator's ledger journal: a settlement the bank planned (ACSP now,
 * ACSC later) survives a restart of the local stack, as the transfer does.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { scheduleSettlement } from "../../tools/bank-simulator/fault-responses.ts";
import { Ledger } from "../../tools/bank-simulator/ledger.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function journal(): string {
  const dir = mkdtempSync(join(tmpdir(), "ledger-"));
  dirs.push(dir);
  return join(dir, "ledger.jsonl");
}

function transfer(endToEndId: string) {
  return {
    end_to_end_id: endToEndId,
    debtor_iban: "DE02120300000000202051",
    creditor: { name: "Jane Supplier", iban: "DE89370400440532013000" },
    amount: { value: 1250, currency: "EUR" },
    remittance_information: "Invoice 42",
  };
}

describe("bank simulator ledger journal", () => {
  it("carries out a timed settlement planned before a restart (at once when overdue)", async () => {
    const path = journal();
    const before = new Ledger(path);
    before.book(transfer("E2E-TIMED"), "ACSP", { settlement: { final: "ACSC", due_at: new Date(Date.now() + 50).toISOString() } });

    // "Restart" before the timer fires: only the journal is left.
    await new Promise((resolve) => setTimeout(resolve, 80));
    const after = new Ledger(path);
    expect(after.get("E2E-TIMED")).toMatchObject({ status: "ACSP", settlement: { final: "ACSC" } });
    for (const entry of after.plannedSettlements()) scheduleSettlement(after, entry);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(after.get("E2E-TIMED")?.status).toBe("ACSC");
    expect(after.get("E2E-TIMED")?.settlement).toBeUndefined();
    expect(new Ledger(path).get("E2E-TIMED")).toMatchObject({ status: "ACSC" });
  });

  it("keeps counting inquiries towards a settlement across a restart", () => {
    const path = journal();
    const before = new Ledger(path);
    before.book(transfer("E2E-COUNTED"), "PDNG", { settlement: { final: "RJCT", reason_code: "AC04", inquiries_left: 2 } });
    before.noteInquiry("E2E-COUNTED");

    const after = new Ledger(path);
    expect(after.get("E2E-COUNTED")?.settlement?.inquiries_left).toBe(1);
    after.noteInquiry("E2E-COUNTED");
    expect(after.get("E2E-COUNTED")).toMatchObject({ status: "RJCT", reason_code: "AC04" });
  });
});
