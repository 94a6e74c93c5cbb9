// SPDX-License-Identifier: MIT
// A set-associative, LRU, inclusive-enough three-level data cache for LWP event 4
// (DCache misses, LWP spec §4.1). Sizes default to Family 15h (CPUID 8000_0005/6):
// L1D 16 KiB 4-way, L2 2 MiB 16-way, L3 8 MiB 64-way, 64-byte lines.

interface CacheLevelConfig {
  readonly size: number;
  readonly ways: number;
  /** Load-to-use latency in cycles when the data is found at this level. */
  readonly latency: number;
}

export interface CacheConfig {
  readonly line: number;
  readonly l1: CacheLevelConfig;
  readonly l2: CacheLevelConfig;
  readonly l3: CacheLevelConfig;
  readonly memoryLatency: number;
}

export const FAM15H_CACHES: CacheConfig = {
  line: 64,
  l1: { size: 16 * 1024, ways: 4, latency: 4 },
  l2: { size: 2 * 1024 * 1024, ways: 16, latency: 20 },
  l3: { size: 8 * 1024 * 1024, ways: 64, latency: 65 },
  memoryLatency: 200,
};

/** Levels an access is served from (the D-cache record's level field). */
export const LEVEL = { L1: 1, L2: 2, L3: 3, DRAM: 4 } as const;

class Level {
  private readonly sets: number;
  private readonly tags: Float64Array;
  private readonly stamp: Float64Array;
  private clock = 0;

  constructor(
    cfg: CacheLevelConfig,
    line: number,
    readonly ways = cfg.ways,
  ) {
    this.sets = Math.max(1, Math.floor(cfg.size / line / ways));
    this.tags = new Float64Array(this.sets * ways).fill(-1);
    this.stamp = new Float64Array(this.sets * ways);
  }

  /** Looks a line up; on a miss it is filled (LRU victim). Returns whether it hit. */
  access(lineNo: number): boolean {
    const base = (lineNo % this.sets) * this.ways;
    const t = this.tags,
      s = this.stamp;
    this.clock++;
    let victim = base;
    for (let w = base; w < base + this.ways; w++) {
      if (t[w] === lineNo) {
        s[w] = this.clock;
        return true;
      }
      if (s[w]! < s[victim]!) victim = w;
    }
    t[victim] = lineNo;
    s[victim] = this.clock;
    return false;
  }
}

export class CacheModel {
  private readonly l1: Level;
  private readonly l2: Level;
  private readonly l3: Level;
  /** Latency of the last access (cycles). */
  latency = 0;

  constructor(readonly cfg: CacheConfig = FAM15H_CACHES) {
    this.l1 = new Level(cfg.l1, cfg.line);
    this.l2 = new Level(cfg.l2, cfg.line);
    this.l3 = new Level(cfg.l3, cfg.line);
  }

  /** One load of `addr`: returns the level that served it (LEVEL) and sets `latency`. */
  load(addr: number): number {
    const line = Math.floor(addr / this.cfg.line);
    if (this.l1.access(line)) return this.served(LEVEL.L1, this.cfg.l1.latency);
    if (this.l2.access(line)) return this.served(LEVEL.L2, this.cfg.l2.latency);
    if (this.l3.access(line)) return this.served(LEVEL.L3, this.cfg.l3.latency);
    return this.served(LEVEL.DRAM, this.cfg.memoryLatency);
  }

  private served(level: number, latency: number): number {
    this.latency = latency;
    return level;
  }
}
