// SPDX-License-Identifier: MIT
// Program loading for spawn and execve (fs/exec.c, fs/binfmt_elf.c,
// binfmt_script.c): a fresh address space with the ELF image, its PT_INTERP
// dynamic loader, the initial stack and auxv; close-on-exec and signal resets.
import { AddressSpace, PROT_READ, PROT_WRITE } from "../../hw/memory/address-space.js";
import { fam15hModel, fullModel, LEAF1_EDX } from "../../hw/cpu/cpuid.js";
import { ENOENT, ENOEXEC } from "../errno.js";
import type { Kernel } from "../kernel.js";
import {
  AT_BASE, AT_CLKTCK, AT_EGID, AT_ENTRY, AT_EUID, AT_FLAGS, AT_GID, AT_HWCAP, AT_HWCAP2, AT_MINSIGSTKSZ,
  AT_PAGESZ, AT_PHDR, AT_PHENT, AT_PHNUM, AT_SECURE, AT_UID, buildInitialStack,
} from "./initial-stack.js";
import { ExecError, loadElf, loadSpan, parseExecutable } from "./load-elf.js";
import { Mm, type Process, STACK_SIZE, STACK_TOP } from "../process.js";
import { SIG_IGN } from "../signals.js";
import type { Task } from "../task.js";
import { SS_DISABLE } from "../task.js";
import { hostPathOf } from "../fs/root.js";

export interface ExecSpec {
  /** Absolute path of the program as the guest sees it (/proc/self/exe, AT_EXECFN). */
  path: string;
  bytes: Uint8Array;
  argv: string[];
  envp: string[];
}

/** Reads a whole guest file through the host (confined to --root); bytes or -errno. */
export function readGuestFile(k: Kernel, path: string): Uint8Array | number {
  const fd = k.host.open(hostPathOf(k, path, /* follow */ true), 0, 0);
  if (fd < 0) return fd;
  try {
    const st = k.host.fstat(fd);
    if (typeof st === "number") return st;
    if ((st.mode & 0o170000) === 0o040000) return -21;
    const buf = new Uint8Array(st.size);
    let n = 0;
    while (n < buf.length) {
      const r = k.host.read(fd, buf.subarray(n), n);
      if (r <= 0) break;
      n += r;
    }
    return buf.subarray(0, n);
  } finally {
    k.host.close(fd);
  }
}

/** `#!interp [arg]` scripts become argv [interp, arg?, path, argv[1..]] (binfmt_script). */
export function resolveScript(k: Kernel, spec: ExecSpec, depth = 0): ExecSpec | number {
  const b = spec.bytes;
  if (b.length < 2 || b[0] !== 0x23 || b[1] !== 0x21) return spec;
  if (depth > 4) return -40;
  const nl = b.indexOf(0x0a);
  const line = new TextDecoder().decode(b.subarray(2, nl < 0 ? Math.min(b.length, 256) : nl)).trim();
  const m = /^(\S+)\s*(.*)$/.exec(line);
  if (m === null) return -ENOEXEC;
  const interp = m[1]!;
  const bytes = readGuestFile(k, interp);
  if (typeof bytes === "number") return bytes === -ENOENT ? -ENOENT : bytes;
  const argv = [interp, ...(m[2] !== "" ? [m[2]!] : []), spec.path, ...spec.argv.slice(1)];
  return resolveScript(k, { path: interp, bytes, argv, envp: spec.envp }, depth + 1);
}

/** Replaces `p`'s image with `spec` (throws ExecError before the point of no return). */
export function execImage(k: Kernel, p: Process, t: Task, spec: ExecSpec): void {
  const elf = parseExecutable(spec.bytes);
  const mm = new Mm(new AddressSpace(), k.opts.cpu === "fam15h" ? fam15hModel() : fullModel(), k.lwpRandom);
  const old = p.mm;
  p.mm = mm;
  try {
    const img = loadElf(mm.mem, elf);
    const entry = img.interp !== null ? loadInterp(k, p, img.interp) : { entry: img.entry, base: 0 };
    finishExec(k, p, t, spec, img, entry);
    if (old.loaded === t) old.loaded = null;
  } catch (e) {
    p.mm = old;
    mm.release();
    throw e;
  }
  old.release();
}

function loadInterp(k: Kernel, p: Process, path: string): { entry: number; base: number } {
  const bytes = readGuestFile(k, path);
  if (typeof bytes === "number") throw new ExecError(`cannot load interpreter ${path} (errno ${-bytes})`);
  const elf = parseExecutable(bytes);
  const base = p.findFree(loadSpan(elf));
  const img = loadElf(p.mem, elf, base);
  for (const s of img.segments) p.addMapping({ ...s, path });
  return { entry: img.entry, base: img.bias };
}

type Image = ReturnType<typeof loadElf>;

function finishExec(k: Kernel, p: Process, t: Task, spec: ExecSpec, img: Image, ld: { entry: number; base: number }): void {
  p.exePath = spec.path;
  const cred = (t.cred = t.cred.clone());
  cred.onExec();
  p.brkStart = p.brk = img.brk;
  for (const s of img.segments) p.addMapping({ ...s, path: spec.path });
  p.mem.map(STACK_TOP - STACK_SIZE, STACK_SIZE, PROT_READ | PROT_WRITE);
  p.addMapping({ start: STACK_TOP - STACK_SIZE, end: STACK_TOP, prot: PROT_READ | PROT_WRITE, path: "[stack]", offset: 0 });
  const enc = new TextEncoder();
  const random = new Uint8Array(16);
  k.prng.fill(random);
  const sp = buildInitialStack(p.mem, STACK_TOP, {
    argv: spec.argv.map((s) => enc.encode(s)), envp: spec.envp.map((s) => enc.encode(s)),
    execfn: enc.encode(spec.path), random,
    aux: [[AT_PHDR, img.phdr], [AT_PHENT, img.phent], [AT_PHNUM, img.phnum], [AT_PAGESZ, 4096],
      [AT_BASE, ld.base], [AT_FLAGS, 0], [AT_ENTRY, img.entry], [AT_UID, cred.uid], [AT_EUID, cred.euid], [AT_GID, cred.gid], [AT_EGID, cred.egid],
      [AT_SECURE, 0], [AT_HWCAP, LEAF1_EDX], [AT_HWCAP2, 0], [AT_CLKTCK, 100], [AT_MINSIGSTKSZ, 2048]],
  });
  resetTask(t, sp, ld.entry);
  for (const [fd] of p.fds.entries()) if (p.fds.cloexec(fd)) p.fds.close(fd);
  for (const [sig, act] of [...p.sigHandlers]) if (act.handler !== SIG_IGN) p.sigHandlers.delete(sig);
  p.mm.loaded = null;
}

/** The register state execve leaves: zeros, RSP at argc, RIP at the entry, FPU in its init state. */
function resetTask(t: Task, sp: number, entry: number): void {
  const ctx = t.ctx;
  ctx.regs.fill(0);
  ctx.regs[8] = sp % 4294967296;
  ctx.regs[9] = Math.floor(sp / 4294967296);
  ctx.rip = entry;
  ctx.fsBase = 0;
  ctx.gsBase = 0;
  ctx.rflags = 0x202;
  ctx.xsave.fill(0);
  const v = new DataView(ctx.xsave.buffer);
  v.setUint16(0, 0x037f, true);
  v.setUint32(24, 0x1f80, true);
  v.setUint32(28, 0xffff, true);
  v.setUint32(512, 3, true);
  t.altStack = { sp: 0, size: 0, flags: SS_DISABLE };
  t.clearChildTid = 0;
  t.robustList = 0;
}
