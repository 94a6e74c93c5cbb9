// SPDX-License-Identifier: MIT
// A small Itanium C++ ABI demangler (itanium-cxx-abi.github.io/cxx-abi/abi.html
// §5.1 "Mangling"): nested/local names, templates, builtin and compound types,
// ctors/dtors, operators, lambdas, std:: abbreviations and S_/T_ references.
// Output follows binutils c++filt; forms outside the subset come back unchanged.

/** A parsed type; printed C-declarator style by `declare`. */
type Node =
  | { readonly k: "name"; readonly s: string }
  | { readonly k: "ptr" | "lref" | "rref"; readonly t: Node }
  | { readonly k: "cv"; readonly q: string; readonly t: Node }
  | { readonly k: "fn"; readonly ret: Node; readonly params: readonly Node[]; readonly q: string }
  | { readonly k: "arr"; readonly dim: string; readonly t: Node }
  | { readonly k: "memptr"; readonly cls: Node; readonly t: Node }
  | { readonly k: "pack"; readonly items: readonly Node[] };

/** What a <name> production yields. */
interface NameInfo {
  readonly text: string;
  /** The function is a template specialization: its first parameter type is the return type. */
  readonly isTemplate: boolean;
  /** Constructor, destructor or conversion operator: no return type even when a template. */
  readonly noReturn: boolean;
  /** Method qualifiers from N [r][V][K][R|O] ... E, printed after the parameter list. */
  readonly quals: string;
}

class Unsupported extends Error {}

const BUILTIN: Readonly<Record<string, string>> = {
  v: "void",
  w: "wchar_t",
  b: "bool",
  c: "char",
  a: "signed char",
  h: "unsigned char",
  s: "short",
  t: "unsigned short",
  i: "int",
  j: "unsigned int",
  l: "long",
  m: "unsigned long",
  x: "long long",
  y: "unsigned long long",
  n: "__int128",
  o: "unsigned __int128",
  f: "float",
  d: "double",
  e: "long double",
  g: "__float128",
  z: "...",
};
const BUILTIN_D: Readonly<Record<string, string>> = {
  n: "decltype(nullptr)",
  i: "char32_t",
  s: "char16_t",
  u: "char8_t",
  a: "auto",
  c: "decltype(auto)",
};

/** St-less std:: abbreviations (§5.1.8), spelled out as c++filt prints them. */
const STD_ABBREV: Readonly<Record<string, string>> = {
  a: "std::allocator",
  b: "std::basic_string",
  s: "std::basic_string<char, std::char_traits<char>, std::allocator<char> >",
  i: "std::basic_istream<char, std::char_traits<char> >",
  o: "std::basic_ostream<char, std::char_traits<char> >",
  d: "std::basic_iostream<char, std::char_traits<char> >",
};

const OPERATORS: Readonly<Record<string, string>> = {
  nw: "new",
  na: "new[]",
  dl: "delete",
  da: "delete[]",
  ps: "+",
  ng: "-",
  ad: "&",
  de: "*",
  co: "~",
  pl: "+",
  mi: "-",
  ml: "*",
  dv: "/",
  rm: "%",
  an: "&",
  or: "|",
  eo: "^",
  aS: "=",
  pL: "+=",
  mI: "-=",
  mL: "*=",
  dV: "/=",
  rM: "%=",
  aN: "&=",
  oR: "|=",
  eO: "^=",
  ls: "<<",
  rs: ">>",
  lS: "<<=",
  rS: ">>=",
  eq: "==",
  ne: "!=",
  lt: "<",
  gt: ">",
  le: "<=",
  ge: ">=",
  ss: "<=>",
  nt: "!",
  aa: "&&",
  oo: "||",
  pp: "++",
  mm: "--",
  cm: ",",
  pm: "->*",
  pt: "->",
  cl: "()",
  ix: "[]",
  qu: "?",
  aw: "co_await",
};

const LITERAL_SUFFIX: Readonly<Record<string, string>> = { i: "", j: "u", l: "l", m: "ul", x: "ll", y: "ull" };
const LITERAL_CAST: Readonly<Record<string, string>> = {
  c: "char",
  a: "signed char",
  h: "unsigned char",
  s: "short",
  t: "unsigned short",
};

const SPECIAL: Readonly<Record<string, string>> = {
  TV: "vtable for ",
  TI: "typeinfo for ",
  TS: "typeinfo name for ",
  TT: "VTT for ",
};

const named = (s: string): Node => ({ k: "name", s });

