// SPDX-License-Identifier: MIT
// Program loading for spawn and execve (fs/exec.c, fs/binfmt_elf.c,
// binfmt_script.c): a fresh address space with the ELF image, its PT_INTERP
// dynamic loader, the initial stack and auxv; close-on-exec and signal resets.
import { AddressSpace, PROT_READ, PROT_WRITE } from "../../hw/memory/address-space.js";
import { fam15hModel, fullModel, LEAF1_EDX } from "../../hw/cpu/cpuid.js";
import { EACCES, ENOENT, ENOEXEC } from "../errno.js";
import type { Kernel } from "../kernel.js";
import {
  AT_BASE, AT_CLKTCK, AT_EGID, AT_ENTRY, AT_EUID, AT_FLAGS, AT_GID, AT_HWCAP, AT_HWCAP2, AT_MINSIGSTKSZ,
  AT_PAGESZ, AT_PHDR, AT_PHENT, AT_PHNUM, AT_SECURE, AT_UID, buildInitialStack,
} from "./initial-stack.js";
import { type ElfImage, ExecError, ExecFault, checkElf, loadElf, loadSpan } from "./load-elf.js";
import { Mm, type Process, STACK_SIZE, STACK_TOP } from "../process.js";
import { SIG_IGN } from "../signals.js";
import type { Task } from "../task.js";
import { SS_DISABLE } from "../task.js";
import { hostPathOf } from "../fs/root.js";
import { closingFile } from "../fs/locks.js";

export interface ExecSpec {
  /** Absolute path of the program as the guest sees it (/proc/self/exe, AT_EXECFN). */
  path: string;
  bytes: Uint8Array;
  argv: string[];
  envp: string[];
}

/**
 * Opens a guest file for execution (do_open_execat, may_open with MAY_EXEC) and
 * reads it whole: EACCES for a directory, a file that is not regular, or one
 * without an execute bit the caller may use; bytes or -errno.
 */
export function readExecutable(k: Kernel, path: string, cred: { euid: number; fsuid: number; groups: number[]; fsgid: number } | null = null): Uint8Array | number {
  const hp = hostPathOf(k, path, /* follow */ true);
  const st = k.host.stat(hp, true);
  if (typeof st === "number") return st;
  if ((st.mode & 0o170000) !== 0o100000) return -EACCES;
  if (!mayExec(st, cred)) return -EACCES;
  return readGuestFile(k, path);
}

/** generic_permission's execute check: root needs any x bit, others the bit of their class. */
function mayExec(st: { mode: number; uid: number; gid: number }, cred: { euid: number; fsuid: number; groups: number[]; fsgid: number } | null): boolean {
  const m = st.mode;
  if (cred === null || cred.fsuid === 0) return (m & 0o111) !== 0;
  if (st.uid === cred.fsuid) return (m & 0o100) !== 0;
  if (st.gid === cred.fsgid || cred.groups.includes(st.gid)) return (m & 0o010) !== 0;
  return (m & 0o001) !== 0;
}

/** Reads a whole guest file through the host (confined to --root); bytes or -errno. */
function readGuestFile(k: Kernel, path: string): Uint8Array | number {
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
  const bytes = readExecutable(k, interp);
  if (typeof bytes === "number") return bytes === -ENOENT ? -ENOENT : bytes;
  const argv = [interp, ...(m[2] !== "" ? [m[2]!] : []), spec.path, ...spec.argv.slice(1)];
  return resolveScript(k, { path: interp, bytes, argv, envp: spec.envp }, depth + 1);
}

/**
 * Replaces `p`'s image with `spec`. Throws ExecError (with execve's errno)
 * before the point of no return; a failure after it (a segment Linux cannot
 * map) leaves the process with an empty image and a fatal SIGSEGV: returns false.
 */
export function execImage(k: Kernel, p: Process, t: Task, spec: ExecSpec): boolean {
  const elf = checkExec(spec.bytes);
  const interp = elf.interp === null ? null : checkInterp(k, elf.interp);
  const mm = new Mm(new AddressSpace(), k.opts.cpu === "fam15h" ? fam15hModel() : fullModel(), k.lwpRandom);
  const old = p.mm;
  p.mm = mm;
  if (old.loaded === t) old.loaded = null;
  old.release();
  try {
    const img = loadElf(mm.mem, elf);
    const entry = interp !== null ? loadInterp(p, elf.interp!, interp) : { entry: img.entry, base: 0 };
    finishExec(k, p, t, spec, img, entry);
    return true;
  } catch (e) {
    if (!(e instanceof ExecFault)) throw e;
    p.exePath = spec.path;
    resetTask(t, 0, 0);
    resetProcess(p);
    return false;
  }
}

/** The executable's own header checks (ENOEXEC, EIO). */
function checkExec(bytes: Uint8Array): ElfImage {
  return checkElf(bytes);
}

/** open_exec of PT_INTERP and its header checks, all before the point of no return. */
function checkInterp(k: Kernel, path: string): ElfImage {
  const bytes = readExecutable(k, path);
  if (typeof bytes === "number") throw new ExecError(`cannot load interpreter ${path} (errno ${-bytes})`, -bytes);
  return checkElf(bytes);
}

function loadInterp(p: Process, path: string, elf: ElfImage): { entry: number; base: number } {
  const base = p.findFree(loadSpan(elf));
  if (base < 0) throw new ExecFault("no room for the interpreter");
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
  resetProcess(p);
}

/** What exec does to the process whatever happens after the point of no return: close-on-exec, handlers reset. */
function resetProcess(p: Process): void {
  for (const [fd, f] of p.fds.entries()) {
    if (!p.fds.cloexec(fd)) continue;
    closingFile(p.kernel, p.pid, f);
    p.fds.close(fd);
  }
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
