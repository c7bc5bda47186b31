// ESLint runs one rule only: no-floating-promises, which needs the type checker.
// Biome formats and lints everything else (biome.json); its own floating-promise
// rule misses promises typed by ambient declarations such as
// DurableObjectStorage.setAlarm (measured with Biome 2.6.8; docs/development.md).
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: ["node_modules/**", ".wrangler/**", ".dev/**", ".build/**", "coverage/**", "clients/**/dist/**", "worker-configuration.d.ts"],
  },
  {
    files: ["**/*.ts"],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "@typescript-eslint": tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: { "@typescript-eslint/no-floating-promises": "error" },
  },
);
