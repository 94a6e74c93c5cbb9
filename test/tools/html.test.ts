// SPDX-License-Identifier: MIT
// The offline HTML report in headless Chromium (Debian package `chromium`, driven by
// playwright-core), used with the mouse and keyboard: no console errors and no
// network; the table agrees with `lwp report --children`; search highlights the
// matching frames and says what share of the samples they are on; clicking a frame
// zooms; clicking a row opens the sandwich (callers, callees) and source views,
// whose per-line counts are checked against addr2line; a table longer than the page
// shows says so and shows every row on request. Skipped, and reported as skipped,
// when /usr/bin/chromium is absent.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { makeRecord } from "../../src/tools/decode/record.js";
import { readLwpData } from "../../src/tools/format/reader.js";
import { writeLwpData } from "../../src/tools/format/writer.js";
import { TABLE_ROWS_SHOWN } from "../../src/tools/report/html-data.js";
import { formatHtml } from "../../src/tools/report/html.js";
import { formatReportText } from "../../src/tools/report/report-text.js";
import { openSession, type Session } from "../../src/tools/session/session.js";
import { lwpCli } from "../helpers/build-guests.js";
import { MISSING_BASE, PID, buildProfile, buildProgram, type Built } from "../helpers/profile-fixture.js";
import { fixtureSession, loader } from "./golden-cases.js";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Opens the report of `s` in a page that records console errors, page errors and requests. */
async function open(browser: Browser, s: Session, dir: string, problems: string[]): Promise<Page> {
  const html = formatHtml(s, "lwp report test </script><b>");
  assert.doesNotMatch(html, /https?:\/\/(?!www\.w3\.org\/2000\/svg)/, "the page must not reference the network");
  const file = join(dir, `report-${Math.random().toString(36).slice(2)}.html`);
  writeFileSync(file, html);
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("request", (r) => {
    if (!r.url().startsWith("file:")) problems.push(`request: ${r.url()}`);
  });
  await page.goto(pathToFileURL(file).href);
  return page;
}

async function withBrowser(t: TestContext, body: (browser: Browser, b: Built) => Promise<void>): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    t.skip(`${CHROMIUM} not found: install the Debian package 'chromium' to run this test`);
    return;
  }
  const b = buildProgram();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    await body(browser, b);
  } finally {
    await browser.close();
    b.cleanup();
  }
}

/** `lwp report --children --sort dso,sym` rows of the first event: "name children self samples". */
function reportRows(s: Session): string[] {
  const text = formatReportText(s, { sort: "dso,sym", events: new Set([2]) });
  return text
    .split("\n")
    .filter((l) => /^\s+[\d.]+%/.test(l))
    .map((l) => {
      const m = /^\s+([\d.]+%)\s+([\d.]+%)\s+(\d+)\s+\S+\s+\[\.\] (.*)$/.exec(l)!;
      return `${m[4]!} ${m[1]!} ${m[2]!} ${m[3]!}`;
    })
    .sort();
}

async function tableRows(page: Page): Promise<string[]> {
  return (
    await page.locator("#functions tr.row").evaluateAll((trs) =>
      trs.map((tr) => {
        const td = [...tr.querySelectorAll("td")].map((x) => x.textContent ?? "");
        return `${td[3]!} ${td[0]!} ${td[1]!} ${td[2]!}`;
      }),
    )
  ).sort();
}

