// SPDX-License-Identifier: MIT
// The native side: builds runner.c with the system gcc (static, no stack
// protector: the signal handler must not touch the TLS the snippets may not
// preserve) and exchanges batches of in_recs/out_recs with one runner process
// through files, so the runner works while this thread runs the emulator.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { threadId } from "node:worker_threads";
import { join } from "node:path";
import { repoRoot } from "../helpers/build-guests.js";
import { CODE_ADDR, IN_REC, OUT_REC, SCRATCH_PAGE, WIN } from "./state.js";

/** Largest batch the runner accepts in one exchange (runner.c's static arrays). */
export const MAX_BATCH = 4096;

/** Builds the runner when missing or older than its source; returns its path. */
export function buildRunner(): string {
  const root = repoRoot();
  const src = join(root, "test/diff/runner.c");
  const dir = join(root, "dist/test/diff");
  const exe = join(dir, "runner");
  if (existsSync(exe) && statSync(exe).mtimeMs >= statSync(src).mtimeMs) return exe;
  mkdirSync(dir, { recursive: true });
  const tmp = `${exe}.${process.pid}.${threadId}`;
  const r = spawnSync(
    "gcc",
    ["-O2", "-static", "-fno-stack-protector", "-fno-pie", "-no-pie", "-Wall", "-Wextra", "-o", tmp, src],
    { encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`building the native runner failed:\n${r.stderr}`);
  renameSync(tmp, exe); // atomic: a concurrent spawn never sees a half-written file
  return exe;
}

/** Whether native runs are possible here (x86-64 Linux with gcc). */
export function nativeAvailable(): boolean {
  return process.arch === "x64" && process.platform === "linux";
}

/** A fresh directory for batch files: tmpfs when there is one. */
export function batchDir(): string {
  return mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "lwp-diff-"));
}

export class NativeRunner {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly inFile: string;
  private readonly outFile: string;
  private pending: { n: number; resolve: (b: Uint8Array) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;
  private acks = Buffer.alloc(0);

  /** `dir` holds the batch files; it is removed by close() (or by its creator, when given). */
  constructor(
    private readonly dir = batchDir(),
    exe = buildRunner(),
  ) {
    this.inFile = join(dir, "in.bin");
    this.outFile = join(dir, "out.bin");
    const args = [CODE_ADDR.toString(16), SCRATCH_PAGE.toString(16), String(WIN), this.inFile, this.outFile];
    this.proc = spawn(exe, args, { stdio: ["pipe", "pipe", "pipe"] });
    this.proc.stdout.on("data", (d: Buffer) => this.onData(d));
    this.proc.on("exit", (code, sig) => this.fail(new Error(`native runner exited (status ${code}, signal ${sig})`)));
    this.proc.on("error", (e) => this.fail(e));
  }

  private fail(e: Error): void {
    this.failure = e;
    const p = this.pending;
    this.pending = null;
    p?.reject(e);
  }

  private onData(d: Buffer): void {
    this.acks = Buffer.concat([this.acks, d]);
    const p = this.pending;
    if (p === null || this.acks.length < 4) return;
    this.acks = this.acks.subarray(4);
    this.pending = null;
    p.resolve(new Uint8Array(readFileSync(this.outFile)).slice(0, p.n * OUT_REC));
  }

  /**
   * Starts `n` in_recs (concatenated in `input`) on the runner, which works
   * while the caller runs the emulator; resolves with `n` out_recs.
   */
  exchange(input: Uint8Array, n: number): Promise<Uint8Array> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (n > MAX_BATCH || input.length !== n * IN_REC) throw new Error("bad native batch");
    writeFileSync(this.inFile, input);
    return new Promise((resolve, reject) => {
      this.pending = { n, resolve, reject };
      const head = Buffer.alloc(4);
      head.writeUInt32LE(n);
      this.proc.stdin.write(head);
    });
  }

  close(): void {
    this.proc.removeAllListeners("exit");
    this.proc.stdin.end();
    this.proc.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
