// SPDX-License-Identifier: MIT
// Symbol tables checked against `readelf -sW`, and SymbolTable.lookup() against
// `nm` addresses, on programs gcc builds at test time.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ElfFile, SHN_ABS, SHN_COMMON, SHN_UNDEF } from "./elf.js";
import {
  readSymbols,
  SymbolTable,
  STB_GLOBAL,
  STB_GNU_UNIQUE,
  STB_LOCAL,
  STB_WEAK,
  STT_COMMON,
  STT_FILE,
  STT_FUNC,
  STT_GNU_IFUNC,
  STT_NOTYPE,
  STT_OBJECT,
  STT_SECTION,
  STT_TLS,
  type ElfSymbol,
} from "./symbols.js";

const SOURCE = `
#include <stdio.h>
int counter;
__thread int tls_var = 1;
static int helper(int x) { return x * 7 + counter; }
__attribute__((noinline)) int work(int n) { int s = 0; for (int i = 0; i < n; i++) s += helper(i); return s; }
__attribute__((weak)) int weak_fn(void) { return 2; }
__asm__(".text\\n.globl nosize\\n.type nosize,@function\\nnosize:\\n nop\\n nop\\n nop\\n ret\\n");
int main(int argc, char **argv) { (void)argv; printf("%d %d\\n", work(argc), weak_fn()); return 0; }
`;

