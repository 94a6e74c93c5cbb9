// SPDX-License-Identifier: MIT
// The part of the WebAssembly JavaScript API (https://webassembly.github.io/spec/js-api/)
// that the CPU uses. TypeScript ships these types only with the DOM library, which
// this project does not load (src/hw must stay free of host APIs).
/* eslint-disable no-restricted-syntax -- the WebAssembly JS API is a global namespace; this declares it */
declare namespace WebAssembly {
  interface MemoryDescriptor {
    initial: number;
    maximum?: number;
    shared?: boolean;
  }
  class Memory {
    constructor(descriptor: MemoryDescriptor);
    readonly buffer: ArrayBuffer | SharedArrayBuffer;
    grow(delta: number): number;
  }
  interface TableDescriptor {
    element: "anyfunc" | "externref";
    initial: number;
    maximum?: number;
  }
  class Table {
    constructor(descriptor: TableDescriptor);
    readonly length: number;
    get(index: number): unknown;
    set(index: number, value: unknown): void;
    grow(delta: number): number;
  }
  class Module {
    constructor(bytes: Uint8Array);
  }
  type ImportValue = ((...args: never[]) => unknown) | Memory | Table | Global | number;
  type Imports = Record<string, Record<string, ImportValue>>;
  class Instance {
    constructor(module: Module, imports?: Imports);
    readonly exports: Record<string, unknown>;
  }
  class Global {
    constructor(descriptor: { value: "i32" | "i64" | "f64"; mutable?: boolean }, value?: number | bigint);
    value: number | bigint;
  }
  class CompileError extends Error {}
  class LinkError extends Error {}
  class RuntimeError extends Error {}
}
