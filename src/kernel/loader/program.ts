// SPDX-License-Identifier: MIT
// Program loading for spawn and execve (fs/exec.c, fs/binfmt_elf.c,
// binfmt_script.c): a fresh address space with the ELF image, its PT_INTERP
// dynamic loader, the initial stack and auxv; close-on-exec and signal resets.
import { AddressSpace, PROT_EXEC, PROT_READ, PROT_WRITE } from "../../hw/memory/address-space.js";
import type { MemObject } from "../../hw/memory/mem-object.js";
import { fam15hModel, fullModel, LEAF1_EDX } from "../../hw/cpu/cpuid.js";
import { EACCES, EISDIR, ENOENT, ENOEXEC, ENOMEM } from "../errno.js";
import type { Kernel } from "../kernel.js";
import {
  AT_BASE,
  AT_CLKTCK,
  AT_EGID,
  AT_ENTRY,
  AT_EUID,
  AT_FLAGS,
  AT_GID,
  AT_HWCAP,
  AT_HWCAP2,
  AT_MINSIGSTKSZ,
  AT_PAGESZ,
  AT_PHDR,
  AT_PHENT,
  AT_PHNUM,
  AT_SECURE,
  AT_UID,
  buildInitialStack,
  type StackLayout,
} from "./initial-stack.js";
import { type ElfImage, ExecError, ExecFault, checkElf, loadElf, loadSpan } from "./load-elf.js";
import { Mm, type Process, STACK_TOP } from "../process.js";
import { SIG_IGN } from "../signals.js";
import type { Task } from "../task.js";
import { SS_DISABLE } from "../task.js";
import { openFollowing } from "../fs/open-host.js";
import { closingFile } from "../fs/locks.js";
import { attachStack, mmapBase, pageDown, STACK_EXPAND } from "../mm/vm.js";
import { RLIMIT_STACK } from "../mm/rlimit.js";

export interface ExecSpec {
  /** Absolute path of the program as the guest sees it (/proc/self/exe, AT_EXECFN). */
  path: string;
  bytes: Uint8Array;
  argv: string[];
  envp: string[];
  /** The name the task takes (comm): the basename of the file execve was given, a script's rather than its interpreter's. */
  comm?: string;
  /** The file's path without symbolic links (/proc/PID/exe, maps), its device and inode. */
  exe?: string;
  dev?: number;
  ino?: number;
  /** The file's identity and version, and its host name, for the page cache (GuestFile). */
  version?: string;
  hostPath?: string | null;
}

/** Largest program or interpreter file exec reads (the largest buffer the host gives). */
export const MAX_PROGRAM_BYTES = 2 ** 31 - 1;

/** The credentials execute permission is checked against; null: the starting process (root's rule). */
interface ExecCred {
  euid: number;
  fsuid: number;
  groups: number[];
  fsgid: number;
}

/** An executable file read whole: its bytes, its path without symbolic links, device and inode. */
interface GuestFile {
  bytes: Uint8Array;
  exe: string;
  dev: number;
  ino: number;
  /** The file's identity and version (device, inode, size, mtime): the page cache shares images by it. */
  version: string;
  /** The host's name for the file, where the page cache reads its pages from (null: keep `bytes`). */
  hostPath: string | null;
}

/**
 * Opens a guest file for execution (do_open_execat, may_open with MAY_EXEC; the
 * path looked up in the kernel, confined to --root) and reads it whole: EACCES
 * for a directory, a file that is not regular (refused before it is opened, so a
 * FIFO never blocks) or one without an execute bit the caller may use.
 */
export function readExecutable(t: Task, path: string, cred: ExecCred | null = null): GuestFile | number {
  const k = t.proc.kernel;
  const opened = openFollowing(t, path);
  if (typeof opened === "number") return opened === -EISDIR ? -EACCES : opened;
  const fd = opened.fd;
  try {
    const st = k.host.fstat(fd);
    if (typeof st === "number") return st;
    if ((st.mode & 0o170000) !== 0o100000) return -EACCES; // only regular files execute
    if (!mayExec(st, cred)) return -EACCES;
    if (st.size > MAX_PROGRAM_BYTES) return -ENOMEM; // more than the kernel can hold in one buffer
    const buf = new Uint8Array(st.size);
    let n = 0;
    while (n < buf.length) {
      const r = k.host.read(fd, buf.subarray(n), n);
      if (r <= 0) break;
      n += r;
    }
    const version = `${st.dev}:${st.ino}:${n}:${st.mtimeNs}`;
    const hostPath = k.host.fdPath(fd);
    return {
      bytes: buf.subarray(0, n),
      exe: opened.guest,
      dev: st.dev,
      ino: st.ino,
      version,
      hostPath: typeof hostPath === "string" ? hostPath : null,
    };
  } finally {
    k.host.close(fd);
  }
}

