/**
 * Zod schemas as JSON Schema 2020-12 (the dialect OpenAPI 3.1 uses): named
 * components for bodies, inline schemas for parameters.
 */
import { z } from "zod";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

const SCHEMA_REF_PREFIX = "#/components/schemas/";

/**
 * Turns Zod schemas into named components. Request bodies are described as
 * the schema's input (what a client may send: an IBAN with spaces), responses
 * as its output. A component needed in both directions must look the same
 * both ways, or generation fails rather than describe one of them wrongly.
 */
export class ComponentCollector {
  private readonly byDirection = {
    input: z.toJSONSchema(z.globalRegistry, { target: "draft-2020-12", io: "input", unrepresentable: "any", uri: componentUri }).schemas,
    output: z.toJSONSchema(z.globalRegistry, { target: "draft-2020-12", io: "output", unrepresentable: "any", uri: componentUri }).schemas,
  };
  private readonly collected = new Map<string, { direction: "input" | "output"; schema: JsonObject }>();

  ref(schema: z.ZodType, direction: "input" | "output"): JsonObject {
    const id = z.globalRegistry.get(schema)?.id;
    if (!id) throw new Error("every body schema of an operation needs .meta({ id })");
    this.collect(id, direction);
    return { $ref: componentUri(id) };
  }

  schemas(): JsonObject {
    return Object.fromEntries(
      [...this.collected.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([id, entry]) => [id, entry.schema]),
    );
  }

  private collect(id: string, direction: "input" | "output"): void {
    const raw = this.byDirection[direction][id];
    if (!raw) throw new Error(`no JSON Schema for component ${id}`);
    const schema = cleanSchema(raw as unknown as Json) as JsonObject;
    const existing = this.collected.get(id);
    if (existing) {
      if (JSON.stringify(existing.schema) !== JSON.stringify(schema)) {
        throw new Error(`component ${id} differs between ${existing.direction} and ${direction}; give the two forms different ids`);
      }
      return;
    }
    this.collected.set(id, { direction, schema });
    for (const ref of refsIn(schema)) this.collect(ref, direction);
  }
}

/**
 * A path or query parameter: the schema as the client sends it (input), its
 * description lifted to the parameter, where OpenAPI tools show it.
 */
export function parameterSchema(schema: z.ZodType): { description?: string; schema: JsonObject } {
  const json = cleanSchema(z.toJSONSchema(schema, { target: "draft-2020-12", io: "input", unrepresentable: "any" }) as unknown as Json);
  const { description, ...rest } = json as JsonObject;
  return typeof description === "string" ? { description, schema: rest } : { schema: rest };
}

function componentUri(id: string): string {
  return SCHEMA_REF_PREFIX + id;
}

/** Drops per-schema `$schema`/`$id` (the document sets the dialect) and turns deprecated `example` into `examples`. */
function cleanSchema(value: Json): Json {
  if (Array.isArray(value)) return value.map(cleanSchema);
  if (value === null || typeof value !== "object") return value;
  const out: JsonObject = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === "$schema" || key === "$id") continue;
    if (key === "example") out.examples = [item];
    else out[key] = cleanSchema(item);
  }
  return out;
}

function refsIn(value: Json): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, item]) =>
    key === "$ref" && typeof item === "string" && item.startsWith(SCHEMA_REF_PREFIX)
      ? [item.slice(SCHEMA_REF_PREFIX.length)]
      : refsIn(item),
  );
}
