// SPDX-License-Identifier: MIT
// The offline HTML report in headless Chromium (Debian package `chromium`, driven by
// playwright-core): no console errors, no network requests, the hottest function is
// visible, click-to-zoom works, and the LWPINS markers are drawn. Skipped, and
// reported as skipped, when /usr/bin/chromium is absent.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { formatHtml } from "../../src/tools/report/html.js";
import { buildProgram } from "../helpers/profile-fixture.js";
import { fixtureSession } from "./golden-cases.js";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run"];

test("the HTML report renders offline in Chromium with the hottest function visible", async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.skip(`${CHROMIUM} not found: install the Debian package 'chromium' to run this test`);
    return;
  }
  const b = buildProgram();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    const s = fixtureSession(b);
    const html = formatHtml(s, "lwp report test </script><b>");
    assert.doesNotMatch(html, /https?:\/\/(?!www\.w3\.org\/2000\/svg)/, "the page must not reference the network");
    const file = join(b.dir, "report.html");
    writeFileSync(file, html);
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems: string[] = [];
    page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`); });
    page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
    page.on("request", (r) => { if (!r.url().startsWith("file:")) problems.push(`request: ${r.url()}`); });
    await page.goto(pathToFileURL(file).href);
    // hot_loop has the most instructions samples (the fixture's oracle).
    await page.locator("#tables td", { hasText: /^hot_loop$/ }).first().waitFor({ state: "visible" });
    assert.ok(await page.locator("#flame text", { hasText: "hot_loop" }).first().isVisible(), "hot_loop drawn in the flame graph");
    assert.equal(await page.locator("#timeline line.lwpins").count(), 2, "two LWPINS markers");
    // Click-to-zoom: after clicking main, main spans the full width.
    const width = async (): Promise<number> => Number(await page.locator("#flame rect[data-name='main']").first().getAttribute("width"));
    const before = await width();
    await page.locator("#flame rect[data-name='main']").first().click();
    assert.ok((await width()) > before, "zoomed frame widens");
    await page.selectOption("#event", "1");
    assert.ok(await page.locator("#flame rect[data-name='hot_loop']").count() > 0, "branches flame graph");
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    b.cleanup();
  }
});
