import { chromium } from "playwright-core";
const [url, wait] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
const t0 = Date.now();
await page.goto(url);
await page.waitForTimeout(Number(wait ?? 15000));
console.log("t", Date.now() - t0, page.url());
await page.screenshot({ path: "/tmp/sb/probe.png" });
const info = await page.evaluate(() => ({
  rows: document.querySelectorAll('[role="row"]').length,
  ag: document.querySelectorAll('.ag-row').length,
  has: document.body.innerText.includes("run-009999"),
  txt: document.body.innerText.slice(0, 1500),
}));
console.log(JSON.stringify(info, null, 1));
await browser.close();