/** Prints a type around a declarator: `int`, `char const*`, `void (*)(int)`, `int (&) [3]`. */
function declare(t: Node, d: string): string {
  switch (t.k) {
    case "name":
      return d === "" ? t.s : /^[([A-Za-z_]/.test(d) ? `${t.s} ${d}` : t.s + d;
    case "ptr":
      return declare(t.t, `*${d}`);
    case "lref":
      return declare(t.t, `&${d}`);
    case "rref":
      return declare(t.t, `&&${d}`);
    case "cv":
      return declare(t.t, t.q + (/^[([]/.test(d) ? " " : "") + d);
    case "fn": {
      const inner = `${d === "" ? "" : `(${d})`}(${paramList(t.params)})${t.q}`;
      return wrapsDeclarator(t.ret) ? declare(t.ret, inner) : `${typeText(t.ret)} ${inner}`;
    }
    case "arr":
      return declare(t.t, d === "" ? `[${t.dim}]` : `(${d}) [${t.dim}]`);
    case "memptr":
      return declare(t.t, `${typeText(t.cls)}::*${d}`);
    case "pack":
      return t.items.map(typeText).join(", ");
  }
}

/** Whether a type's declarator goes inside it (functions and arrays, through pointers/refs/cv). */
function wrapsDeclarator(t: Node): boolean {
  switch (t.k) {
    case "fn":
    case "arr":
      return true;
    case "ptr":
    case "lref":
    case "rref":
    case "cv":
    case "memptr":
      return wrapsDeclarator(t.t);
    default:
      return false;
  }
}

const typeText = (t: Node): string => declare(t, "");
const paramList = (ps: readonly Node[]): string =>
  ps
    .map(typeText)
    .filter((s) => s !== "")
    .join(", ");

/** `<a, b>` with c++filt's `> >` spacing. */
function argList(args: readonly Node[]): string {
  const inner = paramList(args);
  return `<${inner}${inner.endsWith(">") ? " " : ""}>`;
}

/** The last unqualified component, template arguments removed: "std::vector<int>" → "vector". */
function lastComponent(text: string): string {
  let depth = 0;
  let end = text.length;
  if (text.endsWith(">")) {
    for (let i = text.length - 1; i >= 0; i--) {
      if (text[i] === ">") depth++;
      else if (text[i] === "<" && --depth === 0) {
        end = i;
        break;
      }
    }
  }
  const base = text.slice(0, end).trimEnd();
  const sep = base.lastIndexOf("::");
  return sep < 0 ? base : base.slice(sep + 2);
}

/** Appends template args; `operator<` gets a space so `<<` is not misread. */
function withArgs(name: string, args: string): string {
  return name.endsWith("<") ? `${name} ${args}` : name + args;
}

function joinName(prefix: string, part: string): string {
  return prefix === "" ? part : `${prefix}::${part}`;
}

/** Reference collapsing (C++11 [dcl.ref]/6): `T&&` with T = `U&` is `U&`. */
function reference(k: "lref" | "rref", t: Node): Node {
  if (t.k === "lref") return t;
  if (t.k === "rref") return k === "lref" ? { k, t: t.t } : t;
  return { k, t };
}

function expandPack(t: Node): Node[] | undefined {
  switch (t.k) {
    case "pack":
      return [...t.items];
    case "ptr":
      return expandPack(t.t)?.map((x) => ({ k: "ptr", t: x }));
    case "lref":
    case "rref": {
      const k = t.k;
      return expandPack(t.t)?.map((x) => reference(k, x));
    }
    case "cv":
      return expandPack(t.t)?.map((x) => ({ k: "cv", q: t.q, t: x }));
    default:
      return undefined;
  }
}

class Parser {
  pos = 0;
  private readonly subs: Node[] = [];
  private tmpl: readonly Node[] = [];
  private typeDepth = 0;

  constructor(private readonly s: string) {}

  peek(ahead = 0): string {
    return this.s[this.pos + ahead] ?? "\0";
  }
  next(): string {
    const c = this.peek();
    if (c === "\0") throw new Unsupported("end");
    this.pos++;
    return c;
  }
  eat(c: string): boolean {
    if (this.peek() !== c) return false;
    this.pos++;
    return true;
  }
  expect(c: string): void {
    if (!this.eat(c)) throw new Unsupported(`expected ${c}`);
  }
  number(): number {
    const m = /^\d+/.exec(this.s.slice(this.pos));
    if (m === null) throw new Unsupported("number");
    this.pos += m[0].length;
    return Number(m[0]);
  }
  /** <seq-id> _ : base-36 digits then '_' (empty means 0, so S_ / T_ are index 0). */
  seqId(): number {
    let n = 0;
    let any = false;
    while (/[0-9A-Z]/.test(this.peek())) {
      n = n * 36 + parseInt(this.next(), 36);
      any = true;
    }
    this.expect("_");
    return any ? n + 1 : 0;
  }

  /** <encoding> ::= <name> [<bare-function-type>]; c++filt omits the return type inside local names. */
  encoding(withReturn = true): string {
    const name = this.name();
    if (this.pos >= this.s.length || this.peek() === "E") return name.text;
    const ret = name.isTemplate && !name.noReturn ? this.type() : undefined;
    const params: Node[] = [];
    while (this.pos < this.s.length && this.peek() !== "E") params.push(this.type());
    const list = params.length === 1 && params[0]?.k === "name" && params[0].s === "void" ? [] : params;
    const fn = `${name.text}(${paramList(list)})${name.quals}`;
    if (ret === undefined || !withReturn) return fn;
    // A function returning a function pointer or array reference nests inside the return type.
    return wrapsDeclarator(ret) ? declare(ret, fn) : `${typeText(ret)} ${fn}`;
  }

  name(): NameInfo {
    const c = this.peek();
    if (c === "N") return this.nested();
    if (c === "Z") return this.local();
    let text: string;
    if (c === "S" && this.peek(1) === "t") {
      this.pos += 2;
      this.eat("L");
      text = `std::${this.unqualified("").text}`;
    } else if (c === "S") {
      text = typeText(this.substitution());
      if (this.peek() !== "I") throw new Unsupported("substitution name without template args");
    } else {
      this.eat("L");
      const u = this.unqualified("");
      if (this.peek() !== "I") return { text: u.text, isTemplate: false, noReturn: u.noReturn, quals: "" };
      text = u.text;
    }
    if (this.peek() !== "I") return { text, isTemplate: false, noReturn: false, quals: "" };
    this.subs.push(named(text));
    return { text: withArgs(text, this.templateArgs()), isTemplate: true, noReturn: false, quals: "" };
  }

  /** N [<CV-qualifiers>] [<ref-qualifier>] <prefix> <unqualified-name> E */
  nested(): NameInfo {
    this.expect("N");
    let quals = "";
    for (const [m, q] of [
      ["r", " restrict"],
      ["V", " volatile"],
      ["K", " const"],
    ] as const) {
      if (this.eat(m)) quals = q + quals;
    }
    if (this.eat("R")) quals += " &";
    else if (this.eat("O")) quals += " &&";
    let prefix = "";
    let isTemplate = false;
    let noReturn = false;
    while (!this.eat("E")) {
      const c = this.peek();
      let fromSub = false;
      isTemplate = c === "I";
      if (c !== "I") noReturn = false;
      if (c === "S" && this.peek(1) === "t") {
        this.pos += 2;
        prefix = "std";
        fromSub = true;
      } else if (c === "S") {
        prefix = typeText(this.substitution());
        fromSub = true;
      } else if (c === "I") {
        prefix = withArgs(prefix, this.templateArgs());
      } else if (c === "T") {
        prefix = typeText(this.templateParam());
      } else {
        const u = this.unqualified(prefix);
        prefix = joinName(prefix, u.text);
        noReturn = u.noReturn;
      }
      if (this.peek() !== "E" && !fromSub) this.subs.push(named(prefix));
    }
    return { text: prefix, isTemplate, noReturn, quals };
  }

  /** Z <function encoding> E <entity name> [<discriminator>] */
  local(): NameInfo {
    this.expect("Z");
    const fn = this.encoding(/* withReturn */ false);
    this.expect("E");
    if (this.eat("s")) {
      this.discriminator();
      return { text: `${fn}::string literal`, isTemplate: false, noReturn: false, quals: "" };
    }
    const entity = this.name();
    this.discriminator();
    return { ...entity, text: `${fn}::${entity.text}` };
  }

  discriminator(): void {
    if (!this.eat("_")) return;
    if (this.eat("_")) {
      this.number();
      this.expect("_");
    } else this.number();
  }

  /** Source names, operators, ctors/dtors (named after `prefix`), lambdas, unnamed types, ABI tags. */
  unqualified(prefix: string): { text: string; noReturn: boolean } {
    const c = this.peek();
    let text: string;
    let noReturn = false;
    if (/\d/.test(c)) text = this.sourceName();
    else if (c === "C" && /[1-5]/.test(this.peek(1))) {
      this.pos += 2;
      text = lastComponent(prefix);
      noReturn = true;
    } else if (c === "D" && /[0-5]/.test(this.peek(1))) {
      this.pos += 2;
      text = `~${lastComponent(prefix)}`;
      noReturn = true;
    } else if (c === "U") text = this.unnamed();
    else ({ text, noReturn } = this.operatorName());
    while (this.eat("B")) text += `[abi:${this.sourceName()}]`;
    return { text, noReturn };
  }

  sourceName(): string {
    const n = this.number();
    const id = this.s.slice(this.pos, this.pos + n);
    if (id.length !== n) throw new Unsupported("short source name");
    this.pos += n;
    return id.startsWith("_GLOBAL__N") ? "(anonymous namespace)" : id;
  }

  /** Ul <lambda-sig> E [<number>] _  |  Ut [<number>] _ */
  unnamed(): string {
    this.expect("U");
    if (this.eat("t")) {
      const n = this.peek() === "_" ? 0 : this.number() + 1;
      this.expect("_");
      return `{unnamed type#${n + 1}}`;
    }
    this.expect("l");
    const params: Node[] = [];
    while (!this.eat("E")) params.push(this.type());
    const n = this.peek() === "_" ? 0 : this.number() + 1;
    this.expect("_");
    const list = params.length === 1 && params[0]?.k === "name" && params[0].s === "void" ? [] : params;
    return `{lambda(${paramList(list)})#${n + 1}}`;
  }

  operatorName(): { text: string; noReturn: boolean } {
    const code = this.s.slice(this.pos, this.pos + 2);
    this.pos += 2;
    if (code === "cv") return { text: `operator ${typeText(this.type())}`, noReturn: true };
    if (code === "li") return { text: `operator"" ${this.sourceName()}`, noReturn: false };
    const op = OPERATORS[code];
    if (op === undefined) throw new Unsupported(`operator ${code}`);
    return { text: /^[a-z]/.test(op) ? `operator ${op}` : `operator${op}`, noReturn: false };
  }

  /** I <template-arg>+ E; at name level the args become the T_ context. */
  templateArgs(): string {
    const isNameLevel = this.typeDepth === 0;
    this.expect("I");
    const args: Node[] = [];
    while (!this.eat("E")) args.push(this.templateArg());
    if (isNameLevel) this.tmpl = args;
    return argList(args);
  }

  templateArg(): Node {
    if (this.eat("L")) return named(this.literal());
    if (this.eat("J")) {
      const items: Node[] = [];
      while (!this.eat("E")) items.push(this.templateArg());
      return { k: "pack", items };
    }
    if (this.peek() === "X") throw new Unsupported("expression");
    return this.type();
  }

  /** L <type> <value number> E (after the L). */
  literal(): string {
    const t = this.next();
    const neg = this.eat("n");
    const m = /^\d+/.exec(this.s.slice(this.pos));
    if (m === null) throw new Unsupported("literal");
    this.pos += m[0].length;
    this.expect("E");
    const v = (neg ? "-" : "") + m[0];
    if (t === "b" && (v === "0" || v === "1")) return v === "1" ? "true" : "false";
    const suffix = LITERAL_SUFFIX[t];
    if (suffix !== undefined) return v + suffix;
    const cast = LITERAL_CAST[t];
    if (cast !== undefined) return `(${cast})${v}`;
    throw new Unsupported(`literal type ${t}`);
  }

  substitution(): Node {
    this.expect("S");
    const abbrev = STD_ABBREV[this.peek()];
    if (abbrev !== undefined) {
      this.pos++;
      return named(abbrev);
    }
    const sub = this.subs[this.seqId()];
    if (sub === undefined) throw new Unsupported("substitution out of range");
    return sub;
  }

  templateParam(): Node {
    this.expect("T");
    const t = this.tmpl[this.seqId()];
    if (t === undefined) throw new Unsupported("template parameter out of range");
    return t;
  }

  type(): Node {
    this.typeDepth++;
    const t = this.typeInner();
    this.typeDepth--;
    return t;
  }

  private push(t: Node): Node {
    this.subs.push(t);
    return t;
  }

  private typeInner(): Node {
    const c = this.next();
    const builtin = BUILTIN[c];
    if (builtin !== undefined) return named(builtin);
    switch (c) {
      case "P":
        return this.push({ k: "ptr", t: this.type() });
      case "R":
        return this.push(reference("lref", this.type()));
      case "O":
        return this.push(reference("rref", this.type()));
      case "r":
      case "V":
      case "K":
        return this.qualified(c);
      case "F":
        return this.functionType();
      case "A":
        return this.arrayType();
      case "M":
        return this.push({ k: "memptr", cls: this.type(), t: this.type() });
      case "T": {
        this.pos--;
        const t = this.push(this.templateParam());
        return this.peek() === "I" ? this.push(named(typeText(t) + this.templateArgs())) : t;
      }
      case "D":
        return this.dType();
      case "S":
        return this.substitutionType();
      default:
        this.pos--;
        return this.push(named(this.name().text));
    }
  }

  private qualified(first: string): Node {
    let q = { r: " restrict", V: " volatile", K: " const" }[first] ?? "";
    for (;;) {
      if (this.eat("V")) q = ` volatile${q}`;
      else if (this.eat("K")) q = ` const${q}`;
      else break;
    }
    const t = this.type();
    // A qualified function type is a member function's type: `int (Foo::*)() const`.
    return this.push(t.k === "fn" ? { ...t, q: q + t.q } : { k: "cv", q, t });
  }

  private functionType(): Node {
    this.eat("Y");
    const ret = this.type();
    const params: Node[] = [];
    let q = "";
    while (!this.eat("E")) {
      if (this.peek() === "R" && this.peek(1) === "E") {
        this.pos++;
        q = " &";
        continue;
      }
      if (this.peek() === "O" && this.peek(1) === "E") {
        this.pos++;
        q = " &&";
        continue;
      }
      params.push(this.type());
    }
    const list = params.length === 1 && params[0]?.k === "name" && params[0].s === "void" ? [] : params;
    return this.push({ k: "fn", ret, params: list, q });
  }

  private arrayType(): Node {
    const dim = /\d/.test(this.peek()) ? String(this.number()) : "";
    this.expect("_");
    return this.push({ k: "arr", dim, t: this.type() });
  }

  private dType(): Node {
    const c = this.next();
    const builtin = BUILTIN_D[c];
    if (builtin !== undefined) return named(builtin);
    if (c === "p") {
      const t = this.type();
      const items = expandPack(t);
      return this.push(items === undefined ? t : named(paramList(items)));
    }
    throw new Unsupported(`D${c}`);
  }

  private substitutionType(): Node {
    if (this.peek() === "t") {
      this.pos--;
      return this.push(named(this.name().text));
    }
    this.pos--;
    const sub = this.substitution();
    return this.peek() === "I" ? this.push(named(typeText(sub) + this.templateArgs())) : sub;
  }
}

/** Splits GCC clone suffixes: "_Z3foov.constprop.0.isra.0" → [mangled, " [clone .constprop.0] [clone .isra.0]"]. */
function splitClones(name: string): [string, string] | undefined {
  const dot = name.indexOf(".");
  if (dot < 0) return [name, ""];
  const parts = name.slice(dot).match(/\.[A-Za-z_][A-Za-z0-9_]*(?:\.\d+)*/g) ?? [];
  if (parts.join("") !== name.slice(dot)) return undefined;
  return [name.slice(0, dot), parts.map((p) => ` [clone ${p}]`).join("")];
}

function demangleEncoding(mangled: string): string {
  const p = new Parser(mangled);
  p.pos = 2;
  const special = SPECIAL[mangled.slice(2, 4)];
  let out: string;
  if (special !== undefined) {
    p.pos = 4;
    out = special + typeText(p.type());
  } else if (mangled.startsWith("_ZGV")) {
    p.pos = 4;
    out = `guard variable for ${p.name().text}`;
  } else if (mangled.startsWith("_ZTW") || mangled.startsWith("_ZTH")) {
    p.pos = 4;
    out = `TLS ${mangled[3] === "W" ? "wrapper" : "init"} function for ${p.name().text}`;
  } else {
    out = p.encoding();
  }
  if (p.pos !== mangled.length) throw new Unsupported("trailing characters");
  return out;
}

/**
 * Demangles an Itanium C++ symbol ("_ZN3foo3barEi" → "foo::bar(int)") the way
 * binutils c++filt prints it. Names that are not mangled, or use forms outside
 * this subset (expressions, decltype, vendor types, thunks), come back unchanged.
 * Never throws.
 */
export function demangle(name: string): string {
  if (!name.startsWith("_Z")) return name;
  try {
    const parts = splitClones(name);
    if (parts === undefined) return name;
    return demangleEncoding(parts[0]) + parts[1];
  } catch {
    return name;
  }
}
