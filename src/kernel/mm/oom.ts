// SPDX-License-Identifier: MIT
// The OOM killer (mm/oom_kill.c): when the machine has no free frame left (its
// RAM, --memory-limit), the process holding the most memory is killed with
// SIGKILL and one line says so, as the kernel log does; the others go on.
import { PAGE_SIZE } from "../../hw/memory/address-space.js";
import type { Kernel } from "../kernel.js";
import type { Process } from "../process.js";
import { exitGroup } from "../sched/exit.js";
import { SIGKILL } from "../signals.js";

/** How --memory-limit is shown in messages (whole MiB or GiB when it is one). */
function formatBytes(n: number): string {
  if (n % 2 ** 30 === 0) return `${n / 2 ** 30}G`;
  if (n % 2 ** 20 === 0) return `${n / 2 ** 20}M`;
  if (n % 2 ** 10 === 0) return `${n / 2 ** 10}K`;
  return `${n}`;
}

/** Kills the live process with the most resident pages (the first by pid on a tie); returns it, or null. */
export function oomKill(k: Kernel): Process | null {
  let victim: Process | null = null,
    most = -1;
  for (const p of k.procs.values()) {
    if (!p.live || p.liveTasks().length === 0) continue;
    const n = p.mem.mappedPageCount();
    if (n > most) {
      most = n;
      victim = p;
    }
  }
  if (victim === null) return null;
  const limit = k.opts.memoryLimit;
  const name = new TextDecoder().decode(victim.leader.comm);
  k.diag(
    `lwp: out of memory${limit === null ? "" : ` (--memory-limit ${formatBytes(limit)})`}: killed process ${victim.pid} (${name}), ${(most * PAGE_SIZE) / 1024} kB resident`,
  );
  exitGroup(k, victim, 0, SIGKILL);
  return victim;
}
