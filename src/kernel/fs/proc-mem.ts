// SPDX-License-Identifier: MIT
// The parts of /proc/PID that read or write a process's memory (fs/proc/base.c):
// mem (FOLL_FORCE: protection is ignored, a private page is copied on write, a
// read-only shared page is not writable, an unmapped page is EIO), cmdline and
// environ (the strings exec placed, as they are now), auxv (saved_auxv), and
// the ptrace access check that guards them (kernel/ptrace.c __ptrace_may_access).
import { PAGE_SIZE, PROT_WRITE } from "../../hw/memory/address-space.js";
import { CAP_SYS_PTRACE } from "../cred.js";
import { EINVAL, EIO } from "../errno.js";
import type { Mm, Process } from "../process.js";
import type { Task } from "../task.js";
import { areaAtOrBelow } from "../mm/vm.js";
import type { OpenFile } from "./files.js";

/**
 * Whether `reader` may look into `target` (PTRACE_MODE_*_FSCREDS): the same
 * process, or the reader's fsuid/fsgid equal to all of the target's ids with no
 * capability the reader lacks, or CAP_SYS_PTRACE.
 */
export function ptraceMayAccess(reader: Task, target: Process): boolean {
  if (reader.proc === target) return true;
  const c = reader.cred,
    tc = target.leader.cred;
  if (c.capable(CAP_SYS_PTRACE)) return true;
  const ids =
    c.fsuid === tc.uid &&
    c.fsuid === tc.euid &&
    c.fsuid === tc.suid &&
    c.fsgid === tc.gid &&
    c.fsgid === tc.egid &&
    c.fsgid === tc.sgid;
  return ids && (tc.capPermitted & ~c.capPermitted) === 0n;
}

/** /proc/PID/cmdline (get_mm_cmdline): the argument strings, or up to the first NUL when setproctitle overwrote the last one. */
export function cmdlineBytes(p: Process): Uint8Array {
  if (!p.live) return new Uint8Array(0);
  const { argStart, argEnd } = p.mm.layout,
    mem = p.mem;
  if (argEnd <= argStart) return new Uint8Array(0);
  const lastByte = mem.peek(argEnd - 1, 1);
  if (lastByte.length === 1 && lastByte[0] !== 0) {
    const page = mem.peek(argStart, PAGE_SIZE);
    const z = page.indexOf(0);
    return z < 0 ? page : page.subarray(0, z + 1);
  }
  return mem.peek(argStart, argEnd - argStart);
}

/** /proc/PID/environ: the environment strings' bytes. */
export function environBytes(p: Process): Uint8Array {
  if (!p.live) return new Uint8Array(0);
  const { envStart, envEnd } = p.mm.layout;
  return envEnd > envStart ? p.mem.peek(envStart, envEnd - envStart) : new Uint8Array(0);
}

/** /proc/PID/auxv: the saved auxiliary vector, pairs of 64-bit words up to AT_NULL. */
export function auxvBytes(p: Process): Uint8Array {
  const aux = p.live ? p.mm.auxv : [];
  const v = new DataView(new ArrayBuffer(aux.length * 16));
  aux.forEach(([key, val], i) => {
    v.setBigUint64(16 * i, BigInt(key), true);
    v.setBigUint64(16 * i + 8, BigInt.asUintN(64, BigInt(val)), true);
  });
  return new Uint8Array(v.buffer);
}

/** An open /proc/PID/mem: positions are addresses of the image the process had at open. */
export class ProcMemFile implements OpenFile {
  refs = 1;
  pos = 0;
  constructor(
    readonly path: string,
    public flags: number,
    private readonly proc: Process,
    private readonly mm: Mm,
  ) {}

  private usable(): boolean {
    return this.proc.live && this.proc.mm === this.mm;
  }

  read(buf: Uint8Array, at: number | null): number {
    if ((this.flags & 3) === 1) return -9;
    const pos = at ?? this.pos;
    const got = this.usable() ? this.mm.mem.peek(pos, buf.length) : new Uint8Array(0);
    if (got.length === 0) return buf.length === 0 ? 0 : -EIO;
    buf.set(got);
    if (at === null) this.pos = pos + got.length;
    return got.length;
  }

  write(buf: Uint8Array, at: number | null): number {
    if ((this.flags & 3) === 0) return -9;
    const pos = at ?? this.pos;
    const n = this.usable() ? this.writable(pos, buf.length) : 0;
    if (n === 0) return buf.length === 0 ? 0 : -EIO;
    this.mm.mem.poke(pos, buf.subarray(0, n));
    if (at === null) this.pos = pos + n;
    return n;
  }

  /** Bytes from `addr` that FOLL_FORCE may write: any private page, a shared one only if writable. */
  private writable(addr: number, len: number): number {
    const areas = this.mm.mem.areas();
    let at = addr;
    while (at < addr + len) {
      const v = at >= 0 ? areaAtOrBelow(areas, at) : undefined;
      if (v === undefined || v.end <= at) break;
      if (v.obj !== null && v.cow !== true && (v.prot & PROT_WRITE) === 0) break;
      if (v.obj !== null && !v.obj.hasPage(v.pgoff + Math.floor((at - v.start) / PAGE_SIZE))) break;
      at = Math.min(v.end, addr + len, at - (at % PAGE_SIZE) + PAGE_SIZE);
    }
    return at - addr;
  }

  /** mem_lseek: SEEK_SET and SEEK_CUR only; any offset is valid (addresses are unsigned). */
  seek(offset: number, whence: number): number {
    if (whence === 0) this.pos = offset;
    else if (whence === 1) this.pos += offset;
    else return -EINVAL;
    return this.pos;
  }

  close(): void {}
}
