// SPDX-License-Identifier: MIT
// POSIX path arithmetic for the kernel (no node:path in this layer).

/** Joins and normalises `rel` against the absolute directory `base`. */
export function resolvePath(base: string, rel: string): string {
  const parts = (rel.startsWith("/") ? rel : `${base}/${rel}`).split("/");
  const out: string[] = [];
  for (const p of parts) {
    if (p === "" || p === ".") continue;
    if (p === "..") out.pop();
    else out.push(p);
  }
  return "/" + out.join("/");
}
