// SPDX-License-Identifier: MIT
// `lwp --version` (test/tools/symbols-real.test.ts checks it against package.json).
export const VERSION = "0.1.0";
