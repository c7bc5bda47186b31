import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isSepaText, MAX_SEPA_NAME_LENGTH, sepaName, sepaReference, toSepaText } from "../../../src/bank/iso20022/sepa-text.ts";

describe("SEPA text", () => {
  it("strips diacritics and spells the letters Unicode does not decompose", () => {
    expect(toSepaText("éèêëÉ àÅ çÇ ñ ő ž İ", 140)).toBe("eeeeE aA cC n o z I");
    expect(toSepaText("e\u0301 already decomposed", 140)).toBe("e already decomposed");
    expect(toSepaText("łŁ ß ẞ Æ æ Ø ø Þ þ Œ œ Đ đ ð ı ǿ ǽ", 140)).toBe("lL ss SS AE ae O o TH th OE oe D d d i o ae");
  });

  it("writes one '.' per code point it cannot carry, emoji and controls included", () => {
    expect(toSepaText("a😀b", 140)).toBe("a.b");
    expect(toSepaText("👍🏽", 140)).toBe("..");
    expect(toSepaText("❤️", 140)).toBe(".");
    expect(toSepaText("Ωμέγα", 140)).toBe(".....");
    expect(toSepaText("a\tb\nc\u0000d\u00a0e", 140)).toBe("a.b.c.d.e");
    expect(toSepaText('€ & < > " ; _ @ # % * = ! [ ] { } | \\ ~ ` ^ $', 140)).toBe(". . . . . . . . . . . . . . . . . . . . . . .");
    expect(toSepaText("keeps / - ? : ( ) . , ' + and spaces", 140)).toBe("keeps / - ? : ( ) . , ' + and spaces");
  });

  it("trims spaces at both ends and cuts to the length, trimming again after the cut", () => {
    expect(toSepaText("   padded   ", 140)).toBe("padded");
    expect(toSepaText("abc def", 4)).toBe("abc");
    expect(toSepaText("ßßß", 5)).toBe("sssss");
    expect(toSepaText("", 70)).toBe("");
    expect(toSepaText("    ", 70)).toBe("");
  });

  it("never leaves a name empty and drops an empty reference", () => {
    expect(sepaName("")).toBe("NOTPROVIDED");
    expect(sepaName("  \u0301 ")).toBe("NOTPROVIDED");
    expect(sepaName("😀")).toBe(".");
    expect(sepaReference("")).toBeNull();
    expect(sepaReference("   ")).toBeNull();
    expect(sepaReference(" ok ")).toBe("ok");
  });

  it("whatever the input, the output is SEPA text within the length with no outer spaces", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 400 }), fc.integer({ min: 1, max: 140 }), (input, maxLength) => {
        const output = toSepaText(input, maxLength);
        expect(isSepaText(output)).toBe(true);
        expect(output.length).toBeLessThanOrEqual(maxLength);
        expect(output).toBe(output.trim());
        const name = sepaName(input);
        expect(name.length).toBeGreaterThanOrEqual(1);
        expect(name.length).toBeLessThanOrEqual(MAX_SEPA_NAME_LENGTH);
      }),
      { numRuns: 2000 },
    );
  });

  it("leaves text that is already SEPA text, trimmed and short enough, unchanged", () => {
    const sepaCharacter = fc.constantFrom(..."abcXYZ019/-?:().,'+ ".split(""));
    fc.assert(
      fc.property(fc.string({ unit: sepaCharacter, maxLength: 140 }), (input) => {
        expect(toSepaText(input, 140)).toBe(input.trim());
      }),
    );
  });
});
