// SPDX-License-Identifier: MIT
// poll(2) event bits (include/uapi/asm-generic/poll.h), shared by every
// waitable file, poll/select and epoll.
export const POLLIN = 0x1;
export const POLLPRI = 0x2;
export const POLLOUT = 0x4;
export const POLLERR = 0x8;
export const POLLHUP = 0x10;
export const POLLNVAL = 0x20;
export const POLLRDNORM = 0x40;
export const POLLRDBAND = 0x80;
export const POLLWRNORM = 0x100;
export const POLLWRBAND = 0x200;
export const POLLRDHUP = 0x2000;
/** What a file that never blocks reports (DEFAULT_POLLMASK). */
export const DEFAULT_POLLMASK = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;

let seq = 0;
/**
 * A fresh stamp for a file whose state just changed (data arrived, an end
 * closed): generations grow over the whole kernel, so they tell both that a
 * file changed (epoll's edge trigger) and in which order files became ready
 * (the order of epoll's ready list).
 */
export function nextGeneration(): number {
  return ++seq;
}
