#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// Makes sure the Debian packages listed in .ci/packages for a purpose (`test` or
// `bench`) are installed: as root on Debian it installs the missing ones with
// apt-get; anywhere else it stops at once with the one command to run.
// Usage: node scripts/provision.mjs test|bench [--check]
import { existsSync, readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const LIST = join(ROOT, ".ci", "packages");

/** Rows of .ci/packages: { name, file, uses, why }. */
export function readPackages(text = readFileSync(LIST, "utf8")) {
  return text
    .split("\n")
    .map((line) => line.replace(/#.*/, "").trim())
    .filter((line) => line !== "")
    .map((line) => {
      const [name, file, uses, ...why] = line.split(/\s+/);
      if (!name || !file?.startsWith("/") || !uses) throw new Error(`.ci/packages: malformed line: ${line}`);
      return { name, file, uses: uses.split(","), why: why.join(" ") };
    });
}

function aptGet(args) {
  const r = spawnSync("apt-get", args, {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  return r.status === 0;
}

function main(argv) {
  const purpose = argv[0];
  if (purpose !== "test" && purpose !== "bench") {
    console.error("usage: node scripts/provision.mjs test|bench [--check]");
    return 2;
  }
  const missing = readPackages().filter((p) => p.uses.includes(purpose) && !existsSync(p.file));
  if (missing.length === 0) return 0;
  const names = missing.map((p) => p.name);
  const command = `apt-get install -y --no-install-recommends ${names.join(" ")}`;
  const canInstall =
    !argv.includes("--check") &&
    process.getuid?.() === 0 &&
    existsSync("/etc/debian_version") &&
    spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status === 0;
  if (canInstall) {
    console.error(`provision: installing what the ${purpose}s need: ${names.join(" ")}`);
    if (aptGet(["update"]) && aptGet(["install", "-y", "--no-install-recommends", ...names])) {
      const still = missing.filter((p) => !existsSync(p.file));
      if (still.length === 0) return 0;
      console.error(`provision: still missing after apt-get: ${still.map((p) => p.file).join(", ")}`);
      return 1;
    }
    console.error(`provision: apt-get failed; run it yourself: ${command}`);
    return 1;
  }
  console.error(
    `The ${purpose}s need ${missing.map((p) => `${p.file} (${p.name})`).join(", ")}. Install them with:\n\n  sudo ${command}\n`,
  );
  if (!existsSync("/etc/debian_version")) {
    console.error("(Debian package names; on another distribution install the packages that provide these files.)");
  }
  return 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
