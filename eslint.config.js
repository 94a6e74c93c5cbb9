// Lint: typescript-eslint's recommended rules, size caps, and the layering of
// docs/architecture.md (hw -> kernel -> tools/cli), enforced per folder.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const nodeBuiltins = {
  group: ["node:*"],
  message: "src/hw and src/kernel run in a browser too: the host is passed in",
};
const layer = (from, banned, extra = []) => ({
  files: [`${from}/**/*.ts`],
  rules: {
    "no-restricted-imports": [
      "error",
      {
        patterns: [
          ...banned.map((b) => ({
            group: [`**/${b}/**`, `**/${b}`],
            message: `${from} must not import ${b} (layering)`,
          })),
          ...extra,
        ],
      },
    ],
  },
});

export default tseslint.config(
  {
    ignores: [
      "dist/**",
      "node_modules/**",
      "examples/**",
      "test/**/*.mjs",
      "src/tools/report/html-script.generated.ts",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "max-lines": ["error", { max: 800, skipBlankLines: true, skipComments: true }],
      "max-lines-per-function": ["error", { max: 120, skipBlankLines: true, skipComments: true }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-restricted-syntax": [
        "error",
        { selector: "TSEnumDeclaration", message: "Use `as const` objects, not enum" },
        { selector: "TSModuleDeclaration[kind='namespace']", message: "No namespaces" },
      ],
      eqeqeq: ["error", "always"],
      curly: ["error", "multi-line"],
    },
  },
  layer("src/common", ["hw", "kernel", "tools", "cli"], [nodeBuiltins]),
  layer("src/hw", ["kernel", "tools", "cli"], [nodeBuiltins]),
  layer("src/kernel", ["tools", "cli"], [nodeBuiltins]),
  layer("src/tools", ["cli"]),
  // Unit tests beside the sources may use the host (node:) to build oracles, but keep the layering.
  ...["src/common", "src/hw", "src/kernel"].map((from) => ({
    files: [`${from}/**/*.test.ts`],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: ["tools", "cli"].map((b) => ({
            group: [`**/${b}/**`],
            message: `${from} must not import ${b} (layering)`,
          })),
        },
      ],
    },
  })),
  // The HTML report's browser code: no Node, and nothing outside web/ but the shared data types.
  {
    files: ["src/tools/report/web/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["node:*"], message: "browser code: no Node modules" },
            {
              group: ["../*", "../../**", "!../html-data.js"],
              message: "browser code imports only web/ and ../html-data.js",
            },
          ],
        },
      ],
    },
  },
  { files: ["scripts/**/*.mjs"], languageOptions: { globals: { process: "readonly", console: "readonly" } } },
  // Tests and benchmarks may import anything and print.
  { files: ["test/**/*.ts", "bench/**/*.ts", "scripts/**/*.ts"], rules: { "max-lines-per-function": "off" } },
);
