// SPDX-License-Identifier: MIT
// --root is a real confinement (issue 10 item 1): test/root/paths.c resolves
// loops, long chains, absolute and relative links aimed outside the root, links
// it creates itself, dirfds, renames and hard links; its output under
// `lwp run --root` must equal its output under chroot(2), the host file beside
// the root must never be read, and nothing outside the root may change.
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileStatic, describeEnd, firstDifference, repoRoot, stderrTail } from "../helpers/build-guests.js";
import { hasTrace, runChroot, runConfined, snapshot } from "./confined.js";

const SECRET = "OUTSIDE-SECRET";

/** The tree paths.c expects, with a file outside it that must stay unreachable. */
function buildTree(tmp: string, bin: string): { root: string; outside: string } {
  const root = join(tmp, "root"),
    outside = join(tmp, "outside");
  for (const d of [
    root,
    outside,
    join(root, "etc"),
    join(root, "sub/a/b/c"),
    join(root, "c40"),
    join(root, "c41"),
    join(root, "c40out"),
    join(root, "c41out"),
  ]) {
    mkdirSync(d, { recursive: true });
  }
  writeFileSync(join(outside, "secret"), `${SECRET}\n`);
  writeFileSync(join(root, "etc/secret"), "inside\n");
  writeFileSync(join(root, "etc/secret2"), "inside2\n");
  writeFileSync(join(root, "tomove"), "moveme\n");
  copyFileSync(bin, join(root, "paths"));
  const links: [string, string][] = [
    ["loop1", "loop2"],
    ["loop2", "loop1"],
    ["self", "self"],
    ["abs", "/etc/secret"],
    ["hostabs", join(outside, "secret")],
    ["sub/up", "../../../../../../etc/secret"],
    ["sub/deep", "a/b/c"],
    ["dirlink", "/sub"],
    ["rootlink", "/"],
    ["uplink", ".."],
    ["slashlink", "/etc/secret/"],
    ["dangling", "/made-by-link"],
    ["hostdangling", join(outside, "created")],
    ["filelink", "/etc/secret"],
  ];
  const chain = (dir: string, n: number, last: string): void => {
    for (let i = 0; i < n - 1; i++) links.push([`${dir}/l${i}`, `l${i + 1}`]);
    links.push([`${dir}/l${n - 1}`, last]);
  };
  chain("c40", 40, "/etc/secret");
  chain("c41", 41, "/etc/secret");
  chain("c40out", 40, join(outside, "secret"));
  chain("c41out", 41, join(outside, "secret"));
  for (const [at, to] of links) symlinkSync(to, join(root, at));
  return { root, outside };
}

function build(): string {
  const out = join(repoRoot(), "build", "root", "paths");
  compileStatic("gcc", join(repoRoot(), "test", "root", "paths.c"), out, ["-O1", "-Wall", "-Wextra"]);
  return out;
}

test("--root: path resolution equals chroot(2) and never leaves the root", { timeout: 300_000 }, () => {
  const bin = build();
  const tmp = mkdtempSync(join(tmpdir(), "lwp-root-"));
  try {
    const a = buildTree(join(tmp, "native"), bin);
    const native = runChroot(a.root, "/paths", [], { HOSTSECRET: join(a.outside, "secret") });
    assert.equal(native.status, 0, `chroot run: ${describeEnd(native)}\n${native.stderr.toString()}`);
    const b = buildTree(join(tmp, "lwp"), bin);
    const before = snapshot(b.outside);
    const lwp = runConfined(b.root, "/paths", [], { HOSTSECRET: join(b.outside, "secret") });
    assert.ok(!hasTrace(lwp), stderrTail(lwp));
    const diff = firstDifference(native.stdout, Buffer.from(lwp.stdout.toString().replaceAll(b.outside, a.outside)));
    assert.ok(diff === undefined, `${diff}\nlwp stderr:\n${stderrTail(lwp)}`);
    assert.equal(lwp.status, 0, describeEnd(lwp));
    assert.ok(!lwp.stdout.toString().includes(SECRET), "the guest read the file outside the root");
    assert.deepEqual(snapshot(b.outside), before, "something outside the root changed");
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test("--root: /proc/self/root, cwd, fd and exe stay inside the root", { timeout: 300_000 }, () => {
  const bin = build();
  const tmp = mkdtempSync(join(tmpdir(), "lwp-root-"));
  try {
    const { root, outside } = buildTree(tmp, bin);
    const before = snapshot(outside);
    const r = runConfined(root, "/paths", ["proc"]);
    assert.ok(!hasTrace(r), stderrTail(r));
    assert.equal(r.status, 0, `${describeEnd(r)}\n${stderrTail(r)}`);
    // What Linux gives a process whose root is this tree and whose /proc is mounted.
    assert.equal(
      r.stdout.toString(),
      [
        "/proc/self/root: -> /",
        '/proc/self/root/etc/secret: "inside"',
        '/proc/self/root/../../etc/secret: "inside"',
        "chdir /sub: ok",
        "/proc/self/cwd: -> /sub",
        '/proc/self/cwd/../etc/secret: "inside"',
        '/proc/self/fd/N/up: "inside"',
        '/proc/self/fd/N/../../..: "inside"',
        "/proc/self/exe: -> /paths",
        "symlink to /proc/self/root: ok",
        'through it: "inside"',
        "",
      ].join("\n"),
    );
    assert.deepEqual(snapshot(outside), before);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
