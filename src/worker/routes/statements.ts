/**
 * POST /v1/statements imports a camt.053 statement or camt.054 notification
 * file (for banks that deliver them out of band); GET /v1/statements lists
 * the imports. The file is read here, in the stateless Worker (safe XML scan,
 * parse and Zod validation: src/bank/statement-file.ts); the merchant's
 * object checks the account and stores the parsed entries.
 */
import { pageBody } from "../../../schemas/list-page.ts";
import { ListStatementImportsQuery, StatementImport, StatementImportList } from "../../../schemas/statement-imports.ts";
import { MAX_STATEMENT_FILE_BYTES, readStatementFile } from "../../bank/statement-file.ts";
import { sha256Hex } from "../../platform/digests.ts";
import type { ImportStatementReply, StatementImportPageReply } from "../../reconciliation/statement-imports.ts";
import { merchantCredentials } from "../http/merchant-auth.ts";
import { callMerchant } from "../http/merchant-stub.ts";
import { ProblemError, problem } from "../http/problem.ts";
import { validateQueryOrThrow } from "../http/query-params.ts";
import { refusalResponse } from "../http/reply.ts";
import { readXmlBody } from "../http/xml-body.ts";
import { defineRoute } from "../openapi/define-route.ts";
import { MERCHANT_AUTH_PROBLEMS } from "../openapi/problem-groups.ts";

/** What a refused file's reason is called in the problem's detail. */
const REFUSAL_WORDS: Record<string, string> = {
  "too-large": "larger than 5 MiB",
  "unsupported-encoding": "not UTF-8",
  dtd: "a document type declaration (DTD)",
  entity: "an entity declaration or reference",
  "processing-instruction": "a processing instruction",
  "too-deep": "nested too deeply",
  "too-many-elements": "too many elements",
  "not-well-formed": "not well-formed XML",
  "unsupported-version": "a camt.053 or camt.054 version the connector does not read (.02, .04, .08)",
  "not-a-camt-document": "not a camt.053 statement or camt.054 notification",
  invalid: "not a camt document the connector can read",
};

const importStatement = defineRoute(
  {
    method: "post",
    path: "/v1/statements",
    operationId: "importStatement",
    summary: "Import a bank statement file (camt.053) or debit/credit notification (camt.054)",
    description:
      "For banks that deliver statements out of band. The file's own account (Stmt/Acct or Ntfctn/Acct IBAN) must be the merchant's debtor account. 201 for a new file; 200 with the first import's body for a file already imported (same GrpHdr/MsgId and statement or notification ids, or the same bytes). Reconciliation of a day uses an imported statement for that day instead of the bank's API (docs/reconciliation.md).",
    tag: "payments",
    security: "merchant",
    xmlBody: "A camt.053 (.001.02, .04, .08) or camt.054 (.001.02, .04, .08) document, UTF-8, at most 5 MiB; no DTD, no entities.",
    responses: {
      201: { description: "Imported.", schema: StatementImport },
      200: { description: "Already imported: the first import.", schema: StatementImport },
    },
    problems: ["malformed-xml", "payload-too-large", "unsupported-media-type", ...MERCHANT_AUTH_PROBLEMS, "statement-account-mismatch"],
  },
  async (c) => {
    const { merchantId, auth } = await merchantCredentials(c);
    const bytes = await readXmlBody(c.req.raw, MAX_STATEMENT_FILE_BYTES);
    const reading = readStatementFile(bytes);
    if (!reading.ok) {
      const what = REFUSAL_WORDS[reading.reason] ?? reading.reason;
      throw new ProblemError(
        problem("malformed-xml", `The file was refused: ${what} (${reading.detail}).`, [{ name: "(body)", reason: reading.reason }]),
      );
    }
    const upload = { sha256: await sha256Hex(bytes), file: reading.file };
    // Importing again answers the first import, so a lost reply may be retried.
    const reply = await callMerchant<ImportStatementReply>(c.env, merchantId, (stub) => stub.importStatement(auth, upload), {
      safeToRetry: true,
    });
    if (!reply.ok) return refusalResponse(c, reply);
    return c.json(reply.statement, reply.created ? 201 : 200, { "cache-control": "no-store" });
  },
);

const listStatements = defineRoute(
  {
    method: "get",
    path: "/v1/statements",
    operationId: "listStatements",
    summary: "List imported statement files, newest first",
    tag: "payments",
    security: "merchant",
    query: ListStatementImportsQuery,
    responses: { 200: { description: "One page.", schema: StatementImportList } },
    problems: ["validation-error", ...MERCHANT_AUTH_PROBLEMS],
  },
  async (c) => {
    const { merchantId, auth } = await merchantCredentials(c);
    const query = validateQueryOrThrow(ListStatementImportsQuery, c.req.url);
    const reply = await callMerchant<StatementImportPageReply>(
      c.env,
      merchantId,
      (stub) => stub.listStatements(auth, query.limit, query.cursor ?? null),
      { safeToRetry: true },
    );
    if (!reply.ok) return refusalResponse(c, reply);
    const body: StatementImportList = pageBody(reply.statements, reply.hasMore, (last) => last.id);
    return c.json(body, 200, { "cache-control": "no-store" });
  },
);

export const statementRoutes = [importStatement, listStatements];
