// SPDX-License-Identifier: MIT
// Reading the files a user names (PROGRAM, -i) and the files a profile names (its
// mappings) safely: only regular files, opened without blocking (a FIFO never hangs
// the open) and never more than a size limit, so a device, FIFO or socket (a file
// that never ends) is refused with one line instead of read forever.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";
import { ElfFile, type ReadAt } from "../common/elf/elf.js";
import { readBuildId, readBuildIdAt } from "../common/elf/notes.js";

/** Largest program `lwp run` loads, and largest lwpdata file the tools read. */
export const MAX_INPUT_BYTES = 2 * 1024 * 1024 * 1024 - 1;
/** Largest mapped file (or separate debug file) the symbolizer reads. */
export const MAX_SYMBOL_FILE_BYTES = 1024 * 1024 * 1024;

/** A file that cannot be read; `reason` is the one-line why ("No such file or directory"). */
export class FileRefused extends Error {
  constructor(
    readonly reason: string,
    readonly code: string,
  ) {
    super(reason);
  }
}

const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOENT: "No such file or directory",
  EACCES: "Permission denied",
  EISDIR: "Is a directory",
  ENOTDIR: "Not a directory",
  ELOOP: "Too many levels of symbolic links",
  EPERM: "Operation not permitted",
  ENAMETOOLONG: "File name too long",
  EROFS: "Read-only file system",
  ENOSPC: "No space left on device",
  EEXIST: "File exists",
  EMFILE: "Too many open files",
  ENXIO: "No such device or address",
  EIO: "Input/output error",
  EDQUOT: "Disk quota exceeded",
  EFBIG: "File too large",
};

/** strerror-style text for a Node fs error. */
export function errnoText(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  return typeof code === "string" ? (ERRNO_TEXT[code] ?? code) : String((e as Error).message ?? e);
}

/** What kind of non-regular file `st` is, for messages ("a FIFO"). */
export function fileKind(st: Stats): string {
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a FIFO";
  if (st.isSocket()) return "a socket";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  return st.isFile() ? "a regular file" : "not a regular file";
}

/**
 * Reads a regular file of at most `limit` bytes. Throws FileRefused with a one-line
 * reason otherwise: errno text, "Is a directory", "is a FIFO, not a regular file", or
 * "larger than the N MiB limit".
 */
export function readRegularFile(path: string, limit: number): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    throw new FileRefused(errnoText(e), String((e as { code?: unknown }).code ?? "EIO"));
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new FileRefused("Is a directory", "EISDIR");
    if (!st.isFile()) throw new FileRefused(`is ${fileKind(st)}, not a regular file`, "EINVAL");
    if (st.size > limit) throw new FileRefused(`is larger than the ${Math.floor(limit / 1048576)} MiB limit`, "EFBIG");
    const out = new Uint8Array(st.size);
    let at = 0;
    while (at < out.length) {
      const n = readSync(fd, out, at, out.length - at, at);
      if (n === 0) break; // truncated while we read: take what is there
      at += n;
    }
    return at === out.length ? out : out.subarray(0, at);
  } catch (e) {
    if (e instanceof FileRefused) throw e;
    throw new FileRefused(errnoText(e), String((e as { code?: unknown }).code ?? "EIO"));
  } finally {
    closeSync(fd);
  }
}

/**
 * Calls `use` with positioned reads of the regular file at `path`, then closes it;
 * undefined when it cannot be opened or is not a regular file.
 */
function withRegularFile<T>(path: string, use: (read: ReadAt) => T): T | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch {
    return undefined;
  }
  try {
    if (!fstatSync(fd).isFile()) return undefined;
    return use((offset, length) => {
      const out = new Uint8Array(length);
      let at = 0;
      for (let n; at < length && (n = readSync(fd, out, at, length - at, offset + at)) > 0;) at += n;
      return at === length ? out : out.subarray(0, at);
    });
  } finally {
    closeSync(fd);
  }
}

/**
 * The GNU build-id of a mapped file ("" for none, or for a file that is not ELF64 x86-64
 * or cannot be read). It reads the headers and PT_NOTE segments only: `lwp record` asks
 * for every file a program maps (cc1 is 26 MB, a locale archive 3 MB). The whole file is
 * read only when no PT_NOTE segment holds one (a build-id in a section alone).
 */
export function buildIdOfFile(path: string): string {
  try {
    const id = withRegularFile(path, readBuildIdAt);
    if (id !== undefined) return id;
    return readBuildId(ElfFile.parse(readRegularFile(path, MAX_SYMBOL_FILE_BYTES))) ?? "";
  } catch {
    return ""; // unreadable, not ELF64 x86-64, or corrupt
  }
}
