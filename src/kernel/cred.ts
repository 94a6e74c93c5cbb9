// SPDX-License-Identifier: MIT
// Task credentials (include/linux/cred.h): real, effective, saved and file-system
// user and group ids, supplementary groups and the capability sets, with the
// transitions of kernel/sys.c and security/commoncap.c. The emulated user is
// root with every capability; these ids are the guest's view only (files on
// the host are still accessed as the user running lwp, docs/quirks.md Q-CRED-HOST).

/** CAP_LAST_CAP of Linux 6.1 (CAP_CHECKPOINT_RESTORE). */
const CAP_LAST_CAP = 40;
export const CAP_FULL = (1n << BigInt(CAP_LAST_CAP + 1)) - 1n;
export const CAP_SETGID = 6;
export const CAP_SETUID = 7;
export const CAP_SETPCAP = 8;
export const CAP_SYS_PTRACE = 19;
/** Capabilities a change of fsuid to or from 0 takes away or gives back (CAP_FS_MASK). */
const CAP_FS_MASK = 0x1fn | (1n << 9n) | (1n << 32n);

export class Cred {
  uid = 0;
  euid = 0;
  suid = 0;
  fsuid = 0;
  gid = 0;
  egid = 0;
  sgid = 0;
  fsgid = 0;
  groups: number[] = [0];
  capEffective = CAP_FULL;
  capPermitted = CAP_FULL;
  capInheritable = 0n;
  capBounding = CAP_FULL;
  /** PR_SET_KEEPCAPS: permitted capabilities survive leaving uid 0. */
  keepCaps = false;

  clone(): Cred {
    return Object.assign(new Cred(), this, { groups: [...this.groups] });
  }

  capable(cap: number): boolean {
    return ((this.capEffective >> BigInt(cap)) & 1n) !== 0n;
  }

  /**
   * cap_emulate_setxuid: leaving uid 0 in all of real, effective and saved drops
   * permitted and effective (unless keepCaps); effective follows euid to and from 0.
   */
  fixSetuid(old: { uid: number; euid: number; suid: number; fsuid: number }): void {
    const wasRoot = old.uid === 0 || old.euid === 0 || old.suid === 0;
    if (wasRoot && this.uid !== 0 && this.euid !== 0 && this.suid !== 0 && !this.keepCaps) {
      this.capPermitted = 0n;
      this.capEffective = 0n;
    }
    if (old.euid === 0 && this.euid !== 0) this.capEffective = 0n;
    if (old.euid !== 0 && this.euid === 0) this.capEffective = this.capPermitted;
    this.fixSetfsuid(old.fsuid);
  }

  /** A change of fsuid to or from 0 drops or restores the file-system capabilities. */
  fixSetfsuid(oldFsuid: number): void {
    if (oldFsuid === 0 && this.fsuid !== 0) this.capEffective &= ~CAP_FS_MASK;
    if (oldFsuid !== 0 && this.fsuid === 0) this.capEffective |= this.capPermitted & CAP_FS_MASK;
  }

  /**
   * execve of a file without set-id bits or file capabilities (cap_bprm_creds_from_file):
   * root gets the bounding set, others keep nothing; saved ids become the effective ones.
   */
  onExec(): void {
    if (this.uid === 0 || this.euid === 0) this.capPermitted = this.capBounding;
    else this.capPermitted = 0n;
    this.capEffective = this.euid === 0 ? this.capPermitted : 0n;
    this.suid = this.fsuid = this.euid;
    this.sgid = this.fsgid = this.egid;
    this.keepCaps = false;
  }
}
