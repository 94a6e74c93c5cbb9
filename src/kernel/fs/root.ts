// SPDX-License-Identifier: MIT
// --root DIR: every guest path is looked up under DIR on the host, as chroot(2)
// does: symlinks met on the way are resolved by us, absolute targets re-rooted
// at DIR, so no path (not even through a symlink) leaves DIR.
import type { Kernel } from "../kernel.js";

/** Symlinks followed in one lookup before giving up (Linux: 40, then ELOOP). */
const MAX_LINKS = 40;

/**
 * The host path for an absolute guest path. With `follow`, a symlink in the
 * last component is resolved too (open, stat, exec, access); without it the
 * last component is left for the host call itself (lstat, readlink, unlink,
 * rename, mkdir), and only the directories leading to it are resolved.
 */
export function hostPathOf(k: Kernel, guestPath: string, follow = false): string {
  const root = k.opts.root;
  if (root === "" || root === "/") return guestPath;
  const inside = resolveInRoot(k, root, guestPath, follow);
  return inside === "/" ? root : root + inside;
}

function resolveInRoot(k: Kernel, root: string, path: string, follow: boolean): string {
  let todo = path.split("/").filter((s) => s !== "");
  const done: string[] = [];
  let links = 0;
  while (todo.length > 0) {
    const name = todo.shift()!;
    if (name === ".") continue;
    if (name === "..") {
      done.pop(); // ".." at the root stays at the root, as in a chroot
      continue;
    }
    const cand = [...done, name];
    if (todo.length === 0 && !follow) return "/" + cand.join("/");
    const target = k.host.readlink(root + "/" + cand.join("/"));
    if (typeof target === "number" || ++links > MAX_LINKS) {
      done.push(name); // not a symlink (or a loop: the host call reports ELOOP)
      continue;
    }
    if (target.startsWith("/")) done.length = 0;
    todo = [...target.split("/").filter((s) => s !== ""), ...todo];
  }
  return "/" + done.join("/");
}
