// SPDX-License-Identifier: MIT
// --root DIR: every guest path is looked up under DIR on the host (a chroot
// for path lookup; host symlinks with absolute targets are resolved by the
// host, see docs/quirks.md Q-ROOT-SYMLINK).
import type { Kernel } from "../kernel.js";

/** The host path for an absolute guest path. */
export function hostPathOf(k: Kernel, guestPath: string): string {
  const root = k.opts.root;
  if (root === "" || root === "/") return guestPath;
  return guestPath === "/" ? root : root + guestPath;
}