test("HTML report: table as lwp report, search, zoom, sandwich and source views, events, sorting", async (t) => {
  await withBrowser(t, async (browser, b) => {
    const s = fixtureSession(b);
    const problems: string[] = [];
    const page = await open(browser, s, b.dir, problems);
    await page
      .locator("#functions td", { hasText: /^hot_loop$/ })
      .first()
      .waitFor({ state: "visible" });
    assert.deepEqual(await tableRows(page), reportRows(s), "the table is lwp report --children's");
    assert.match((await page.locator("#table-note").textContent()) ?? "", /^Showing all \d+ rows\./);
    assert.ok(
      await page.locator("#flame text", { hasText: "hot_loop" }).first().isVisible(),
      "hot_loop drawn in the flame graph",
    );
    assert.equal(await page.locator("#timeline line.lwpins").count(), 2, "two LWPINS markers");

    // Search: "/" focuses the box; matching frames turn magenta; the share of samples with a match on their stack.
    await page.keyboard.press("/");
    await page.keyboard.type("WORK");
    const instr = s.samples.filter((x) => x.event.eventId === 2);
    const onStack = instr.filter((x) => x.callchain.some((f) => /work/i.test(f.symbol))).length;
    assert.equal(
      await page.locator("#match").textContent(),
      `Matched: ${((100 * onStack) / instr.length).toFixed(2)}% of samples (${onStack} of ${instr.length})`,
    );
    const matched = await page
      .locator("#flame g.match rect")
      .evaluateAll((rs) => rs.map((r) => r.getAttribute("data-name")));
    assert.ok(matched.length > 0 && matched.every((n) => /work/i.test(n ?? "")), matched.join(", "));
    assert.deepEqual(
      await page
        .locator("#functions tr.row td.s")
        .evaluateAll((tds) => tds.filter((_, i) => i % 2 === 0).map((x) => x.textContent)),
      ["app::work(int)"],
    );
    await page.keyboard.press("Escape");
    assert.equal(await page.locator("#flame g.match").count(), 0);
    assert.equal(await page.locator("#match").textContent(), "");

    // Click-to-zoom: after clicking main, main spans the full width and is selected.
    const width = async (): Promise<number> =>
      Number(await page.locator("#flame rect[data-name='main']").first().getAttribute("width"));
    const before = await width();
    await page.locator("#flame rect[data-name='main']").first().click();
    assert.ok((await width()) > before, "zoomed frame widens");
    assert.equal(await page.locator("#sel-title").textContent(), `main (${b.prog})`);
    await page.click("#reset");
    assert.equal(await width(), before);

    // Sandwich: app::work(int) is called by main (from _start) and calls nothing.
    await page.locator("#functions tr.row", { hasText: "app::work(int)" }).click();
    assert.ok(await page.locator("#selection").isVisible());
    const callers = await page.locator("#callers rect").evaluateAll((rs) => rs.map((r) => r.getAttribute("data-name")));
    assert.deepEqual(callers, ["app::work(int)", "main", "_start"]);
    assert.deepEqual(
      await page.locator("#callees rect").evaluateAll((rs) => rs.map((r) => r.getAttribute("data-name"))),
      ["app::work(int)"],
    );
    assert.ok(await page.locator("#functions tr.selected", { hasText: "app::work(int)" }).isVisible());

    // Source view: per-line Self counts as addr2line places the sampled addresses.
    const want = new Map<number, number>();
    const work = instr
      .filter((x) => x.stack[0]!.symbol === "app::work(int)")
      .map((x) => `0x${x.event.ip.toString(16)}`);
    for (const pos of execFileSync("addr2line", ["-e", b.prog, ...work], { encoding: "utf8" })
      .trim()
      .split("\n")) {
      const line = Number(/:(\d+)/.exec(pos)![1]!);
      want.set(line, (want.get(line) ?? 0) + 1);
    }
    const got = new Map(
      (
        await page
          .locator("table.source tr.counted")
          .evaluateAll((trs) => trs.map((tr) => [tr.getAttribute("data-line"), tr.children[1]!.textContent] as const))
      )
        .filter(([, self]) => self !== "")
        .map(([line, self]) => [Number(line), Number(/^(\d+)/.exec(self ?? "")![1]!)]),
    );
    assert.deepEqual(got, want);
    assert.match(
      (await page.locator("table.source tr.hot td.code").first().textContent()) ?? "",
      /acc \+= i|i < n|i\+\+/,
    );

    // Sorting by Children puts the entries on every stack first.
    await page.click("#functions th[data-sort='children']");
    assert.equal(await page.locator("#functions tr.row td.s").first().textContent(), "_start");

    // Another event: the branches flame graph.
    await page.selectOption("#event", "1");
    assert.ok((await page.locator("#flame rect[data-name='hot_loop']").count()) > 0, "branches flame graph");
    assert.deepEqual(problems, []);
  });
});

