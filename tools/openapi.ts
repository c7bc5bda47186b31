/** `npm run openapi`: regenerates schemas/openapi.json from the Zod schemas (schemas/openapi.ts). */
import { writeFileSync } from "node:fs";
import { buildOpenApiDocument } from "../schemas/openapi.ts";

export const OPENAPI_FILE = "schemas/openapi.json";

writeFileSync(OPENAPI_FILE, JSON.stringify(buildOpenApiDocument(), null, 2) + "\n");
console.log(`wrote ${OPENAPI_FILE}`);
