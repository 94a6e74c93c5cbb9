// SPDX-License-Identifier: MIT
// A compiled region's exit sites, packed: the run loop reads one back at every region
// exit (why it stopped, where to go on, what did not retire, in which block).
import type { Block } from "../cpu/translate/block.js";
import type { ExitSite } from "./emitter.js";

/** Bits of a site's `info` word: kind (3), then the unretired count (7), then the block's index (6). */
const KIND_BITS = 3;
const ADJ_BITS = 7;
const MAX_BLOCKS = 64;

/**
 * The exit sites of one region as two typed arrays: the continuation RIP of each
 * site, and its kind, unretired count and block index in one 16-bit word. An object
 * per site cost cc1 (111,000 sites in 1,032 regions) about 8 MB of heap, its RIP a
 * heap number of its own where it passes 2^31.
 */
export class RegionExits {
  private readonly rips: Float64Array;
  private readonly info: Uint16Array;

  /** `blockOf[k]` is the index in `blocks` of the block site k is in. */
  constructor(
    private readonly blocks: readonly Block[],
    sites: readonly ExitSite[],
    blockOf: readonly number[],
  ) {
    if (blocks.length > MAX_BLOCKS) throw new Error(`region of ${blocks.length} blocks (at most ${MAX_BLOCKS})`);
    this.rips = new Float64Array(sites.length);
    this.info = new Uint16Array(sites.length);
    sites.forEach((x, k) => {
      if (x.kind >>> KIND_BITS !== 0 || x.adj >>> ADJ_BITS !== 0) {
        throw new Error(`exit site ${k}: kind ${x.kind}, adj ${x.adj}`);
      }
      this.rips[k] = x.rip;
      this.info[k] = x.kind | (x.adj << KIND_BITS) | (blockOf[k]! << (KIND_BITS + ADJ_BITS));
    });
  }

  /** Number of sites. */
  get length(): number {
    return this.info.length;
  }

  kind(k: number): number {
    return this.info[k]! & ((1 << KIND_BITS) - 1);
  }

  /** The RIP to continue at (EXIT_BRANCH/AFTER), the faulting or branching instruction otherwise. */
  rip(k: number): number {
    return this.rips[k]!;
  }

  /** Instructions counted for the site's block that did not retire. */
  adj(k: number): number {
    return (this.info[k]! >> KIND_BITS) & ((1 << ADJ_BITS) - 1);
  }

  /** The block the site is in. */
  block(k: number): Block {
    return this.blocks[this.info[k]! >> (KIND_BITS + ADJ_BITS)]!;
  }
}
