/**
 * Reading an XML request body (statement files): `application/xml` or
 * `text/xml`, UTF-8 (the charset may be left out, ISO 20022 documents are
 * UTF-8), at most `maxBytes`, counted while streaming. Safety of the XML
 * itself is the codec's (src/bank/iso20022/xml-safety.ts).
 */
import { readAtMost } from "./body-bytes.ts";
import { ProblemError, problem } from "./problem.ts";

const XML_CONTENT_TYPE = /^(?:application|text)\/xml\s*(?:;\s*charset=("?)utf-8\1\s*)?$/i;

export async function readXmlBody(request: Request, maxBytes: number): Promise<Uint8Array> {
  const contentType = request.headers.get("content-type") ?? "";
  if (!XML_CONTENT_TYPE.test(contentType.trim())) {
    throw new ProblemError(problem("unsupported-media-type", "Send the file as application/xml or text/xml (UTF-8)."));
  }
  const tooLarge = () => new ProblemError(problem("payload-too-large", `The file must be at most ${maxBytes} bytes (5 MiB).`));
  return readAtMost(request, maxBytes, tooLarge);
}
