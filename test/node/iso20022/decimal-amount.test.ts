import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decimalTextToMinorUnits, minorUnitsToDecimalText } from "../../../src/bank/iso20022/decimal-amount.ts";

describe("decimal amounts", () => {
  it("writes minor units with exactly the currency's fraction digits", () => {
    expect(minorUnitsToDecimalText(0, 2)).toBe("0.00");
    expect(minorUnitsToDecimalText(5, 2)).toBe("0.05");
    expect(minorUnitsToDecimalText(1250, 2)).toBe("12.50");
    expect(minorUnitsToDecimalText(99_999_999_999, 2)).toBe("999999999.99");
    expect(minorUnitsToDecimalText(Number.MAX_SAFE_INTEGER, 2)).toBe("90071992547409.91");
    expect(minorUnitsToDecimalText(1250, 0)).toBe("1250");
    expect(minorUnitsToDecimalText(1250, 3)).toBe("1.250");
    expect(minorUnitsToDecimalText(-1, 2)).toBeNull();
    expect(minorUnitsToDecimalText(1.5, 2)).toBeNull();
    expect(minorUnitsToDecimalText(Number.MAX_SAFE_INTEGER + 1, 2)).toBeNull();
    expect(minorUnitsToDecimalText(Number.NaN, 2)).toBeNull();
  });

  it("reads decimal text into minor units without floats", () => {
    expect(decimalTextToMinorUnits("12.50", 2)).toBe(1250);
    expect(decimalTextToMinorUnits("12.5", 2)).toBe(1250);
    expect(decimalTextToMinorUnits("12", 2)).toBe(1200);
    expect(decimalTextToMinorUnits("12.500", 2)).toBe(1250);
    expect(decimalTextToMinorUnits("0001234.00", 2)).toBe(123400);
    expect(decimalTextToMinorUnits("0.10", 2)).toBe(10);
    expect(decimalTextToMinorUnits("0.29", 2)).toBe(29);
    expect(decimalTextToMinorUnits("1.005", 3)).toBe(1005);
    expect(decimalTextToMinorUnits("90071992547409.91", 2)).toBe(Number.MAX_SAFE_INTEGER);
    expect(decimalTextToMinorUnits(`${"0".repeat(100)}1`, 2)).toBe(100);
  });

  it("refuses what is not a whole number of minor units in plain decimal notation", () => {
    for (const text of [
      "12.505",
      "12.001",
      "",
      ".5",
      "5.",
      "-1.00",
      "+1.00",
      "1e3",
      " 1.00",
      "1.00 ",
      "1,00",
      "0x10",
      "１２",
      "NaN",
      "Infinity",
    ]) {
      expect(decimalTextToMinorUnits(text, 2), text).toBeNull();
    }
    expect(decimalTextToMinorUnits("90071992547409.92", 2)).toBeNull();
    expect(decimalTextToMinorUnits("9".repeat(10_000), 2)).toBeNull();
    expect(decimalTextToMinorUnits("1.5", 0)).toBeNull();
  });

  it("round-trips every safe amount", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.constantFrom(0, 2, 3), (minor, digits) => {
        const text = minorUnitsToDecimalText(minor, digits);
        expect(text).not.toBeNull();
        expect(decimalTextToMinorUnits(text ?? "", digits)).toBe(minor);
      }),
      { numRuns: 2000 },
    );
  });
});
