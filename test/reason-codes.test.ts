import { describe, expect, it } from "vitest";
import { describeReasonCode, REASON_CODES } from "../src/payments/reason-codes.ts";

/** The reject, return and recall codes of the EPC SCT rulebook the connector must explain. */
const SCT_RULEBOOK_CODES = [
  "AC01",
  "AC04",
  "AC06",
  "AC13",
  "AG01",
  "AG02",
  "AM04",
  "AM05",
  "AM09",
  "BE04",
  "CNOR",
  "DNOR",
  "CUST",
  "FF01",
  "MD07",
  "MS02",
  "MS03",
  "RC01",
  "RR01",
  "RR02",
  "RR03",
  "RR04",
  "TM01",
  "FOCR",
  "DUPL",
  "TECH",
  "FRAD",
];

/** Words a merchant should not need to know to act on the sentence. */
const JARGON = /\b(ISO|20022|EPC|SCT|CSM|pacs|pain|camt|creditor|debtor|agent|RJCT|R-transaction)\b/i;

describe("reason codes in plain words", () => {
  it.each(SCT_RULEBOOK_CODES)("explains %s", (code) => {
    const described = describeReasonCode(code);
    expect(described).toMatchObject({ code, known: true });
    expect(described.reason).toBe(REASON_CODES.get(code)?.reason);
  });

  it("gives every known code a sentence that says what happened and what to do, without jargon", () => {
    for (const [code, entry] of REASON_CODES) {
      expect(code, code).toMatch(/^[A-Z0-9]{4}$/);
      expect(entry.isoName, code).toMatch(/^[A-Z][A-Za-z]+$/);
      expect(entry.uses.length, code).toBeGreaterThan(0);
      // At least two sentences (or clauses): the fact, then the advice.
      expect(entry.reason, code).toMatch(/^[A-Z].{20,}[.;:] .{10,}\.$/);
      expect(entry.reason, code).not.toMatch(JARGON);
      expect(entry.reason, code).not.toContain(code);
    }
    // Sentences are per code, not one text pasted everywhere.
    const reasons = [...REASON_CODES.values()].map((entry) => entry.reason);
    expect(new Set(reasons).size).toBe(reasons.length);
  });

  it("looks codes up regardless of case and surrounding spaces", () => {
    expect(describeReasonCode(" ac04\n")).toEqual({ code: "AC04", reason: REASON_CODES.get("AC04")?.reason, known: true });
  });

  it("keeps an unknown code and says it is unknown", () => {
    expect(describeReasonCode("XY12")).toEqual({
      code: "XY12",
      reason: "The bank gave reason code XY12, which this connector does not know; ask your bank what it means.",
      known: false,
    });
    // Names of Object.prototype are not codes.
    for (const code of ["constructor", "__proto__", "toString"]) {
      expect(describeReasonCode(code).known, code).toBe(false);
    }
  });

  it("does not repeat text that does not look like a code, and handles an empty one", () => {
    const hostile = describeReasonCode("<script>alert(1)</script>\u0000 DE89370400440532013000 and more text beyond thirty-five");
    expect(hostile.known).toBe(false);
    expect(hostile.reason).toBe("The bank gave a reason code this connector cannot read; ask your bank what it means.");
    expect(hostile.code.length).toBeLessThanOrEqual(35);
    expect(hostile.code).toMatch(/^[\x20-\x7e]+$/);
    expect(describeReasonCode("   ")).toEqual({ code: "", reason: "The bank gave no reason code; ask your bank why.", known: false });
  });
});
