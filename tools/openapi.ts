/**
 * `npm run openapi`: writes schemas/openapi.json, the document the Worker
 * serves at GET /openapi.json. It is built from the routes' own declarations
 * (src/worker/routes/api-routes.ts), which load only inside workerd, so the
 * Worker is bundled, started and asked for it, as a client would.
 */
import { writeFileSync } from "node:fs";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { buildWorker } from "./build-worker.ts";

export const OPENAPI_FILE = "schemas/openapi.json";
const BUNDLE_FILE = ".build/openapi-worker.mjs";

const miniflare = new Miniflare(
  convertV4MiniflareOptions({
    host: "127.0.0.1",
    // Any free port: another engineer's `npm start` may hold 8787.
    port: 0,
    modules: true,
    scriptPath: await buildWorker(BUNDLE_FILE),
    // As in wrangler.jsonc; serving the document touches no binding.
    compatibilityDate: "2026-11-01",
    compatibilityFlags: ["nodejs_compat"],
  }),
);
try {
  const response = await miniflare.dispatchFetch("http://connector.local/openapi.json");
  if (response.status !== 200) throw new Error(`GET /openapi.json answered ${response.status}: ${await response.text()}`);
  writeFileSync(OPENAPI_FILE, `${JSON.stringify(await response.json(), null, 2)}\n`);
  console.log(`wrote ${OPENAPI_FILE}`);
} finally {
  await miniflare.dispose();
}
