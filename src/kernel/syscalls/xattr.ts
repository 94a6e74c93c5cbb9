// SPDX-License-Identifier: MIT
// Extended attributes (fs/xattr.c) as a file system where no file has any and
// none can be set answers them: names and arguments are checked as Linux checks
// them and the file must exist; then get and remove fail with ENODATA, list
// returns an empty list and set fails with EOPNOTSUPP. The host's attributes
// are not passed through (docs/quirks.md Q-XATTR).
import { E2BIG, EINVAL, ENODATA, ENOTSUP, ERANGE } from "../errno.js";
import type { Task } from "../task.js";
import { copyIn, copyInCString } from "../usercopy.js";
import { type SyscallArgs, type SysResult, fail } from "./abi.js";
import { lookupStat } from "./fs.js";
import { AT_FDCWD, fileOf, lookupAt } from "./util.js";

const XATTR_NAME_MAX = 255;
const XATTR_SIZE_MAX = 65536;
const XATTR_CREATE = 1,
  XATTR_REPLACE = 2;

/** The file a path-based call names must exist (lookup errors come first, as in path_getxattr). */
function lookup(t: Task, pathAddr: number, follow: boolean): void {
  lookupStat(t, lookupAt(t, AT_FDCWD, pathAddr, follow));
}

/** An attribute name: ERANGE when empty or longer than XATTR_NAME_MAX. */
function name(t: Task, addr: number): void {
  const b = copyInCString(t, addr, XATTR_NAME_MAX);
  if (b === null || b.length === 0) fail(ERANGE);
}

function get(t: Task, a: SyscallArgs): SysResult {
  name(t, a.ptr(1));
  return -ENODATA;
}

function set(t: Task, a: SyscallArgs): void {
  if ((a.int(4) & ~(XATTR_CREATE | XATTR_REPLACE)) !== 0) fail(EINVAL);
  name(t, a.ptr(1));
  if (a.size(3) > XATTR_SIZE_MAX) fail(E2BIG);
  copyIn(t, a.ptr(2), a.size(3));
}

export function getxattr(t: Task, a: SyscallArgs): SysResult {
  lookup(t, a.ptr(0), true);
  return get(t, a);
}

export function lgetxattr(t: Task, a: SyscallArgs): SysResult {
  lookup(t, a.ptr(0), false);
  return get(t, a);
}

export function fgetxattr(t: Task, a: SyscallArgs): SysResult {
  fileOf(t, a.int(0));
  return get(t, a);
}

export function setxattr(t: Task, a: SyscallArgs): SysResult {
  set(t, a);
  lookup(t, a.ptr(0), true);
  return -ENOTSUP;
}

export function lsetxattr(t: Task, a: SyscallArgs): SysResult {
  set(t, a);
  lookup(t, a.ptr(0), false);
  return -ENOTSUP;
}

export function fsetxattr(t: Task, a: SyscallArgs): SysResult {
  fileOf(t, a.int(0));
  set(t, a);
  return -ENOTSUP;
}

export function listxattr(t: Task, a: SyscallArgs): SysResult {
  lookup(t, a.ptr(0), true);
  return 0;
}

export function llistxattr(t: Task, a: SyscallArgs): SysResult {
  lookup(t, a.ptr(0), false);
  return 0;
}

export function flistxattr(t: Task, a: SyscallArgs): SysResult {
  fileOf(t, a.int(0));
  return 0;
}

export function removexattr(t: Task, a: SyscallArgs): SysResult {
  lookup(t, a.ptr(0), true);
  name(t, a.ptr(1));
  return -ENODATA;
}

export function lremovexattr(t: Task, a: SyscallArgs): SysResult {
  lookup(t, a.ptr(0), false);
  name(t, a.ptr(1));
  return -ENODATA;
}

export function fremovexattr(t: Task, a: SyscallArgs): SysResult {
  fileOf(t, a.int(0));
  name(t, a.ptr(1));
  return -ENODATA;
}
