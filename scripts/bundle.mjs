#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// Bundles the `lwp` CLI (src/cli/main.ts and everything it imports, iced-x86 included)
// into one CommonJS file, dist/bundle/lwp.cjs, which bin/lwp.js loads: one file to read
// and compile instead of ~170 ES modules, and no CommonJS-to-ESM interop scan of
// iced-x86's 900 KB of glue. iced's WebAssembly binary is copied beside the bundle,
// where its glue looks for it (__dirname). Build output, never committed.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { runInNewContext } from "node:vm";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = join(ROOT, "dist", "bundle");

/** The lines of iced-x86's glue that compile and instantiate its WebAssembly as the module loads. */
const ICED_EAGER = `const wasmModule = new WebAssembly.Module(bytes);
const wasmInstance = new WebAssembly.Instance(wasmModule, imports);
wasm = wasmInstance.exports;
module.exports.__wasm = wasm;`;

/**
 * The same, on first use: until something calls into iced, \`wasm\` is a proxy whose first
 * property read compiles and instantiates the module (about 20 ms) and puts the real
 * exports in its place. A run whose blocks all come from the decoded-block cache
 * (src/hw/cpu/decode-cache.ts), and the commands that never decode, skip that cost.
 * \`__lwpInstantiateWith\` lets the CLI wrap the instantiation (src/cli/wasm-tiering.ts).
 */
const ICED_LAZY = `let lwpWrap = (f) => f();
function lwpInstantiate() {
  lwpWrap(() => {
    wasm = new WebAssembly.Instance(new WebAssembly.Module(require('fs').readFileSync(path)), imports).exports;
  });
  return wasm;
}
wasm = new Proxy({}, { get: (_, k) => lwpInstantiate()[k] });
Object.defineProperty(module.exports, '__wasm', { get: () => wasm.memory && wasm, enumerable: true });
module.exports.__lwpInstantiateWith = (w) => { lwpWrap = w; };`;

/**
 * iced's largest enums (Code: 4,936 names, 315 KB of the glue; Mnemonic) are object
 * literals of both directions, `{ INVALID:0,"0":"INVALID", ... }`: built instead from the
 * list of names, the same frozen object comes from a third of the source, less to read,
 * compile and cache at every start-up. Each one is checked here against the literal.
 * Code and Mnemonic are built on first use (building Mnemonic's 1,894 names took 2–3 ms
 * of every start-up), and their names are exported as they are (\`__lwpCodeNames\`,
 * \`__lwpMnemonicNames\`): decode.ts names a Code or a Mnemonic by them, and finds the
 * instruction table's mnemonics in them, without the enums.
 */
const ICED_ENUM = /Object\.freeze\(\{ ((?:[A-Za-z_]\w*:\d+,"\d+":"[A-Za-z_]\w*",){1000,}) \}\)/g;
const ENUM_OF = `function lwpEnumOf(names) {
  const o = {}, a = names.split(" ");
  for (let i = 0; i < a.length; i++) { o[a[i]] = i; o[i] = a[i]; }
  return Object.freeze(o);
}
`;

/** The compacted enums built on first use, their names exported (`__lwp<Name>Names`). */
const LAZY_ENUMS = ["Code", "Mnemonic"];

function compactEnums(src, path) {
  let n = 0;
  const out = src.replace(ICED_ENUM, (literal, body) => {
    const names = [...body.matchAll(/([A-Za-z_]\w*):\d+,/g)].map((m) => m[1]);
    const built = `lwpEnumOf(${JSON.stringify(names.join(" "))})`;
    const [a, b] = runInNewContext(`${ENUM_OF}[${built}, ${literal}]`);
    if (!isDeepStrictEqual(a, b) || !Object.isFrozen(a)) {
      throw new Error(`${path}: an enum is not the list of its names (lazy-iced)`);
    }
    n++;
    return built;
  });
  let lazy = out;
  for (const name of LAZY_ENUMS) {
    const literal = new RegExp(`^module\\.exports\\.${name} = lwpEnumOf\\(("[^"]*")\\);$`, "m");
    if (n < 2 || !literal.test(lazy)) {
      throw new Error(`${path}: not the iced-x86 glue this build knows (Code and Mnemonic enums)`);
    }
    lazy = lazy.replace(
      literal,
      `const lwp${name}Names = $1;
let lwp${name} = null;
Object.defineProperty(module.exports, "${name}", { get: () => (lwp${name} ??= lwpEnumOf(lwp${name}Names)), enumerable: true });
module.exports.__lwp${name}Names = lwp${name}Names;`,
    );
  }
  return ENUM_OF + lazy;
}

/** esbuild plugin: iced-x86's glue with the lazy instantiation and compact enums (the build fails if the glue is not as expected). */
const lazyIced = {
  name: "lazy-iced",
  setup(b) {
    b.onLoad({ filter: /iced-x86[\\/]iced_x86\.js$/ }, (args) => {
      const src = readFileSync(args.path, "utf8");
      const eager = `const bytes = require('fs').readFileSync(path);\n\n${ICED_EAGER}`;
      if (!src.includes(eager)) throw new Error(`${args.path}: not the iced-x86 glue this build knows (lazy-iced)`);
      return { contents: compactEnums(src.replace(eager, ICED_LAZY), args.path), loader: "js" };
    });
  },
};

/**
 * The build's identity: a hash of every source file and of iced-x86, stamped into the
 * caches the bundle keeps between runs (src/cli/decode-cache-file.ts), so that a cache
 * made by another build is never used.
 */
function buildId(iced) {
  const h = createHash("sha256");
  const files = readdirSync(join(ROOT, "src"), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? e.path, e.name))
    .sort();
  for (const f of [...files, join(iced, "iced_x86.js"), join(iced, "iced_x86_bg.wasm"), join(iced, "package.json")]) {
    h.update(f.slice(ROOT.length)).update("\0").update(readFileSync(f)).update("\0");
  }
  return h.digest("hex").slice(0, 32);
}

/**
 * The bundle is emitted as the function Node's CommonJS loader would wrap it in, so that
 * bin/lwp.js compiles the file's text as it is: wrapping 1 MB of source at each start-up
 * costs a copy of it (the wrapped string is flattened before it is compiled). Compiled as
 * a script (bin/lwp.js), the file's value is that function. Loaded by Node's own loader
 * (where bin/lwp.js uses Node's compile cache, or `node dist/bundle/lwp.cjs`), its text
 * is inside the loader's wrapper (`arguments` exists) and the function is called at once.
 */
const WRAP_HEAD =
  '(typeof arguments === "object" ? (main) => main(exports, require, module, __filename, __dirname) : (main) => main)' +
  "(function (exports, require, module, __filename, __dirname) {";
const WRAP_TAIL = "})";

const iced = dirname(createRequire(import.meta.url).resolve("iced-x86"));
mkdirSync(OUT, { recursive: true });
await build({
  entryPoints: [join(ROOT, "src", "cli", "main.ts")],
  outfile: join(OUT, "lwp.cjs"),
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  // Whitespace and comments out (less to read and parse, ASCII only so V8 keeps one-byte
  // source), identifiers kept so CPU profiles and stack traces name our functions.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: "none",
  charset: "ascii",
  sourcemap: "linked",
  logLevel: "warning",
  plugins: [lazyIced],
  banner: { js: WRAP_HEAD },
  footer: { js: WRAP_TAIL },
  define: { LWP_BUILD_ID: JSON.stringify(buildId(iced)) },
});
copyFileSync(join(iced, "iced_x86_bg.wasm"), join(OUT, "iced_x86_bg.wasm"));
