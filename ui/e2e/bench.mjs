#!/usr/bin/env node
// Browser timings for benchmarks/studio.py, in Debian's Chromium through playwright-core,
// launched as e2e/run.mjs launches it. Usage: node e2e/bench.mjs CONFIG_JSON
//   CONFIG_JSON  {repeats, newest_run_name, min_rows,
//                 ours: {url, experiment_id, chart_url, chart_run_id, chart_key},
//                 mlflow?: {url, experiment_id}}
// Every measurement runs in a fresh browser context (empty cache, cold page). Times are taken
// inside the page with performance.now(), i.e. from the start of the navigation, polled on
// every animation frame. Prints one JSON line of results; exits 1 on failure.
import { existsSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";

const cfg = JSON.parse(readFileSync(process.argv[2], "utf8"));
const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
if (!existsSync(executablePath)) {
  console.log(JSON.stringify({ ok: false, error: `no Chromium at ${executablePath}` }));
  process.exit(3);
}
const T = cfg.timeout_ms ?? 120000;
const minRows = cfg.min_rows ?? 10;

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
});

/** Opens `url` in a fresh context; resolves with performance.now() when `ready` holds. */
async function timeTo(url, ready, arg, { scripts, api } = {}) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.setDefaultTimeout(T);
  const js = [];
  if (scripts) {
    page.on("response", async (resp) => {
      if (resp.request().resourceType() !== "script") return;
      try {
        const body = await resp.body();
        js.push({ url: resp.url(), raw: body.length, gzip: gzipSync(body, { level: 9 }).length });
      } catch { /* a redirect or an aborted request has no body */ }
    });
  }
  try {
    await page.goto(url, { waitUntil: "commit" });
    const handle = await page.waitForFunction(ready, arg, { polling: "raf", timeout: T });
    const ms = await handle.jsonValue();
    // How long the page's API request (the first whose URL contains `api`) took, from the
    // browser's resource timing: the server's share of the wait.
    const apiMs = api ? await page.evaluate((pat) => {
      const e = performance.getEntriesByType("resource").find((r) => r.name.includes(pat));
      return e ? e.responseEnd - e.startTime : null;
    }, api) : null;
    if (scripts) await page.waitForLoadState("networkidle", { timeout: T }).catch(() => {});
    return { ms, js, apiMs };
  } finally {
    await context.close();
  }
}

// Our runs table: the first page of rows rendered, newest run first.
function oursTable({ newest, minRows }) {
  const rows = document.querySelectorAll('[data-testid="runs-table"] .runs-row[data-run-id]');
  if (rows.length < minRows) return false;
  const first = rows[0].querySelector(".td.name a");
  return first && first.textContent === newest ? performance.now() : false;
}

// MLflow's runs table (ag-grid): rows rendered with the newest run's name among them.
function mlflowTable({ newest, minRows }) {
  const rows = document.querySelectorAll(".ag-center-cols-container .ag-row, [role='row'][row-index]");
  if (rows.length < minRows) return false;
  for (const a of document.querySelectorAll("a")) if (a.textContent === newest) return performance.now();
  return false;
}

// Our metric chart: uPlot's canvas present and painted (a non-empty path was stroked).
function oursChart({ key }) {
  const canvas = document.querySelector(`[data-testid="chart-${key}"] canvas`);
  if (!canvas || canvas.width === 0) return false;
  const ctx = canvas.getContext("2d");
  const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
  for (let i = 3; i < data.length; i += 4 * 7) if (data[i] !== 0) return performance.now();
  return false;
}

const out = { ok: true, ours_table_ms: [], mlflow_table_ms: [], ours_chart_ms: [], js: {},
  ours_table_api_ms: [], mlflow_table_api_ms: [], ours_chart_api_ms: [] };
const API = { ours: "/api/v1/runs/search", mlflow: "/mlflow/runs/search" };
let exitCode = 0;
try {
  const arg = { newest: cfg.newest_run_name, minRows };
  const oursUrl = `${cfg.ours.url}/experiments/${cfg.ours.experiment_id}`;
  // MLflow 3 opens an experiment on its GenAI overview: go straight to the runs table.
  const mlUrl = cfg.mlflow ? `${cfg.mlflow.url}/#/experiments/${cfg.mlflow.experiment_id}/runs?workflowType=machine_learning` : null;
  // One untimed warm-up each (server caches, Chromium's own start-up), then the repeats,
  // alternating which side goes first.
  const first = await timeTo(oursUrl, oursTable, arg, { scripts: true });
  out.js.ours = first.js;
  if (mlUrl) out.js.mlflow = (await timeTo(mlUrl, mlflowTable, arg, { scripts: true })).js;
  for (let i = 0; i < cfg.repeats; i++) {
    const sides = [["ours", oursUrl, oursTable], ...(mlUrl ? [["mlflow", mlUrl, mlflowTable]] : [])];
    if (i % 2) sides.reverse();
    for (const [side, url, fn] of sides) {
      const r = await timeTo(url, fn, arg, { api: API[side] });
      out[`${side}_table_ms`].push(r.ms);
      out[`${side}_table_api_ms`].push(r.apiMs);
    }
  }
  const chartUrl = `${cfg.ours.chart_url ?? cfg.ours.url}/runs/${cfg.ours.chart_run_id}?tab=metrics`;
  const carg = { key: cfg.ours.chart_key };
  await timeTo(chartUrl, oursChart, carg);
  for (let i = 0; i < cfg.repeats; i++) {
    const r = await timeTo(chartUrl, oursChart, carg, { api: "/history" });
    out.ours_chart_ms.push(r.ms);
    out.ours_chart_api_ms.push(r.apiMs);
  }
} catch (e) {
  exitCode = 1;
  out.ok = false;
  out.error = String(e?.stack ?? e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
process.exit(exitCode);
