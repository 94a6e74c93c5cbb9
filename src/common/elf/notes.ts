// SPDX-License-Identifier: MIT
// ELF note entries (gABI "Note Section") and the GNU build-id note
// (NT_GNU_BUILD_ID in .note.gnu.build-id or any PT_NOTE segment).
import { PT_NOTE, SHT_NOTE, type ElfFile, programHeadersAt, type ReadAt } from "./elf.js";

const NT_GNU_BUILD_ID = 3;

/** One note: namesz/descsz/type header, then name and desc, each padded to 4 bytes. */
interface ElfNote {
  readonly name: string;
  readonly type: number;
  readonly desc: Uint8Array;
}

const align4 = (n: number): number => (n + 3) & ~3;

/** Parses the notes in a note section or segment; stops quietly at a truncated entry. */
function parseNotes(bytes: Uint8Array): ElfNote[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: ElfNote[] = [];
  let o = 0;
  while (o + 12 <= bytes.length) {
    const namesz = v.getUint32(o, true);
    const descsz = v.getUint32(o + 4, true);
    const type = v.getUint32(o + 8, true);
    const nameAt = o + 12;
    const descAt = nameAt + align4(namesz);
    if (descAt + descsz > bytes.length) break;
    const nameBytes = bytes.subarray(nameAt, nameAt + namesz);
    const nul = nameBytes.indexOf(0);
    const name = String.fromCharCode(...(nul >= 0 ? nameBytes.subarray(0, nul) : nameBytes));
    out.push({ name, type, desc: bytes.subarray(descAt, descAt + descsz) });
    o = descAt + align4(descsz);
  }
  return out;
}

function findBuildId(notes: readonly ElfNote[]): string | undefined {
  const n = notes.find((x) => x.name === "GNU" && x.type === NT_GNU_BUILD_ID);
  return n === undefined ? undefined : Array.from(n.desc, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The GNU build-id as lowercase hex (as `readelf -n` prints it), or undefined. */
export function readBuildId(elf: ElfFile): string | undefined {
  for (const s of elf.sections) {
    if (s.shType !== SHT_NOTE) continue;
    const id = findBuildId(parseNotes(elf.sectionBytes(s)));
    if (id !== undefined) return id;
  }
  for (const ph of elf.programHeaders) {
    if (ph.pType !== PT_NOTE) continue;
    const id = findBuildId(parseNotes(elf.segmentBytes(ph)));
    if (id !== undefined) return id;
  }
  return undefined;
}

/** Most bytes of one PT_NOTE segment `readBuildIdAt` reads (notes are a few hundred bytes). */
const MAX_NOTE_BYTES = 1024 * 1024;

/**
 * The GNU build-id of an ELF file from its PT_NOTE segments, read through `read` (the
 * headers and the notes, not the whole file), or undefined when none holds one; throws
 * ElfError for a file that is not ELF64 x86-64. A loadable file's build-id note is in a
 * PT_NOTE segment, so this agrees with `readBuildId` wherever it finds one.
 */
export function readBuildIdAt(read: ReadAt): string | undefined {
  for (const ph of programHeadersAt(read)) {
    if (ph.pType !== PT_NOTE || ph.pFilesz > MAX_NOTE_BYTES) continue;
    const id = findBuildId(parseNotes(read(ph.pOffset, ph.pFilesz)));
    if (id !== undefined) return id;
  }
  return undefined;
}
