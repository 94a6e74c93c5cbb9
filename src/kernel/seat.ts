// SPDX-License-Identifier: MIT
// A CPU and the address spaces whose tasks run on it. A forked process runs on its
// parent's CPU, with the translated blocks and compiled regions the parent made, for
// as long as both have the same executable pages: a shell's subshells then run the
// shell's compiled code at once instead of translating it anew in each child. A task
// switch between the spaces switches the CPU's address space as a CR3 write would
// (the TLB is emptied). When their code may differ (a write to an executable page, a
// mapping change that covers or makes one), every space but the running one moves to
// a CPU of its own (docs/kernel.md "Tasks and the CPU").
import { Cpu } from "../hw/cpu/cpu.js";
import type { CpuModel } from "../hw/cpu/cpuid.js";
import type { Mm } from "./process.js";
import type { Task } from "./task.js";

export class Seat {
  /** The task whose registers are in `cpu` right now. */
  loaded: Task | null = null;
  /** The Mms whose spaces run on `cpu` (its SpaceSet, in the same order of joining). */
  private readonly members: Mm[];

  constructor(
    readonly cpu: Cpu,
    first: Mm,
  ) {
    this.members = [first];
    cpu.spaces.onDiverge = () => this.split();
  }

  /** A new CPU of `model` for `mm`'s space alone, its LWP unit drawing on `random`. */
  static fresh(mm: Mm, model: CpuModel, random?: () => number): Seat {
    return new Seat(new Cpu(mm.mem, model, random === undefined ? {} : { random }), mm);
  }

  /** `mm` (a fork's copy of a member's space) runs here too. */
  join(mm: Mm): void {
    this.members.push(mm);
    this.cpu.addSpace(mm.mem);
  }

  /** `mm` is done (exit, execve): whether it was the last one (the CPU then has no use). */
  leave(mm: Mm): boolean {
    const i = this.members.indexOf(mm);
    if (i < 0) return false;
    if (this.members.length === 1) return true;
    this.members.splice(i, 1);
    if (this.loaded?.proc.mm === mm) this.loaded = null;
    this.cpu.spaces.remove(mm.mem);
    return false;
  }

  /** Every member but the one the CPU runs in gets a CPU of its own. */
  private split(): void {
    const c = this.cpu;
    for (const mm of [...this.members]) {
      if (mm.mem === c.mem) continue;
      this.leave(mm);
      const s = Seat.fresh(mm, c.model, c.lwp.random);
      s.cpu.xcr0Lo = c.xcr0Lo;
      s.cpu.xcr0Hi = c.xcr0Hi;
      mm.seat = s;
    }
  }
}
