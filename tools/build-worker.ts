/**
 * Bundles the Worker for the local stack (Miniflare runs a bundle, not
 * TypeScript sources). The same esbuild settings as wrangler's: ESM, workerd
 * conditions, node: and cloudflare: modules left to the runtime.
 */
import { build } from "esbuild";

export const WORKER_BUNDLE = ".build/worker.mjs";

/** `entry`: another checkout's Worker (the benchmark's baseline); default this one's. */
export async function buildWorker(outfile: string = WORKER_BUNDLE, entry = "src/worker/index.ts"): Promise<string> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2024",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    external: ["node:*", "cloudflare:*"],
    sourcemap: "linked",
    logLevel: "warning",
  });
  return outfile;
}
