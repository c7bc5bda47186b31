import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BEGIN_MARKER, END_MARKER, writeReport } from "../../bench/report.ts";
import { percentile, summarize } from "../../bench/stats.ts";

describe("bench statistics", () => {
  it("uses nearest-rank percentiles over every sample", () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(samples, 0.5)).toBe(50);
    expect(percentile(samples, 0.99)).toBe(99);
    expect(percentile([7], 0.99)).toBe(7);
    expect(summarize([3, 1, 2])).toMatchObject({ count: 3, p50: 2, max: 3, mean: 2 });
    expect(summarize([]).p50).toBeNaN();
  });
});

describe("docs/benchmarks.md writer", () => {
  it("replaces only the generated section, keeping the analysis around it", () => {
    const path = join(mkdtempSync(join(tmpdir(), "bench-report-")), "benchmarks.md");
    writeFileSync(path, `# Benchmarks\n\nAnalysis before.\n\n${BEGIN_MARKER}\nold figures\n${END_MARKER}\n\nAnalysis after.\n`);
    writeReport(path, `${BEGIN_MARKER}\nnew figures\n${END_MARKER}`);
    const text = readFileSync(path, "utf8");
    expect(text).toContain("Analysis before.");
    expect(text).toContain("Analysis after.");
    expect(text).toContain("new figures");
    expect(text).not.toContain("old figures");
  });

  it("creates the file, and its folder, on the first run", () => {
    const path = join(mkdtempSync(join(tmpdir(), "bench-report-")), "docs", "benchmarks.md");
    writeReport(path, `${BEGIN_MARKER}\nfigures\n${END_MARKER}`);
    expect(readFileSync(path, "utf8")).toMatch(/^# Benchmarks[\s\S]*figures/);
  });
});
