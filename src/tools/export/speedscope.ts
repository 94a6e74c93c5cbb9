// SPDX-License-Identifier: MIT
// speedscope file format export (https://www.speedscope.app/file-format-schema.json):
// one "sampled" profile per event and thread, frames shared, weights = event periods.
import { sampleSeconds } from "./text-formats.js";
import type { Frame, Session } from "../session/session.js";

export const SPEEDSCOPE_SCHEMA = "https://www.speedscope.app/file-format-schema.json";

interface SpeedscopeFrame {
  name: string;
  file?: string;
  line?: number;
}
interface SampledProfile {
  type: "sampled";
  name: string;
  unit: "none";
  startValue: number;
  endValue: number;
  samples: number[][];
  weights: number[];
}

/** speedscope JSON text: profiles ordered by event, then by thread creation. */
export function formatSpeedscope(s: Session, events?: ReadonlySet<number>): string {
  const frames: SpeedscopeFrame[] = [];
  const index = new Map<string, number>();
  /** A function's frame: its source file and the first line seen (else its DSO). */
  const frameId = (f: Frame): number => {
    const key = `${f.dso}\0${f.symbol}`;
    let i = index.get(key);
    if (i === undefined) {
      i = frames.length;
      frames.push(
        f.file === undefined
          ? { name: f.symbol, file: f.dso }
          : { name: f.symbol, file: f.file, ...(f.line === undefined ? {} : { line: f.line }) },
      );
      index.set(key, i);
    } else {
      const fr = frames[i]!;
      if (
        f.file !== undefined &&
        f.line !== undefined &&
        (fr.file === f.dso || (fr.file === f.file && (fr.line ?? Infinity) > f.line))
      ) {
        fr.file = f.file;
        fr.line = f.line;
      }
    }
    return i;
  };
  const profiles: SampledProfile[] = [];
  const tids = [...new Set(s.samples.map((x) => x.tid))];
  for (const e of s.events) {
    if (e.samples === 0 || (events !== undefined && !events.has(e.event.id))) continue;
    for (const tid of tids) {
      const mine = s.samples.filter((x) => x.tid === tid && x.event.eventId === e.event.id);
      const first = mine[0];
      if (first === undefined) continue;
      const weights = mine.map((x) => x.weight);
      profiles.push({
        type: "sampled",
        name: `${e.event.name}: ${first.comm} ${first.pid}/${tid}`,
        unit: "none",
        startValue: 0,
        endValue: weights.reduce((a, b) => a + b, 0),
        samples: mine.map((x) => [...x.callchain].reverse().map(frameId)),
        weights,
      });
    }
  }
  const first = s.samples[0];
  const doc = {
    $schema: SPEEDSCOPE_SCHEMA,
    name: `lwp: ${s.meta.command.join(" ")} (seed ${s.meta.seed}${first === undefined ? "" : `, first sample at ${sampleSeconds(s, first)} s`})`,
    exporter: "lwp",
    activeProfileIndex: 0,
    shared: { frames },
    profiles,
  };
  return `${JSON.stringify(doc)}\n`;
}
