/**
 * The SEPA character set (EPC "Latin character set"): what every text field
 * of a pain.001 we send is reduced to. Diacritics are stripped (é→e), the
 * Latin letters with no decomposition get their usual spelling (ł→l, ß→ss,
 * Æ→AE, Ø→O, Þ→TH), and anything else becomes `.`, one per code point, so an
 * emoji costs one character, never half a surrogate pair.
 */

export const SEPA_TEXT_PATTERN = /^[A-Za-z0-9/\-?:().,'+ ]*$/;
/** Name fields (Nm) are Max140Text restricted to 70 by the EPC schema; Ustrd is Max140Text. */
export const MAX_SEPA_NAME_LENGTH = 70;
export const MAX_SEPA_REFERENCE_LENGTH = 140;
/**
 * Nm has a minimum length of 1: a name with nothing left after
 * transliteration and trimming (empty or only spaces) is sent as this.
 */
export const SEPA_NAME_PLACEHOLDER = "NOTPROVIDED";

const SEPA_CHARACTER = /^[A-Za-z0-9/\-?:().,'+ ]$/;
const COMBINING_MARK = /^\p{M}$/u;

/** Latin letters that Unicode does not decompose into a base letter and a mark. */
const LETTERS_WITHOUT_DECOMPOSITION = new Map<string, string>([
  ["ß", "ss"],
  ["ẞ", "SS"],
  ["Æ", "AE"],
  ["æ", "ae"],
  ["Ø", "O"],
  ["ø", "o"],
  ["Þ", "TH"],
  ["þ", "th"],
  ["Œ", "OE"],
  ["œ", "oe"],
  ["Ł", "L"],
  ["ł", "l"],
  ["Đ", "D"],
  ["đ", "d"],
  ["Ð", "D"],
  ["ð", "d"],
  ["Ħ", "H"],
  ["ħ", "h"],
  ["ı", "i"],
  ["Ŀ", "L"],
  ["ŀ", "l"],
  ["Ŧ", "T"],
  ["ŧ", "t"],
  ["Ŋ", "N"],
  ["ŋ", "n"],
  ["ĸ", "k"],
  ["ſ", "s"],
  ["Ĳ", "IJ"],
  ["ĳ", "ij"],
]);

/**
 * Transliterates to the SEPA set, drops leading and trailing spaces and cuts
 * to `maxLength` characters. May return "" (empty or all-space input).
 */
export function toSepaText(input: string, maxLength: number): string {
  let output = "";
  for (const character of input.normalize("NFD")) {
    if (COMBINING_MARK.test(character)) continue;
    const mapped = SEPA_CHARACTER.test(character) ? character : (LETTERS_WITHOUT_DECOMPOSITION.get(character) ?? ".");
    if (output === "" && mapped === " ") continue;
    output += mapped;
    // Enough to fill maxLength even after trailing spaces are dropped; the rest cannot appear.
    if (output.length > maxLength) break;
  }
  return output.slice(0, maxLength).trimEnd();
}

/** A name (Nm) as sent: SEPA text, at most 70 characters, never empty. */
export function sepaName(input: string): string {
  return toSepaText(input, MAX_SEPA_NAME_LENGTH) || SEPA_NAME_PLACEHOLDER;
}

/** Unstructured remittance information (Ustrd) as sent, or null when nothing is left to send. */
export function sepaReference(input: string): string | null {
  return toSepaText(input, MAX_SEPA_REFERENCE_LENGTH) || null;
}

export function isSepaText(text: string): boolean {
  return SEPA_TEXT_PATTERN.test(text);
}