/** generic_permission's execute check: root needs any x bit, others the bit of their class. */
function mayExec(st: { mode: number; uid: number; gid: number }, cred: ExecCred | null): boolean {
  const m = st.mode;
  if (cred === null || cred.fsuid === 0) return (m & 0o111) !== 0;
  if (st.uid === cred.fsuid) return (m & 0o100) !== 0;
  if (st.gid === cred.fsgid || cred.groups.includes(st.gid)) return (m & 0o010) !== 0;
  return (m & 0o001) !== 0;
}

const basename = (path: string): string => path.slice(path.lastIndexOf("/") + 1);

/** `#!interp [arg]` scripts become argv [interp, arg?, path, argv[1..]] (binfmt_script). */
export function resolveScript(t: Task, spec: ExecSpec, depth = 0): ExecSpec | number {
  const b = spec.bytes;
  if (b.length < 2 || b[0] !== 0x23 || b[1] !== 0x21) return spec;
  if (depth > 4) return -40;
  const nl = b.indexOf(0x0a);
  const line = new TextDecoder().decode(b.subarray(2, nl < 0 ? Math.min(b.length, 256) : nl)).trim();
  const m = /^(\S+)\s*(.*)$/.exec(line);
  if (m === null) return -ENOEXEC;
  const interp = m[1]!;
  const file = readExecutable(t, interp);
  if (typeof file === "number") return file === -ENOENT ? -ENOENT : file;
  const argv = [interp, ...(m[2] !== "" ? [m[2]!] : []), spec.path, ...spec.argv.slice(1)];
  return resolveScript(
    t,
    { path: interp, ...file, argv, envp: spec.envp, comm: spec.comm ?? basename(spec.path) },
    depth + 1,
  );
}

/**
 * Replaces `p`'s image with `spec`. Throws ExecError (with execve's errno)
 * before the point of no return; a failure after it (a segment Linux cannot
 * map) leaves the process with an empty image and a fatal SIGSEGV: returns false.
 * Anything else thrown while loading (OutOfMemory) gives the old image back.
 */
export function execImage(k: Kernel, p: Process, t: Task, spec: ExecSpec): boolean {
  const elf = checkElf(spec.bytes);
  const interp = elf.interp === null ? null : checkInterp(t, elf.interp);
  const mm = new Mm(new AddressSpace(k.phys), k.opts.cpu === "fam15h" ? fam15hModel() : fullModel(), k.lwpRandom);
  mm.mmapBase = mmapBase(p.rlimits.get(RLIMIT_STACK).soft);
  attachStack(mm, p);
  const old = p.mm;
  p.mm = mm;
  try {
    const img = loadElf(mm.mem, elf, execObject(k, spec), k.ramBytes);
    const entry = interp !== null ? loadInterp(k, p, interp) : { entry: img.entry, base: 0 };
    finishExec(k, p, t, spec, img, entry);
  } catch (e) {
    if (!(e instanceof ExecFault)) {
      p.mm = old;
      mm.release();
      throw e;
    }
    p.exePath = spec.exe ?? spec.path;
    resetTask(t, 0, 0);
    resetProcess(p);
    dropOld(k, t, old);
    return false;
  }
  dropOld(k, t, old);
  return true;
}

/** The page-cache object an executable's segments map (shared by every process running the file). */
function execObject(k: Kernel, f: { bytes: Uint8Array; version?: string; hostPath?: string | null }): MemObject {
  return k.pageCache.forExec(k, f.version ?? null, f.bytes, f.hostPath ?? null);
}

/** The old image goes once the new one is in place (or past the point of no return). */
function dropOld(k: Kernel, t: Task, old: Mm): void {
  if (old.loaded === t) old.loaded = null;
  old.release();
  k.pageCache.collect(k, t.proc.mem);
}

/** open_exec of PT_INTERP and its header checks, all before the point of no return. */
function checkInterp(t: Task, path: string): { file: GuestFile; elf: ElfImage } {
  const file = readExecutable(t, path);
  if (typeof file === "number") throw new ExecError(`cannot load interpreter ${path} (errno ${-file})`, -file);
  return { file, elf: checkElf(file.bytes) };
}

