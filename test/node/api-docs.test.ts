/** docs/api.md must name every endpoint, problem type and header the OpenAPI document has. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PROBLEM_SLUGS } from "../../schemas/problem.ts";

const apiDoc = readFileSync("docs/api.md", "utf8");
const openapi = JSON.parse(readFileSync("schemas/openapi.json", "utf8")) as {
  paths: Record<string, Record<string, unknown>>;
  components: { headers: Record<string, unknown>; parameters: Record<string, { name: string }> };
};

describe("docs/api.md", () => {
  it("documents every endpoint", () => {
    for (const [path, methods] of Object.entries(openapi.paths)) {
      for (const method of Object.keys(methods))
        expect(apiDoc, `${method.toUpperCase()} ${path}`).toContain(`${method.toUpperCase()} ${path}`);
    }
  });

  it("documents every problem type", () => {
    for (const slug of PROBLEM_SLUGS) expect(apiDoc, slug).toContain(`\`${slug}\``);
  });

  it("documents every header", () => {
    const headers = [...Object.keys(openapi.components.headers), ...Object.values(openapi.components.parameters).map((p) => p.name)];
    for (const header of new Set(headers)) expect(apiDoc, header).toContain(header);
  });
});
