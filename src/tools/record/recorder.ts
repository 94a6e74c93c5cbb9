// SPDX-License-Identifier: MIT
// `lwp record`'s sink: takes what the kernel drains from each task's LWP ring
// (records, call stacks, MissedEvents) and streams the samples into an lwpdata
// file as they come; keeps only the small parts (mappings, threads, lost counts)
// for the end of the file (docs/formats/lwpdata.md).
import type { ProfileSink } from "../../kernel/lwp/profiler.js";
import type { Mapping } from "../../kernel/process.js";
import { eventByName } from "../decode/events.js";
import type { LwpDataStream } from "../format/stream-writer.js";
import type { LwpLost, LwpMap, LwpMeta, LwpThread } from "../format/writer.js";

/** The events `lwp record` and `lwp stat` accept (the kernel samples events 2–6). */
export const RECORDABLE = ["instructions", "branches", "dcache-misses", "cycles", "ref-cycles"] as const;

/** Parses "-e a,b" into EventIds (order kept, duplicates dropped); throws with a one-line message. */
export function parseEvents(list: string): number[] {
  const ids: number[] = [];
  for (const name of list.split(",").map((s) => s.trim())) {
    const row = eventByName(name);
    if (name === "" || row === undefined || !(RECORDABLE as readonly string[]).includes(name)) {
      throw new Error(`unknown event '${name}' (known events: ${RECORDABLE.join(", ")})`);
    }
    if (!ids.includes(row.id)) ids.push(row.id);
  }
  return ids;
}

/** The build-id of a mapped file (lowercase hex), "" for none or an unreadable file. */
export type BuildIdReader = (path: string) => string;

export class Recorder implements ProfileSink {
  readonly maps: LwpMap[] = [];
  readonly lostRecords: LwpLost[] = [];
  private readonly threads = new Map<number, LwpThread>();
  private readonly buildIds = new Map<string, string>();
  /** Samples per tid (for the summary line). */
  readonly perThread = new Map<number, number>();

  constructor(
    private readonly readBuildId: BuildIdReader,
    private readonly out: LwpDataStream,
  ) {}

  thread(pid: number, tid: number, comm: string): void {
    this.threads.set(tid, { pid, tid, comm });
  }

  map(pid: number, m: Mapping): void {
    if (m.path === "" || m.path === "[lwp]") return;
    this.maps.push({
      pid,
      tid: 0,
      start: m.start,
      end: m.end,
      pgoff: m.offset,
      path: m.path,
      buildId: this.buildId(m.path),
    });
  }

  sample(_pid: number, tid: number, record: Uint8Array, callchain: readonly number[]): void {
    this.out.sample({ tid, record, callchain }); // both ours to keep (ProfileSink)
    this.perThread.set(tid, (this.perThread.get(tid) ?? 0) + 1);
  }

  lost(_pid: number, tid: number, missed: number): void {
    this.lostRecords.push({ tid, missedEvents: missed });
  }

  get samples(): number {
    return this.out.count;
  }

  get lostTotal(): number {
    return this.lostRecords.reduce((s, l) => s + l.missedEvents, 0);
  }

  /** Build-id of a mapped file, read when it is first mapped (a later rebuild is detected at report time). */
  private buildId(path: string): string {
    let id = this.buildIds.get(path);
    if (id === undefined) {
      id = path.startsWith("[") ? "" : this.readBuildId(path);
      this.buildIds.set(path, id);
    }
    return id;
  }

  /** Writes the end of the file; threads in creation order (tids are allocated increasing). Returns its size. */
  finish(meta: LwpMeta): number {
    const threads = [...this.threads.values()].sort((a, b) => a.tid - b.tid);
    return this.out.finish({ meta, maps: this.maps, threads, lost: this.lostRecords });
  }
}