function loadInterp(
  k: Kernel,
  p: Process,
  { file, elf }: { file: GuestFile; elf: ElfImage },
): { entry: number; base: number } {
  const base = p.findFree(loadSpan(elf));
  if (base < 0) throw new ExecFault("no room for the interpreter");
  const img = loadElf(p.mem, elf, execObject(k, file), k.ramBytes, base);
  for (const s of img.segments) p.addMapping({ ...s, path: file.exe, dev: file.dev, ino: file.ino });
  return { entry: img.entry, base: img.bias };
}

type Image = ReturnType<typeof loadElf>;

function finishExec(
  k: Kernel,
  p: Process,
  t: Task,
  spec: ExecSpec,
  img: Image,
  ld: { entry: number; base: number },
): void {
  p.exePath = spec.exe ?? spec.path;
  t.comm = new TextEncoder().encode(spec.comm ?? basename(spec.path)).slice(0, 15);
  const cred = (t.cred = t.cred.clone());
  cred.onExec();
  p.brkStart = p.brk = img.brk;
  const id = spec.dev !== undefined && spec.ino !== undefined ? { dev: spec.dev, ino: spec.ino } : {};
  for (const s of img.segments) p.addMapping({ ...s, path: p.exePath, ...id });
  const enc = new TextEncoder();
  const argv = spec.argv.map((s) => enc.encode(s)),
    envp = spec.envp.map((s) => enc.encode(s)),
    execfn = enc.encode(spec.path);
  const stackStart = initialStackStart(
    p,
    [...argv, ...envp, execfn].reduce((n, b) => n + b.length + 1, 8),
  );
  p.mem.map(stackStart, STACK_TOP - stackStart, PROT_READ | PROT_WRITE);
  p.mm.stackStart = stackStart;
  p.addMapping({ start: stackStart, end: STACK_TOP, prot: PROT_READ | PROT_WRITE, path: "[stack]", offset: 0 });
  const random = new Uint8Array(16);
  k.prng.fill(random);
  const stack = buildInitialStack(p.mem, STACK_TOP, {
    argv,
    envp,
    execfn,
    random,
    aux: [
      [AT_PHDR, img.phdr],
      [AT_PHENT, img.phent],
      [AT_PHNUM, img.phnum],
      [AT_PAGESZ, 4096],
      [AT_BASE, ld.base],
      [AT_FLAGS, 0],
      [AT_ENTRY, img.entry],
      [AT_UID, cred.uid],
      [AT_EUID, cred.euid],
      [AT_GID, cred.gid],
      [AT_EGID, cred.egid],
      [AT_SECURE, 0],
      [AT_HWCAP, LEAF1_EDX],
      [AT_HWCAP2, 0],
      [AT_CLKTCK, 100],
      [AT_MINSIGSTKSZ, 2048],
    ],
  });
  recordLayout(p, img, stack);
  resetTask(t, stack.sp, ld.entry);
  resetProcess(p);
}

/** What exec does to the process whatever happens after the point of no return: close-on-exec (locks released), handlers reset. */
function resetProcess(p: Process): void {
  for (const [fd, f] of p.fds.entries()) {
    if (!p.fds.cloexec(fd)) continue;
    closingFile(p.kernel, p.pid, f);
    p.fds.close(fd);
  }
  for (const [sig, act] of [...p.sigHandlers]) if (act.handler !== SIG_IGN) p.sigHandlers.delete(sig);
  p.mm.loaded = null;
}

/**
 * The stack area exec maps (setup_arg_pages): the pages of the strings and 128 KiB
 * below them, or RLIMIT_STACK's worth when that is less; it grows on faults later.
 */
function initialStackStart(p: Process, stringBytes: number): number {
  const strings = pageDown(STACK_TOP - stringBytes);
  const limit = p.rlimits.cur(RLIMIT_STACK);
  if (STACK_TOP - strings + STACK_EXPAND > limit) return Math.min(strings, pageDown(STACK_TOP - Math.max(limit, 0)));
  return strings - STACK_EXPAND;
}

/** mm_struct's start_code..env_end and saved_auxv, for /proc/PID/stat, cmdline, environ and auxv. */
function recordLayout(p: Process, img: Image, stack: StackLayout): void {
  const code = img.segments.filter((s) => (s.prot & PROT_EXEC) !== 0);
  const data = img.segments.filter((s) => (s.prot & PROT_WRITE) !== 0);
  p.mm.layout = {
    startCode: code[0]?.start ?? 0,
    endCode: code[code.length - 1]?.end ?? 0,
    startData: data[0]?.start ?? 0,
    endData: data[data.length - 1]?.end ?? 0,
    startStack: stack.sp,
    argStart: stack.argStart,
    argEnd: stack.argEnd,
    envStart: stack.envStart,
    envEnd: stack.envEnd,
  };
  p.mm.auxv = stack.auxv;
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
