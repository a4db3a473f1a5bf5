/**
 * /api/docs in a real headless browser, served as `npm start` serves it: the page renders the
 * operation list from the site's own files (Scalar's bundle in public/vendor/), no request leaves
 * the origin, and its Content-Security-Policy reports nothing. Skipped only when no Chromium is
 * installed (`apt-get install -y chromium`; .ci/run installs it).
 */
import { existsSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../../scripts/serve";

const executablePath = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].find(
  (path): path is string => !!path && existsSync(path),
);

/** Offline and quiet: no Google services, updates or QUIC probes of its own. */
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

interface Watched {
  page: Page;
  requests: string[];
  /** securitypolicyviolation events and the console's "Refused to ..." CSP messages. */
  violations: string[];
}

describe.skipIf(!executablePath)("/api/docs in headless Chromium", { timeout: 120_000 }, () => {
  let server: RunningServer;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    server = await startServer({ port: 0, dataDir: undefined, quiet: true, runtime: "local" });
    origin = new URL(server.url).origin;
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  }, 60_000);

  async function watchedPage(): Promise<Watched> {
    const page = await browser.newPage();
    const requests: string[] = [];
    const violations: string[] = [];
    page.on("request", (request) => requests.push(request.url()));
    page.on("console", (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
    });
    await page.exposeFunction("reportViolation", (line: string) => violations.push(line));
    await page.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (event) => {
        (window as unknown as { reportViolation(line: string): void }).reportViolation(
          `${event.effectiveDirective} blocked ${event.blockedURI || "(inline)"} at ${event.sourceFile}:${event.lineNumber}`,
        );
      });
    });
    return { page, requests, violations };
  }

  it("renders the operation list from the site's own files, within its CSP", async () => {
    const { page, requests, violations } = await watchedPage();
    const response = await page.goto(`${server.url}/api/docs`);
    expect(response?.status()).toBe(200);
    const headers = response?.headers() ?? {};
    expect(headers["content-security-policy"]).toContain("default-src 'self'");
    expect(headers["content-security-policy"]).toContain("script-src 'self';");
    expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(headers["x-content-type-options"]).toBe("nosniff");

    // The first tag (commerce, by name) opens by itself; the others open from the sidebar.
    await page.getByText("Place an order").first().waitFor({ state: "visible", timeout: 60_000 });
    await page.getByRole("button", { name: "voice" }).first().click();
    await page.getByText("One call with its transcript").first().waitFor({ state: "visible", timeout: 30_000 });
    // Anything Scalar would fetch after rendering (fonts, telemetry) has had time to ask.
    await page.waitForTimeout(1_000);

    const paths = requests.map((url) => url.replace(origin, ""));
    expect(paths).toEqual(
      expect.arrayContaining(["/api/docs", "/vendor/scalar-api-reference.js", "/api/openapi.json"]),
    );
    expect(requests.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith("data:"))).toEqual([]);
    expect(violations).toEqual([]);
    await page.close();
  });

  it("cannot be framed, not even by the site itself", async () => {
    const { page, violations } = await watchedPage();
    await page.goto(`${server.url}/`);
    await page.evaluate(() => {
      const frame = document.createElement("iframe");
      frame.src = "/api/docs";
      document.body.append(frame);
    });
    await expect
      .poll(() => violations.some((line) => line.includes("frame-ancestors")), { timeout: 15_000 })
      .toBe(true);
    const titles = await Promise.all(
      page
        .mainFrame()
        .childFrames()
        .map((frame) => frame.title().catch(() => "")),
    );
    expect(titles).not.toContain("Frontdesk API reference");
    await page.close();
  });
});