const dir = mkdtempSync(join(tmpdir(), "lwp-sym-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

function build(name: string, flags: string[]): { path: string; elf: ElfFile } {
  const src = join(dir, "prog.c");
  writeFileSync(src, SOURCE);
  const path = join(dir, name);
  execFileSync("gcc", [...flags, "-o", path, src]);
  return { path, elf: ElfFile.parse(new Uint8Array(readFileSync(path))) };
}

const TYPES: Record<string, number> = {
  NOTYPE: STT_NOTYPE,
  OBJECT: STT_OBJECT,
  FUNC: STT_FUNC,
  SECTION: STT_SECTION,
  FILE: STT_FILE,
  COMMON: STT_COMMON,
  TLS: STT_TLS,
  IFUNC: STT_GNU_IFUNC,
};
const BINDS: Record<string, number> = { LOCAL: STB_LOCAL, GLOBAL: STB_GLOBAL, WEAK: STB_WEAK, UNIQUE: STB_GNU_UNIQUE };
const NDX: Record<string, number> = { UND: SHN_UNDEF, ABS: SHN_ABS, COM: SHN_COMMON };

/** `readelf -sW` rows of one table: [value, size, type, bind, ndx, name]. */
function readelfSymbols(path: string, table: string): string[][] {
  const out = execFileSync("readelf", ["-sW", path], { encoding: "utf8" });
  const start = out.indexOf(`Symbol table '${table}'`);
  if (start < 0) return [];
  const end = out.indexOf("Symbol table '", start + 1);
  return out
    .slice(start, end < 0 ? undefined : end)
    .split("\n")
    .filter((l) => /^\s+\d+:/.test(l))
    .map((l) => {
      const t = l.trim().split(/\s+/);
      return [t[1] ?? "", t[2] ?? "", t[3] ?? "", t[4] ?? "", t[6] ?? "", t.slice(7).join(" ")];
    });
}

function compareTable(path: string, ours: readonly ElfSymbol[], table: string): void {
  const theirs = readelfSymbols(path, table);
  assert.ok(theirs.length > 0, `${table} present`);
  assert.equal(ours.length, theirs.length, `${table} count`);
  ours.forEach((s, i) => {
    const [value, size, type, bind, ndx, name] = theirs[i] ?? [];
    assert.equal(s.value, parseInt(value ?? "", 16), `${table}[${i}] value`);
    assert.equal(s.size, Number(size), `${table}[${i}] size`);
    assert.equal(s.type, TYPES[type ?? ""], `${table}[${i}] type`);
    assert.equal(s.bind, BINDS[bind ?? ""], `${table}[${i}] bind`);
    assert.equal(s.shndx, NDX[ndx ?? ""] ?? Number(ndx), `${table}[${i}] ndx`);
    // readelf appends symbol versions ("puts@GLIBC_2.2.5 (2)") from .gnu.version; we give the raw name.
    assert.ok(name === s.name || name?.startsWith(`${s.name}@`), `${table}[${i}] name ${s.name} vs ${name}`);
  });
}

test("readSymbols() matches readelf -sW for .symtab and .dynsym", () => {
  const { path, elf } = build("pie", ["-O1"]);
  compareTable(path, readSymbols(elf, ".symtab"), ".symtab");
  compareTable(path, readSymbols(elf, ".dynsym"), ".dynsym");
});

test("readSymbols() matches readelf -sW on a static executable", () => {
  const { path, elf } = build("static", ["-O1", "-static"]);
  compareTable(path, readSymbols(elf, ".symtab"), ".symtab");
});

/** `nm --defined-only` text symbols as [name, address] (local names may repeat). */
function nmTextList(path: string, extra: string[] = []): [string, number][] {
  const out = execFileSync("nm", ["--defined-only", ...extra, path], { encoding: "utf8" });
  const m: [string, number][] = [];
  for (const l of out.split("\n")) {
    const t = l.trim().split(/\s+/);
    if (t.length === 3 && /^[TtWi]$/.test(t[1] ?? "")) m.push([t[2] ?? "", parseInt(t[0] ?? "", 16)]);
  }
  return m;
}

const nmText = (path: string, extra: string[] = []): Map<string, number> => new Map(nmTextList(path, extra));

test("SymbolTable.lookup() finds every nm text function at offset 0", () => {
  for (const flags of [["-O1"], ["-O1", "-static"]]) {
    const { path, elf } = build(flags.join(""), flags);
    const table = SymbolTable.fromElf(elf);
    const byAddr = new Map<number, string[]>();
    for (const [name, addr] of nmTextList(path)) byAddr.set(addr, [...(byAddr.get(addr) ?? []), name]);
    let checked = 0;
    for (const f of table.functions) {
      const names = byAddr.get(f.start);
      assert.ok(names !== undefined, `${f.name} at 0x${f.start.toString(16)} is a text symbol in nm`);
      const hit = table.lookup(f.start);
      assert.equal(hit?.offset, 0);
      assert.ok(names.includes(hit?.name ?? ""), `alias of ${names.join(",")}`);
      checked++;
    }
    assert.ok(checked > (flags.length > 1 ? 500 : 5), `checked ${checked}`);
  }
});

test("SymbolTable.lookup() gives offsets inside a function and nothing outside", () => {
  const { path, elf } = build("inside", ["-O1"]);
  const table = SymbolTable.fromElf(elf);
  const nm = nmText(path);
  const work = nm.get("work");
  assert.ok(work !== undefined);
  assert.deepEqual(table.lookup(work + 5), { name: "work", offset: 5 });
  assert.equal(table.lookup(0), undefined);
  assert.equal(table.lookup(2 ** 52), undefined);
  // main is sized; the byte after its end belongs to no sized function unless another starts there.
  const main = table.functions.find((f) => f.name === "main");
  assert.ok(main !== undefined);
  const after = table.lookup(main.end);
  assert.ok(after === undefined || after.offset === 0 || after.name !== "main");
});

test("SymbolTable extends a size-0 assembly function to the next symbol", () => {
  const { path, elf } = build("nosize", ["-O1"]);
  const sym = readSymbols(elf, ".symtab").find((s) => s.name === "nosize");
  assert.equal(sym?.size, 0);
  const table = SymbolTable.fromElf(elf);
  const start = nmText(path).get("nosize");
  assert.ok(start !== undefined);
  assert.deepEqual(table.lookup(start + 3), { name: "nosize", offset: 3 });
});

test("SymbolTable prefers a global name over a local alias at one address", () => {
  const mk = (name: string, bind: number, size: number): ElfSymbol => ({
    name,
    value: 0x1000,
    size,
    type: STT_FUNC,
    bind,
    visibility: 0,
    shndx: 1,
  });
  const t = new SymbolTable([
    mk("local_alias", STB_LOCAL, 16),
    mk("weak_alias", STB_WEAK, 16),
    mk("real", STB_GLOBAL, 16),
  ]);
  assert.deepEqual(t.lookup(0x1004), { name: "real", offset: 4 });
  assert.equal(t.functions.length, 1);
});

test("SymbolTable uses .dynsym when .symtab is stripped", () => {
  const { path } = build("stripped", ["-O1", "-rdynamic"]);
  execFileSync("strip", [path]);
  const elf = ElfFile.parse(new Uint8Array(readFileSync(path)));
  assert.equal(elf.findSection(".symtab"), undefined);
  const work = nmText(path, ["-D"]).get("work");
  assert.ok(work !== undefined);
  assert.deepEqual(SymbolTable.fromElf(elf).lookup(work + 1), { name: "work", offset: 1 });
});
