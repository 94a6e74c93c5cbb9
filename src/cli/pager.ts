// SPDX-License-Identifier: MIT
// Long reports go through a pager on a terminal, as perf's do: $LWP_PAGER, else
// $PAGER, else `less` with LESS=FRSX (quit if one screen, raw colours, chop long
// lines); never when stdout is not a terminal, or with --no-pager (or PAGER=cat).
import type * as ChildProcess from "node:child_process";
import { createRequire } from "node:module";

let forced: boolean | undefined;

/** --no-pager (false) / --paginate (true) from the command line. */
export function setPager(on: boolean): void {
  forced = on;
}

/** Whether output to stdout should be paged (and may be coloured). */
export function stdoutIsTerminal(): boolean {
  return process.stdout.isTTY === true;
}

function pagerCommand(): string | null {
  if (forced === false || (forced === undefined && !stdoutIsTerminal())) return null;
  const cmd = process.env["LWP_PAGER"] ?? process.env["PAGER"] ?? "less";
  return cmd.trim() === "" || cmd.trim() === "cat" ? null : cmd;
}

/** Writes report text to stdout, through the pager when one applies. */
export function writeStdout(out: string | Uint8Array): void {
  const pager = typeof out === "string" ? pagerCommand() : null;
  if (pager !== null) {
    // Loaded here, not imported: node:child_process pulls in node:net and the streams, a
    // cost to every command's start-up (docs/architecture.md "Start-up").
    const cp = createRequire("/")("node:child_process") as typeof ChildProcess;
    const r = cp.spawnSync(pager, {
      shell: true,
      input: out,
      stdio: ["pipe", "inherit", "inherit"],
      env: { ...process.env, LESS: process.env["LESS"] ?? "FRSX", LV: process.env["LV"] ?? "-c" },
    });
    if (r.error === undefined && r.status !== 127) return;
  }
  process.stdout.write(out);
}
