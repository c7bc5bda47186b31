/** Vite's `?raw` suffix imports a file's text (used to compare docs with source). */
declare module "*?raw" {
  const text: string;
  export default text;
}
