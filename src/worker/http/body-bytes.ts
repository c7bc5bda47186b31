/** Reading a request body with a size limit enforced while streaming: an oversized body is never buffered whole. */

/**
 * The body's bytes; throws `tooLarge()` before reading when the declared
 * Content-Length is over `limit`, and as soon as more than `limit` bytes have
 * arrived (a body may declare no length).
 */
export async function readAtMost(request: Request, limit: number, tooLarge: () => Error): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) throw tooLarge();
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
