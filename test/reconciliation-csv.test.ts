import { describe, expect, it } from "vitest";
import { csvCell } from "../src/reconciliation/csv.ts";

describe("reconciliation CSV cells", () => {
  it("neutralizes cells a spreadsheet would run as formulas", () => {
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvCell("+1")).toBe("'+1");
    expect(csvCell("-1-1")).toBe("'-1-1");
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvCell("\tx")).toBe("'\tx");
    expect(csvCell("\rx")).toBe(`"'\rx"`);
  });

  it("quotes only where RFC 4180 requires and leaves plain values alone", () => {
    expect(csvCell("TRF0000000001")).toBe("TRF0000000001");
    expect(csvCell("a,b")).toBe(`"a,b"`);
    expect(csvCell('say "hi"')).toBe(`"say ""hi"""`);
    expect(csvCell("two\nlines")).toBe(`"two\nlines"`);
    expect(csvCell(1250)).toBe("1250");
    expect(csvCell(false)).toBe("false");
    expect(csvCell(null)).toBe("");
  });
});
