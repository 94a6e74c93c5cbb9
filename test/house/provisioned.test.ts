// SPDX-License-Identifier: MIT
// Every program the tests (and the benchmarks) run comes from a Debian package that
// `node scripts/provision.mjs test|bench` installs: one listed in .ci/packages for that
// purpose, one of their dependencies, or an Essential package (in every Debian base
// system). Otherwise a fresh machine fails or skips a test that this one passes.
// Programs are found as the sources name them: the first string argument of the
// process helpers, and absolute /bin, /usr/bin paths.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot } from "../helpers/build-guests.js";

const root = repoRoot();
/** The rows of .ci/packages, read by the provisioning script's own parser. */
const { readPackages } = (await import(pathToFileURL(join(root, "scripts", "provision.mjs")).href)) as {
  readPackages: () => { name: string; file: string; uses: string[] }[];
};

/** Names that are not Debian packages' programs, each with the reason. */
const NOT_PROVISIONED: Readonly<Record<string, string>> = {
  lwp: "this project's command (npm install -g .)",
  npm: "comes with Node.js",
  git: "the clone is made with it",
  "apt-get": "the provisioning itself",
  "/bin/prog": "a guest path inside a --root directory the test builds",
};

const CALL =
  /\b(?:execFileSync|execSync|spawnSync|spawn|runNative|runLwp|compileStatic|requireCompiler)\(\s*"([^"]+)"/g;
const PATH = /"((?:\/usr)?\/s?bin\/[\w.+-]+)"/g;

/** The programs a source file runs. */
function programsOf(text: string): string[] {
  return [...new Set([...text.matchAll(CALL), ...text.matchAll(PATH)].map((m) => m[1]!).filter((p) => !/\s/.test(p)))];
}

/** Which purpose a file serves: test or bench (null: neither). */
function purposeOf(file: string): "test" | "bench" | null {
  if (file.startsWith("test/") || (file.startsWith("src/") && file.endsWith(".test.ts"))) return "test";
  return file.startsWith("bench/") ? "bench" : null;
}

/** The installed file of a program: a path as given, or the first match along a standard PATH. */
function locate(program: string): string | null {
  const candidates = program.startsWith("/")
    ? [program]
    : ["/usr/bin", "/bin", "/usr/sbin", "/sbin"].map((d) => join(d, program));
  return candidates.find((c) => existsSync(c)) ?? null;
}

/** The package owning `path` (merged /usr: dpkg may know it under /bin or /usr/bin; alternatives: the target; not a diversion). */
function owner(path: string): string | null {
  const alt = path.startsWith("/usr/") ? path.slice(4) : `/usr${path}`;
  for (const p of [path, alt, realpathSync(path)]) {
    const r = spawnSync("dpkg-query", ["-S", p], { encoding: "utf8" });
    const line = r.status === 0 ? r.stdout.split("\n").find((l) => !l.startsWith("diversion by ")) : undefined;
    if (line !== undefined) return line.split(":")[0]!.split(",")[0]!.trim();
  }
  return null;
}

interface Installed {
  readonly essential: Set<string>;
  /** Package (or virtual package) → the installed packages it names. */
  readonly deps: Map<string, string[]>;
}

function installed(): Installed {
  const text = execFileSync(
    "dpkg-query",
    ["-W", "-f", "${Package}\\t${Essential}\\t${Provides}\\t${Pre-Depends}, ${Depends}\\n"],
    { encoding: "utf8" },
  );
  const rows = text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.split("\t"));
  const names = (list: string): string[][] =>
    list
      .split(",")
      .map((alts) =>
        alts.split("|").map((a) =>
          a
            .trim()
            .replace(/\s*\(.*\)$/, "")
            .replace(/:\w+$/, ""),
        ),
      )
      .filter((a) => a[0] !== "");
  const providers = new Map<string, string[]>();
  for (const [pkg, , provides] of rows) {
    for (const [v] of names(provides ?? "")) providers.set(v!, [...(providers.get(v!) ?? []), pkg!]);
  }
  const present = new Set(rows.map((r) => r[0]!));
  const resolve = (n: string): string[] => (present.has(n) ? [n] : (providers.get(n) ?? []));
  const deps = new Map<string, string[]>();
  for (const [pkg, , , depends] of rows) {
    deps.set(
      pkg!,
      names(depends ?? "").flatMap((alts) => alts.flatMap(resolve)),
    );
  }
  return { essential: new Set(rows.filter((r) => r[1] === "yes").map((r) => r[0]!)), deps };
}

/** The packages provisioning for `purpose` brings: the listed ones and everything they depend on. */
function provisioned(purpose: string, inst: Installed): Set<string> {
  const out = new Set<string>();
  const todo = readPackages()
    .filter((p) => p.uses.includes(purpose))
    .map((p) => p.name);
  for (let n = todo.pop(); n !== undefined; n = todo.pop()) {
    if (out.has(n)) continue;
    out.add(n);
    todo.push(...(inst.deps.get(n) ?? []));
  }
  return out;
}

test("every program the tests and benchmarks run is provisioned from .ci/packages", () => {
  assert.ok(
    existsSync("/var/lib/dpkg/status"),
    "this check reads dpkg's database (the tests run on Debian: .ci/packages)",
  );
  const files = execFileSync(
    "git",
    ["ls-files", "--cached", "--others", "--exclude-standard", "test", "src", "bench"],
    { cwd: root, encoding: "utf8" },
  )
    .split("\n")
    .filter((f) => /\.(ts|mjs)$/.test(f));
  const inst = installed();
  const allowed = { test: provisioned("test", inst), bench: provisioned("bench", inst) };
  const problems = new Set<string>();
  let checked = 0;
  for (const f of files) {
    const purpose = purposeOf(f);
    if (purpose === null || f === "test/house/provisioned.test.ts") continue; // its own examples are not runs
    for (const program of programsOf(readFileSync(join(root, f), "utf8"))) {
      if (program in NOT_PROVISIONED) continue;
      const path = locate(program);
      if (path === null) {
        problems.add(`${f}: ${program} is not installed here`);
        continue;
      }
      const pkg = owner(path);
      if (pkg === null) {
        problems.add(`${f}: ${path} belongs to no package`);
        continue;
      }
      checked++;
      if (!inst.essential.has(pkg) && !allowed[purpose].has(pkg)) {
        problems.add(`${f}: ${program} comes from ${pkg}, which .ci/packages does not bring for '${purpose}'`);
      }
    }
  }
  assert.ok(checked > 20, `only ${checked} program uses found: the patterns no longer match the sources`);
  assert.deepEqual([...problems], []);
});

test("the scan finds programs as the sources name them", () => {
  assert.deepEqual(
    programsOf('execFileSync("nm", [bin]); runNative("/bin/tar", a); x = "/usr/bin/make"; spawnSync("a b")'),
    ["nm", "/bin/tar", "/usr/bin/make"],
  );
});