test("HTML report: a table longer than the page says so and shows every row on request", async (t) => {
  await withBrowser(t, async (browser, b) => {
    // 260 distinct unsymbolized addresses in the missing library: 260 rows of their own, plus the program's.
    const data = buildProfile(b);
    const extra = Array.from({ length: 260 }, (_, i) => ({
      tid: PID,
      record: makeRecord(2, MISSING_BASE + 0x2000 + 16 * i, {}),
      callchain: [],
    }));
    const s = openSession(readLwpData(writeLwpData({ ...data, samples: [...data.samples, ...extra] })), loader);
    const rows = new Set(
      s.samples.filter((x) => x.event.eventId === 2).flatMap((x) => x.callchain.map((f) => `${f.dso}\0${f.symbol}`)),
    ).size;
    assert.ok(rows > TABLE_ROWS_SHOWN);
    const problems: string[] = [];
    const page = await open(browser, s, b.dir, problems);
    await page.locator("#functions").waitFor();
    assert.equal(await page.locator("#functions tr.row").count(), TABLE_ROWS_SHOWN);
    assert.match(
      (await page.locator("#table-note").textContent()) ?? "",
      new RegExp(`^Showing the first ${TABLE_ROWS_SHOWN} of ${rows} rows\\. Show all ${rows} rows$`),
    );
    await page.click("#show-all");
    assert.equal(await page.locator("#functions tr.row").count(), rows);
    assert.match((await page.locator("#table-note").textContent()) ?? "", new RegExp(`^Showing all ${rows} rows\\.`));
    assert.deepEqual(problems, []);
  });
});

test("HTML report of a recorded -O2 program: inlined frames, and the source view of code inlined into a function", async (t) => {
  await withBrowser(t, async (browser) => {
    const dir = mkdtempSync(join(tmpdir(), "lwp-html-inl-"));
    try {
      writeFileSync(
        join(dir, "inl.c"),
        `#include <stdlib.h>
static inline int square(int x) { return x * x; }
static inline int sum_squares(int n) {
  int s = 0;
  for (int i = 0; i < n; i++) s += square(i);
  return s;
}
__attribute__((noinline)) int compute(int n) { return sum_squares(n) + square(n); }
volatile int sink;
int main(int argc, char **argv) { sink = compute(atoi(argv[1])); return 0; }
`,
      );
      const bin = join(dir, "inl");
      execFileSync("gcc", ["-O2", "-g", "-static", "-no-pie", "-o", bin, join(dir, "inl.c")]);
      const r = spawnSync(
        process.execPath,
        [lwpCli(), "record", "-q", "-g", "-c", "997", "-o", join(dir, "inl.data"), bin, "100000"],
        { encoding: "utf8" },
      );
      assert.equal(r.status, 0, r.stderr);
      const out = join(dir, "inl.html");
      const rep = spawnSync(process.execPath, [lwpCli(), "report", "-i", join(dir, "inl.data"), "--html", out], {
        encoding: "utf8",
      });
      assert.equal(rep.status, 0, rep.stderr);
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const problems: string[] = [];
      page.on("pageerror", (e) => problems.push(e.message));
      await page.goto(pathToFileURL(out).href);
      assert.ok((await page.locator("#flame rect[data-name='square (inlined)']").count()) > 0);
      await page.locator("#functions tr.row", { hasText: /^[\d.]+%[\d.]+%\d+compute/ }).click();
      // addr2line's innermost line of every sample in compute is where its Self count goes.
      const ips = spawnSync(process.execPath, [lwpCli(), "script", "-i", join(dir, "inl.data"), "-F", "ip,sym"], {
        encoding: "utf8",
      })
        .stdout.split("\n")
        .filter((l) => / compute$/.test(l))
        .map((l) => `0x${l.trim().split(" ")[0]!}`);
      const want = new Map<number, number>();
      for (const pos of execFileSync("addr2line", ["-e", bin, ...ips], { encoding: "utf8" })
        .trim()
        .split("\n")) {
        const line = Number(/:(\d+)/.exec(pos)![1]!);
        want.set(line, (want.get(line) ?? 0) + 1);
      }
      const got = new Map(
        (
          await page
            .locator("table.source tr.counted")
            .evaluateAll((trs) => trs.map((tr) => [tr.getAttribute("data-line"), tr.children[1]!.textContent] as const))
        )
          .filter(([, self]) => self !== "")
          .map(([line, self]) => [Number(line), Number(/^(\d+)/.exec(self ?? "")![1]!)]),
      );
      assert.deepEqual(got, want);
      assert.ok(want.has(5) && want.has(2), "samples on the inlined functions' lines");
      assert.deepEqual(
        await page.locator("#callees rect").evaluateAll((rs) => rs.map((r) => r.getAttribute("data-name"))),
        ["compute", "sum_squares (inlined)", "square (inlined)"],
      );
      assert.deepEqual(problems, []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
