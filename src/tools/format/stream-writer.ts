// SPDX-License-Identifier: MIT
// lwpdata writer that streams SAMPLES to a file while recording (memory stays flat
// however many samples): the header and section table are reserved at offset 0,
// SAMPLES follow, the small sections are appended at the end and the table is
// written last (docs/formats/lwpdata.md §3: sections may be in any order).
import {
  HEADER_SIZE,
  SECTION,
  SECTION_ENTRY_SIZE,
  type LwpData,
  type LwpSample,
  type SectionEntry,
  encodeHeader,
  encodeMetaSections,
  encodeSamples,
} from "./writer.js";

/** Where the bytes go: positional writes (a file descriptor, or memory in tests). */
export interface ByteFile {
  write(bytes: Uint8Array, position: number): void;
}

/** Samples are encoded in batches of this many before they are written. */
const BATCH = 4096;
const TABLE_BYTES = HEADER_SIZE + 6 * SECTION_ENTRY_SIZE;

export class LwpDataStream {
  private pending: LwpSample[] = [];
  private end = TABLE_BYTES;
  private samplesBytes = 0;
  /** Samples written so far (the file holds them once `flush` or `finish` ran). */
  count = 0;

  constructor(private readonly file: ByteFile) {
    // A header with no sections until `finish`: a reader of a half-written file sees no samples.
    file.write(new Uint8Array(TABLE_BYTES), 0);
  }

  sample(s: LwpSample): void {
    this.pending.push(s);
    this.count++;
    if (this.pending.length >= BATCH) this.flush();
  }

  /** Writes the buffered samples. */
  flush(): void {
    if (this.pending.length === 0) return;
    const bytes = encodeSamples(this.pending);
    this.pending = [];
    this.file.write(bytes, this.end);
    this.end += bytes.length;
    this.samplesBytes += bytes.length;
  }

  /** Writes the rest of the file and the section table; returns the file's size. */
  finish(rest: Omit<LwpData, "samples">): number {
    this.flush();
    const entries: SectionEntry[] = [];
    for (const [type, bytes] of encodeMetaSections(rest)) {
      entries.push({ type, offset: this.end, size: bytes.length });
      const padded = new Uint8Array(Math.ceil(bytes.length / 8) * 8);
      padded.set(bytes);
      this.file.write(padded, this.end);
      this.end += padded.length;
    }
    entries.splice(3, 0, { type: SECTION.SAMPLES, offset: TABLE_BYTES, size: this.samplesBytes });
    this.file.write(encodeHeader(entries), 0);
    return this.end;
  }
}
