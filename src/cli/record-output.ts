// SPDX-License-Identifier: MIT
// The data file of `lwp record`, kept safe as perf keeps perf.data: -o is checked
// before the program starts (not the program itself, not a directory, a writable
// place), the profile is written to a temporary file in the same directory while
// recording, and renamed into place at the end; an existing file becomes NAME.old.
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  lstatSync,
  openSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
  constants,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { ByteFile } from "../tools/format/stream-writer.js";
import { errnoText, fileKind } from "./files.js";
import { CliError } from "./run-command.js";

export class RecordOutput implements ByteFile {
  private closed = false;

  private constructor(
    readonly path: string,
    readonly temp: string,
    private readonly fd: number,
  ) {}

  /**
   * Checks `path` and opens its temporary file; `program` is the host path of the
   * profiled program. Throws a CliError (status 2) before anything runs.
   */
  static open(path: string, program: string): RecordOutput {
    const fail = (why: string): never => {
      throw new CliError(`lwp: cannot write '${path}': ${why}`, 2);
    };
    if (path === "") fail("empty file name");
    const abs = resolve(path);
    let st;
    try {
      st = statSync(abs);
    } catch {
      st = undefined;
    }
    if (st !== undefined) {
      if (st.isDirectory()) fail("Is a directory");
      if (!st.isFile()) fail(`it is ${fileKind(st)}, not a regular file`);
      const prog = statSync(program, { throwIfNoEntry: false });
      if (prog !== undefined && prog.dev === st.dev && prog.ino === st.ino) {
        throw new CliError(`lwp: refusing to write the profile over the profiled program '${path}' (-o)`, 2);
      }
    }
    const dir = dirname(abs);
    const temp = join(dir, `.${basename(abs)}.${process.pid}.tmp`);
    let fd: number;
    try {
      fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
    } catch (e) {
      return fail(errnoText(e));
    }
    return new RecordOutput(abs, temp, fd);
  }

  write(bytes: Uint8Array, position: number): void {
    let at = 0;
    try {
      while (at < bytes.length) at += writeSync(this.fd, bytes, at, bytes.length - at, position + at);
    } catch (e) {
      this.abandon();
      throw new CliError(`lwp: cannot write '${this.path}': ${errnoText(e)} (the previous file, if any, is untouched)`);
    }
  }

  /** Makes the file durable and renames it into place; an existing file is kept as NAME.old. */
  commit(): void {
    try {
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.closed = true;
      if (existsSync(this.path) && lstatSync(this.path).isFile()) renameSync(this.path, `${this.path}.old`);
      renameSync(this.temp, this.path);
    } catch (e) {
      this.abandon();
      throw new CliError(`lwp: cannot write '${this.path}': ${errnoText(e)}`);
    }
  }

  /** Removes the temporary file (nothing else is touched). */
  abandon(): void {
    if (!this.closed) {
      try {
        closeSync(this.fd);
      } catch {
        /* already closed */
      }
      this.closed = true;
    }
    try {
      unlinkSync(this.temp);
    } catch {
      /* gone */
    }
  }

  /** Bytes written so far (for the summary line). */
  size(): number {
    return this.closed ? statSync(this.path).size : fstatSync(this.fd).size;
  }
}
