// SPDX-License-Identifier: MIT
// ELF header/segment/section parsing checked against binutils `readelf -lSW` and
// `readelf -n` on programs gcc builds at test time; error cases on crafted headers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ElfError,
  ElfFile,
  ET_DYN,
  ET_EXEC,
  ET_REL,
  PF_R,
  PF_W,
  PF_X,
  PT_DYNAMIC,
  PT_GNU_EH_FRAME,
  PT_GNU_PROPERTY,
  PT_GNU_RELRO,
  PT_GNU_STACK,
  PT_INTERP,
  PT_LOAD,
  PT_NOTE,
  PT_PHDR,
  PT_TLS,
} from "./elf.js";
import { readBuildId, readBuildIdAt } from "./notes.js";

const SOURCE = `
#include <stdio.h>
__thread int tls_counter = 3;
int table[64] = {1};
static int helper(int x) { return x * 3 + table[x & 63]; }
int main(int argc, char **argv) { (void)argv; printf("%d\\n", helper(argc) + tls_counter); return 0; }
`;

const dir = mkdtempSync(join(tmpdir(), "lwp-elf-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

function build(name: string, flags: string[]): string {
  const src = join(dir, "prog.c");
  writeFileSync(src, SOURCE);
  const out = join(dir, name);
  execFileSync("gcc", [...flags, "-o", out, src]);
  return out;
}

const PT_NAMES: Record<string, number> = {
  LOAD: PT_LOAD,
  DYNAMIC: PT_DYNAMIC,
  INTERP: PT_INTERP,
  NOTE: PT_NOTE,
  PHDR: PT_PHDR,
  TLS: PT_TLS,
  GNU_STACK: PT_GNU_STACK,
  GNU_RELRO: PT_GNU_RELRO,
  GNU_EH_FRAME: PT_GNU_EH_FRAME,
  GNU_PROPERTY: PT_GNU_PROPERTY,
};

/** Rows of `readelf -lW`'s program header table: type, offset, vaddr, paddr, filesz, memsz, flags, align. */
function readelfSegments(path: string): string[][] {
  const out = execFileSync("readelf", ["-lW", path], { encoding: "utf8" });
  return out
    .split("\n")
    .filter((l) => /^\s+[A-Z_]+\s+0x[0-9a-f]+\s/.test(l))
    .map((l) => {
      const t = l.trim().split(/\s+/);
      return [...t.slice(0, 6), t.slice(6, -1).join(""), t[t.length - 1] ?? ""];
    });
}

/** Rows of `readelf -SW`: index, name, type, addr, off, size, es, flags, link, info, align. */
function readelfSections(path: string): string[][] {
  const out = execFileSync("readelf", ["-SW", path], { encoding: "utf8" });
  return out
    .split("\n")
    .filter((l) => /^\s+\[\s*\d+\]\s+\S/.test(l) && !/\[\s*0\]/.test(l))
    .map((l) => {
      const m = /^\s+\[\s*(\d+)\]\s+(.*)$/.exec(l);
      const t = (m?.[2] ?? "").trim().split(/\s+/);
      return [m?.[1] ?? "", ...t.slice(0, 6), t.slice(6, -3).join(""), ...t.slice(-3)];
    });
}

function flagLetters(f: number): string {
  return (f & PF_R ? "R" : "") + (f & PF_W ? "W" : "") + (f & PF_X ? "E" : "");
}

function checkAgainstReadelf(path: string): ElfFile {
  const elf = ElfFile.parse(new Uint8Array(readFileSync(path)));
  const segs = readelfSegments(path);
  assert.equal(elf.programHeaders.length, segs.length, "program header count");
  elf.programHeaders.forEach((ph, i) => {
    const [type, off, vaddr, paddr, filesz, memsz, flags, align] = segs[i] ?? [];
    assert.equal(ph.pType, PT_NAMES[type ?? ""] ?? -1, `segment ${i} type ${type}`);
    assert.deepEqual(
      [ph.pOffset, ph.pVaddr, ph.pPaddr, ph.pFilesz, ph.pMemsz, flagLetters(ph.pFlags), ph.pAlign],
      [Number(off), Number(vaddr), Number(paddr), Number(filesz), Number(memsz), flags, Number(align)],
      `segment ${i}`,
    );
  });
  const secs = readelfSections(path);
  assert.equal(elf.sections.length - 1, secs.length, "section count");
  for (const [idx, name, , addr, off, size, es, , link, info, align] of secs) {
    const s = elf.sections[Number(idx)];
    assert.ok(s !== undefined);
    assert.deepEqual(
      [s.name, s.shAddr, s.shOffset, s.shSize, s.shEntsize, s.shLink, s.shInfo, s.shAddralign],
      [
        name,
        parseInt(addr ?? "", 16),
        parseInt(off ?? "", 16),
        parseInt(size ?? "", 16),
        parseInt(es ?? "", 16),
        Number(link),
        Number(info),
        Number(align),
      ],
      `section ${idx}`,
    );
  }
  return elf;
}

test("ElfFile.parse() matches readelf -lSW on a PIE executable", () => {
  const elf = checkAgainstReadelf(build("pie", ["-O1", "-pie", "-fPIE"]));
  assert.equal(elf.header.eType, ET_DYN);
  assert.ok(elf.programHeaders.some((p) => p.pType === PT_TLS));
  assert.ok(elf.findSection(".text") !== undefined);
  assert.equal(elf.findSection(".no-such"), undefined);
});

test("ElfFile.parse() matches readelf -lSW on a non-PIE and a static executable", () => {
  assert.equal(checkAgainstReadelf(build("nopie", ["-O1", "-no-pie"])).header.eType, ET_EXEC);
  assert.equal(checkAgainstReadelf(build("static", ["-O1", "-static"])).header.eType, ET_EXEC);
});

test("ElfFile.parse() reads a relocatable object's sections", () => {
  const elf = checkAgainstReadelf(build("prog.o", ["-O1", "-c"]));
  assert.equal(elf.header.eType, ET_REL);
  assert.equal(elf.programHeaders.length, 0);
});

test("ElfFile e_entry and fileOffsetToVaddr agree with readelf -h", () => {
  const path = build("nopie2", ["-O1", "-no-pie"]);
  const elf = ElfFile.parse(new Uint8Array(readFileSync(path)));
  const h = execFileSync("readelf", ["-hW", path], { encoding: "utf8" });
  assert.equal(elf.header.eEntry, Number(/Entry point address:\s+(0x[0-9a-f]+)/.exec(h)?.[1]));
  const text = elf.findSection(".text");
  assert.ok(text !== undefined);
  assert.equal(elf.fileOffsetToVaddr(text.shOffset + 4), text.shAddr + 4);
});

test("readBuildId() matches readelf -n", () => {
  const path = build("bid", ["-O1", "-Wl,--build-id=sha1"]);
  const notes = execFileSync("readelf", ["-nW", path], { encoding: "utf8" });
  const want = /Build ID:\s+([0-9a-f]+)/.exec(notes)?.[1];
  assert.ok(want !== undefined && want.length === 40);
  assert.equal(readBuildId(ElfFile.parse(new Uint8Array(readFileSync(path)))), want);
  assert.equal(
    readBuildId(ElfFile.parse(new Uint8Array(readFileSync(build("nobid", ["-Wl,--build-id=none"]))))),
    undefined,
  );
});

test("readBuildIdAt() reads the headers and notes only, and agrees with readelf -n", () => {
  const files = [build("bid2", ["-O1", "-Wl,--build-id=sha1"]), build("bidmd5", ["-Wl,--build-id=md5"])];
  for (const lib of ["/lib/x86_64-linux-gnu/libc.so.6", "/usr/bin/gcc"]) files.push(lib);
  for (const path of files) {
    const bytes = new Uint8Array(readFileSync(path));
    let read = 0;
    const at = (offset: number, length: number): Uint8Array => {
      read += length;
      return bytes.subarray(offset, offset + length);
    };
    const notes = execFileSync("readelf", ["-nW", path], { encoding: "utf8" });
    const want = /Build ID:\s+([0-9a-f]+)/.exec(notes)?.[1];
    assert.ok(want !== undefined, `${path} has a build-id`);
    assert.equal(readBuildIdAt(at), want, path);
    assert.ok(read < 8192, `${path}: read ${read} of ${bytes.length} bytes`);
  }
  const none = new Uint8Array(readFileSync(build("nobid2", ["-Wl,--build-id=none"])));
  assert.equal(
    readBuildIdAt((o, n) => none.subarray(o, o + n)),
    undefined,
  );
  const text = new TextEncoder().encode("not an ELF file at all, just text\n".repeat(4));
  assert.throws(() => readBuildIdAt((o, n) => text.subarray(o, o + n)), ElfError);
});

/** A minimal valid ELF64 x86-64 header (no segments, no sections), to corrupt. */
function craftHeader(): Uint8Array {
  const b = new Uint8Array(64);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  const v = new DataView(b.buffer);
  v.setUint16(16, ET_EXEC, true);
  v.setUint16(18, 62, true);
  v.setUint32(20, 1, true);
  v.setUint16(52, 64, true);
  return b;
}

function throwsElf(bytes: Uint8Array, message: string | RegExp): void {
  assert.throws(
    () => ElfFile.parse(bytes),
    (e: unknown) => {
      assert.ok(e instanceof ElfError, "ElfError");
      if (typeof message === "string") assert.equal(e.message, message);
      else assert.match(e.message, message);
      assert.ok(!e.message.includes("\n"), "one-line message");
      return true;
    },
  );
}

test("ElfFile.parse() accepts the crafted minimal header", () => {
  const elf = ElfFile.parse(craftHeader());
  assert.equal(elf.sections.length, 0);
  assert.equal(elf.programHeaders.length, 0);
});

test("ElfFile.parse() rejects wrong magic, empty and text input", () => {
  throwsElf(new Uint8Array(0), "Not an ELF file");
  throwsElf(new TextEncoder().encode("#!/bin/sh\necho hi\n"), "Not an ELF file");
  const b = craftHeader();
  b[1] = 0x46;
  throwsElf(b, "Not an ELF file");
});

test("ElfFile.parse() rejects ELFCLASS32, big-endian and other machines", () => {
  const c32 = craftHeader();
  c32[4] = 1;
  throwsElf(c32, "Not a 64-bit ELF file: ELFCLASS32");
  const be = craftHeader();
  be[5] = 2;
  throwsElf(be, "Not a little-endian ELF file");
  const arm = craftHeader();
  new DataView(arm.buffer).setUint16(18, 183, true);
  throwsElf(arm, "Wrong architecture: EM_AARCH64 (expected x86-64)");
  new DataView(arm.buffer).setUint16(18, 3, true);
  throwsElf(arm, "Wrong architecture: EM_386 (expected x86-64)");
});

test("ElfFile.parse() rejects truncated files", () => {
  throwsElf(craftHeader().subarray(0, 40), "Truncated ELF file: header needs 64 bytes, file has 40");
  throwsElf(craftHeader().subarray(0, 10), /^Truncated ELF file/);
  const real = new Uint8Array(readFileSync(build("trunc", ["-O1"])));
  throwsElf(real.subarray(0, real.length - 100), "Truncated ELF file: section headers extend past end of file");
  const ph = craftHeader();
  const v = new DataView(ph.buffer);
  v.setBigUint64(32, 64n, true);
  v.setUint16(54, 56, true);
  v.setUint16(56, 2, true);
  throwsElf(ph, "Truncated ELF file: program headers extend past end of file");
});

test("ElfFile.parse() rejects 64-bit fields above 2^53", () => {
  const b = craftHeader();
  new DataView(b.buffer).setBigUint64(24, 0xffff_ffff_8000_0000n, true);
  throwsElf(b, "Unsupported ELF file: e_entry 0xffffffff80000000 does not fit in 53 bits");
});
