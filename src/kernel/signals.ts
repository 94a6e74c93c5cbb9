// SPDX-License-Identifier: MIT
// Signal numbers, default actions and the shell's messages (signal(7), bash's
// siglist). Delivery to handlers lives with the thread/signal layer.

export const SIGHUP = 1;
export const SIGINT = 2;
export const SIGQUIT = 3;
export const SIGILL = 4;
export const SIGTRAP = 5;
export const SIGABRT = 6;
export const SIGBUS = 7;
export const SIGFPE = 8;
export const SIGKILL = 9;
export const SIGUSR1 = 10;
export const SIGSEGV = 11;
export const SIGUSR2 = 12;
export const SIGPIPE = 13;
export const SIGALRM = 14;
export const SIGTERM = 15;
export const SIGCHLD = 17;
export const SIGCONT = 18;
export const SIGSTOP = 19;
export const SIGURG = 23;
export const SIGWINCH = 28;

/** What bash prints when a job dies of each signal. */
export const SIGNAL_MESSAGES: Readonly<Record<number, string>> = {
  1: "Hangup", 2: "", 3: "Quit", 4: "Illegal instruction", 5: "Trace/breakpoint trap", 6: "Aborted",
  7: "Bus error", 8: "Floating point exception", 9: "Killed", 10: "User defined signal 1",
  11: "Segmentation fault", 12: "User defined signal 2", 13: "", 14: "Alarm clock", 15: "Terminated",
  16: "Stack fault", 24: "CPU time limit exceeded", 25: "File size limit exceeded", 26: "Virtual timer expired",
  27: "Profiling timer expired", 29: "I/O possible", 30: "Power failure", 31: "Bad system call",
};

/** Signals whose default action is to ignore (SIGCHLD, SIGCONT, SIGURG, SIGWINCH). */
export function ignoredByDefault(sig: number): boolean {
  return sig === SIGCHLD || sig === SIGCONT || sig === SIGURG || sig === SIGWINCH;
}
