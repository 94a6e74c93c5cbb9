#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// The `lwp` command: a committed, executable launcher for the compiled CLI
// (dist/ is build output, rebuilt by `npm ci` through the prepare script).
import "../dist/src/cli/main.js";
