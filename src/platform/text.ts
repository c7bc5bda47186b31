/** Untrusted text (a bank's message, an error from fetch) made single-line: every control character becomes a space. */
export function withoutControlCharacters(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters (C0, DEL, C1) is the point.
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, " ");
}
