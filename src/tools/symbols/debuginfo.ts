// SPDX-License-Identifier: MIT
// Separate debug information, found as gdb and perf find it (gdb manual "Debugging
// Information in Separate Files"): by build-id under DEBUGDIR/.build-id/xx/rest.debug,
// then by .gnu_debuglink (file name + CRC-32) next to the file, in its .debug/
// subdirectory and under DEBUGDIR/<its directory>. Pure: files come from a loader.
import { ElfFile } from "../../common/elf/elf.js";
import { readBuildId } from "../../common/elf/notes.js";

/** Where to look: debug directories (default /usr/lib/debug) and a --symfs prefix. */
export interface DebugSearch {
  readonly debugDirs: readonly string[];
}

export const DEFAULT_DEBUG_DIRS: readonly string[] = ["/usr/lib/debug"];

/** A found debug file. */
export interface DebugFile {
  readonly path: string;
  readonly bytes: Uint8Array;
  readonly elf: ElfFile;
}

const CRC_TABLE = ((): Uint32Array => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = (c & 1) !== 0 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (ISO-HDLC, as zlib and gnu_debuglink compute it). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** .gnu_debuglink: NUL-terminated file name, padding to 4, u32 CRC. */
export function readDebugLink(elf: ElfFile): { name: string; crc: number } | undefined {
  const s = elf.findSection(".gnu_debuglink");
  if (s === undefined) return undefined;
  const b = elf.sectionBytes(s);
  const end = b.indexOf(0);
  if (end <= 0) return undefined;
  const at = (end + 4) & ~3;
  if (at + 4 > b.length) return undefined;
  const name = new TextDecoder().decode(b.subarray(0, end));
  if (name.includes("/")) return undefined;
  const crc = new DataView(b.buffer, b.byteOffset + at, 4).getUint32(0, true);
  return { name, crc };
}

function parse(bytes: Uint8Array | undefined): ElfFile | undefined {
  if (bytes === undefined) return undefined;
  try {
    return ElfFile.parse(bytes);
  } catch {
    return undefined;
  }
}

const dirname = (p: string): string => p.slice(0, Math.max(0, p.lastIndexOf("/"))) || "/";

/** Paths tried for a build-id, in order. */
export function buildIdPaths(buildId: string, search: DebugSearch): string[] {
  if (!/^[0-9a-f]{4,}$/.test(buildId)) return [];
  return search.debugDirs.map((d) => `${d}/.build-id/${buildId.slice(0, 2)}/${buildId.slice(2)}.debug`);
}

/** Paths tried for a debuglink name of the file at `path`, in order. */
export function debugLinkPaths(path: string, name: string, search: DebugSearch): string[] {
  const dir = dirname(path);
  const d = dir === "/" ? "" : dir;
  return [`${d}/${name}`, `${d}/.debug/${name}`, ...search.debugDirs.map((x) => `${x}${d}/${name}`)];
}

/**
 * The separate debug file of the file at `path` (recorded build-id `buildId`, or
 * the file's own), or undefined. A build-id match must be exact; a debuglink match
 * must have the CRC the link records.
 */
export function findDebugFile(
  path: string,
  elf: ElfFile | undefined,
  buildId: string,
  load: (p: string) => Uint8Array | undefined,
  search: DebugSearch,
): DebugFile | undefined {
  const id = buildId !== "" ? buildId : elf === undefined ? "" : (readBuildId(elf) ?? "");
  for (const p of buildIdPaths(id, search)) {
    const bytes = load(p);
    const d = parse(bytes);
    if (d !== undefined && bytes !== undefined && readBuildId(d) === id) return { path: p, bytes, elf: d };
  }
  const link = elf === undefined ? undefined : readDebugLink(elf);
  if (link === undefined) return undefined;
  for (const p of debugLinkPaths(path, link.name, search)) {
    if (p === path) continue;
    const bytes = load(p);
    if (bytes === undefined || crc32(bytes) !== link.crc) continue;
    const d = parse(bytes);
    if (d !== undefined) return { path: p, bytes, elf: d };
  }
  return undefined;
}
