// SPDX-License-Identifier: MIT
// Blocking I/O on host descriptors never freezes the other guest tasks (issue 11,
// item 3): each program of test/abi/blocking.c runs natively and under `lwp run`
// behind the same shell plumbing (a pipe held open by `sleep`, a FIFO a host
// process writes into) and must print the same.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileStatic, exitCode, lwpCli, repoRoot, runNative, stderrTail } from "../helpers/build-guests.js";

const ENV = { LC_ALL: "C", PATH: "/usr/bin:/bin" };

function build(cc: string, label: string): string {
  const out = join(repoRoot(), "build", "abi", label, "blocking");
  compileStatic(cc, join(repoRoot(), "test", "abi", "blocking.c"), out, ["-O1", "-Wall", "-Wextra", "-pthread"]);
  return out;
}

/** Runs `cmd` through sh with PROG naming the program (natively) or `node lwp run PROG` (emulated). */
function both(bin: string, script: (prog: string) => string): [string, string] {
  const lwp = `${JSON.stringify(process.execPath)} ${JSON.stringify(lwpCli())} run -- ${bin}`;
  const native = runNative("/bin/sh", ["-c", script(bin)], { env: ENV, timeoutMs: 60_000 });
  const emu = runNative("/bin/sh", ["-c", script(lwp)], { env: ENV, timeoutMs: 120_000 });
  assert.equal(exitCode(emu), exitCode(native), stderrTail(emu));
  return [native.stdout.toString(), emu.stdout.toString()];
}

/** Runs argv (a program, or node with lwp's CLI) asynchronously; resolves with its stdout and status. */
function start(
  argv: string[],
  onLine: (line: string) => void = () => {},
): Promise<{ out: string; status: number | null }> {
  const p = spawn(argv[0]!, argv.slice(1), { env: ENV, stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  p.stdout.on("data", (d: Buffer) => {
    const before = out.split("\n").length;
    out += d.toString();
    out
      .split("\n")
      .slice(before - 1, -1)
      .forEach(onLine);
  });
  const timer = setTimeout(() => p.kill("SIGKILL"), 60_000);
  return new Promise((resolve) =>
    p.on("close", (status) => {
      clearTimeout(timer);
      resolve({ out, status });
    }),
  );
}

/** A guest TCP server answers a host client. */
async function serveHostClient(argv: string[]): Promise<string> {
  let reply = "";
  const run = start(argv, (l) => {
    const m = /^port (\d+)$/.exec(l);
    if (m === null) return;
    const c = net.connect(Number(m[1]), "127.0.0.1", () => c.write("hello\n"));
    c.on("data", (d) => {
      reply += d.toString();
    });
  });
  const r = await run;
  return `${r.out.replace(/^port \d+\n/, "")}reply: ${reply}status ${r.status}\n`;
}

/** A guest TCP client talks to a host server. */
async function askHostServer(argv: (port: number) => string[]): Promise<string> {
  const srv = net.createServer((c) => {
    let got = "";
    c.on("data", (d) => {
      got += d.toString();
      if (got.endsWith("\n")) c.end(`you said ${got}`);
    });
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as net.AddressInfo).port;
  const r = await start(argv(port));
  srv.close();
  return `${r.out}status ${r.status}\n`;
}

test("Q-FLOCK: locks that a host process holds are not seen by the guest", { timeout: 180_000 }, () => {
  const bin = build("gcc", "gcc");
  const dir = mkdtempSync(join(tmpdir(), "lwp-lock-"));
  try {
    const f = join(dir, "f");
    const script = (p: string): string => `touch ${f}; flock -x ${f} sleep 2 & sleep 0.5; ${p} lock ${f}; wait`;
    const [native, emu] = both(bin, script);
    assert.equal(native, "got the lock\nflock held by another process\n"); // flock(1) takes a flock(2) lock, which POSIX locks do not see
    assert.equal(emu, "got the lock\ngot the flock\n"); // Linux: as natively
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const [label, cc] of [
  ["gcc", "gcc"],
  ["musl", "musl-gcc"],
] as const) {
  test(`${label}: a guest TCP server on 127.0.0.1 answers a host client`, { timeout: 180_000 }, async () => {
    const bin = build(cc, label);
    const native = await serveHostClient([bin, "server"]);
    assert.equal(native, "served\nreply: echo: hello\nstatus 0\n");
    assert.equal(await serveHostClient([process.execPath, lwpCli(), "run", "--", bin, "server"]), native);
  });

  test(`${label}: a guest TCP client talks to a host server`, { timeout: 180_000 }, async () => {
    const bin = build(cc, label);
    const native = await askHostServer((port) => [bin, "client", String(port)]);
    assert.equal(native, "client got: you said hi there\nstatus 0\n");
    assert.equal(
      await askHostServer((port) => [process.execPath, lwpCli(), "run", "--", bin, "client", String(port)]),
      native,
    );
  });

  test(`${label}: a reader thread blocked on stdin does not stop the ticking main thread`, { timeout: 180_000 }, () => {
    const bin = build(cc, label);
    const [native, emu] = both(bin, (p) => `sleep 30 | ${p}; echo status $?`);
    assert.match(native, /^tick 0\ntick 1\ntick 2\ntick 3\ntick 4\nmain done\nstatus 0\n$/);
    assert.equal(emu, native);
  });

  test(`${label}: a guest reads a FIFO that a host process writes`, { timeout: 180_000 }, () => {
    const bin = build(cc, label);
    const dir = mkdtempSync(join(tmpdir(), "lwp-fifo-"));
    try {
      const f = join(dir, "f");
      const script = (p: string): string =>
        `mkfifo ${f}; (sleep 0.3; echo hello; sleep 0.3; echo world) > ${f} & ${p} fifo ${f}; wait; rm -f ${f}`;
      const [native, emu] = both(bin, script);
      assert.equal(native, "hello\nworld\nfifo: 12 bytes, last read 0\n");
      assert.equal(emu, native);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`${label}: stdin from a slow host pipe is read to its end`, { timeout: 180_000 }, () => {
    const bin = build(cc, label);
    const [native, emu] = both(bin, (p) => `(for i in 1 2 3; do echo line $i; sleep 0.2; done) | ${p} cat`);
    assert.equal(native, "cat: 21 bytes, last read 0\n");
    assert.equal(emu, native);
  });
}
