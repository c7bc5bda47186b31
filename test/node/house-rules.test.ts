/**
 * The house rules of src/ (docs/development.md, "Layout"), checked on the
 * code's own imports so a change that breaks one fails here, not in review:
 * domain folders never import the HTTP layer; only the two Durable Object
 * classes touch DurableObjectState; and folders import each other without
 * cycles, except the type-only ones listed below (and in the doc).
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve("src");
/** Folder pairs that import each other for types only (no runtime cycle); docs/development.md names the same. */
const ALLOWED_TYPE_ONLY_CYCLES: ReadonlyArray<readonly [string, string]> = [];

interface ImportEdge {
  from: string;
  to: string;
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

const IMPORT = /^(import|export)\s+(type\s+)?([^;]*?)\s+from\s+["'](\.{1,2}\/[^"']+)["']/gms;

function importsOf(file: string): ImportEdge[] {
  const text = readFileSync(file, "utf8");
  const edges: ImportEdge[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const [, , typeKeyword, clause = "", specifier = ""] = match;
    const names = /\{([^}]*)\}/s.exec(clause)?.[1];
    const everyNameTyped =
      names !== undefined &&
      !/^\s*\w/.test(
        clause
          .replace(/\{[^}]*\}/s, "")
          .replace(/,/g, "")
          .trim() || "",
      ) &&
      names
        .split(",")
        .map((name) => name.trim())
        .filter(Boolean)
        .every((name) => name.startsWith("type "));
    edges.push({ from: file, to: resolve(dirname(file), specifier), typeOnly: typeKeyword !== undefined || everyNameTyped });
  }
  return edges;
}

function folderOf(file: string): string | null {
  const path = relative(SRC, file);
  if (path.startsWith("..")) return null; // schemas/ and the like
  const [folder] = path.split("/");
  return folder ?? null;
}

const files = sourceFiles(SRC);
const edges = files.flatMap(importsOf);

describe("house rules of src/", () => {
  it("reads the imports it checks (a broken parse would pass every rule)", () => {
    expect(files.length).toBeGreaterThan(50);
    expect(edges.some((edge) => folderOf(edge.from) === "merchant-object" && folderOf(edge.to) === "payments" && !edge.typeOnly)).toBe(
      true,
    );
    expect(edges.some((edge) => edge.typeOnly)).toBe(true);
  });

  it("no domain folder imports the Worker's HTTP layer", () => {
    const offending = edges.filter((edge) => folderOf(edge.from) !== "worker" && folderOf(edge.to) === "worker");
    expect(offending.map((edge) => `${relative(SRC, edge.from)} -> ${relative(SRC, edge.to)}`)).toEqual([]);
  });

  it("only the two Durable Object classes touch DurableObjectState", () => {
    const code = (file: string) =>
      readFileSync(file, "utf8")
        .replace(/\/\*[\s\S]*?\*\//g, "")
        .replace(/\/\/.*$/gm, "");
    const touching = files.filter((file) => /\bDurableObjectState\b/.test(code(file))).map((file) => relative(SRC, file));
    expect(touching.sort()).toEqual(["merchant-object/merchant-account.ts", "registry/merchant-registry.ts"]);
  });

  it("folders import each other without cycles, except the listed type-only ones", () => {
    const valueGraph = new Map<string, Set<string>>();
    const typeGraph = new Map<string, Set<string>>();
    for (const edge of edges) {
      const from = folderOf(edge.from);
      const to = folderOf(edge.to);
      if (!from || !to || from === to) continue;
      const graph = edge.typeOnly ? typeGraph : valueGraph;
      graph.set(from, (graph.get(from) ?? new Set()).add(to));
    }
    const reaches = (graph: Map<string, Set<string>>, start: string, goal: string): boolean => {
      const seen = new Set<string>();
      const stack = [start];
      while (stack.length > 0) {
        const node = stack.pop() as string;
        if (node === goal) return true;
        if (seen.has(node)) continue;
        seen.add(node);
        for (const next of graph.get(node) ?? []) stack.push(next);
      }
      return false;
    };
    const valueCycles: string[] = [];
    for (const [from, tos] of valueGraph) for (const to of tos) if (reaches(valueGraph, to, from)) valueCycles.push(`${from} <-> ${to}`);
    expect(valueCycles).toEqual([]);
    // With type imports too: every cycle must be one of the allowed pairs.
    const combined = new Map<string, Set<string>>();
    for (const graph of [valueGraph, typeGraph])
      for (const [from, tos] of graph) combined.set(from, new Set([...(combined.get(from) ?? []), ...tos]));
    const allowed = new Set(ALLOWED_TYPE_ONLY_CYCLES.flatMap(([a, b]) => [`${a} <-> ${b}`, `${b} <-> ${a}`]));
    const typeCycles: string[] = [];
    for (const [from, tos] of combined)
      for (const to of tos) if (reaches(combined, to, from) && !allowed.has(`${from} <-> ${to}`)) typeCycles.push(`${from} <-> ${to}`);
    expect(typeCycles).toEqual([]);
  });
});
