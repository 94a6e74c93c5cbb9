// SPDX-License-Identifier: MIT
// LWP capability rows per CPU model: CPUID 8000_001C EBX/ECX/EDX (LWP spec §1.2,
// §1.3). fam15h copies the real silicon; full advertises every feature of the spec.

export interface LwpCaps {
  readonly name: "fam15h" | "full";
  /** CPUID 8000_001C EBX: LwpCbSize, LwpEventSize, LwpMaxEvents, LwpEventOffset. */
  readonly ebx: number;
  /** CPUID 8000_001C ECX: latency bits, data address, version, min buffer, filter support. */
  readonly ecx: number;
  /** CPUID 8000_001C EDX: supported events and features. */
  readonly edx: number;
}

/** Bulldozer/Piledriver values (spec §1.3, InstLatx64 and VirtualBox dumps). */
export const FAM15H_LWP: LwpCaps = { name: "fam15h", ebx: 0x80032013, ecx: 0x00010200, edx: 0x8000000f };

/**
 * Every feature of the spec: events 1–6, CONT, PTSC, INT (EDX 0xE000007F); LWPCB of
 * 22 quadwords with EventInterval1 at 0x80, 6 events (EBX); 10-bit latency, data
 * address, version 1, min buffer 32 records, branch prediction, IP filtering,
 * cache levels and latency filters (ECX).
 */
export const FULL_LWP: LwpCaps = { name: "full", ebx: 0x80062016, ecx: 0xf001022a, edx: 0xe000007f };

/** Decoded geometry of a capability row. */
export interface LwpGeometry {
  readonly cbBytes: number;
  readonly eventSize: number;
  readonly maxEvents: number;
  readonly eventOffset: number;
  readonly minBufferBytes: number;
  readonly latencyBits: number;
  readonly dataAddress: boolean;
  readonly branchPrediction: boolean;
  readonly ipFiltering: boolean;
  readonly cacheLevels: boolean;
  readonly cacheLatency: boolean;
}

export function geometry(c: LwpCaps): LwpGeometry {
  const eventSize = (c.ebx >>> 8) & 0xff;
  return {
    cbBytes: (c.ebx & 0xff) * 8,
    eventSize,
    maxEvents: (c.ebx >>> 16) & 0xff,
    eventOffset: c.ebx >>> 24,
    minBufferBytes: ((c.ecx >>> 16) & 0xff) * 32 * eventSize,
    latencyBits: c.ecx & 0x1f,
    dataAddress: (c.ecx & (1 << 5)) !== 0,
    branchPrediction: (c.ecx & (1 << 28)) !== 0,
    ipFiltering: (c.ecx & (1 << 29)) !== 0,
    cacheLevels: (c.ecx & (1 << 30)) !== 0,
    cacheLatency: (c.ecx & (1 << 31)) !== 0,
  };
}

/** CPUID 8000_001C for a unit: EAX = enabled subset when XCR0[62] (Xen's model, spec §1.2). */
export function lwpCpuidLeaf(caps: LwpCaps, xcr0Lwp: boolean, cfgLo: number): [number, number, number, number] {
  const eax = xcr0Lwp ? ((caps.edx & cfgLo & ~1) | 1) >>> 0 : 0;
  return [eax, caps.ebx >>> 0, caps.ecx >>> 0, caps.edx >>> 0];
}
