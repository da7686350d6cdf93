#!/usr/bin/env node
// End-to-end run of the Studio in Debian's Chromium through playwright-core (no browser
// download). Usage: node e2e/run.mjs URL OUTDIR SEED_JSON
//   URL        a live Modelyard server with the seeded workspace (tests/studio/seed.py)
//   OUTDIR     where a screenshot of every page is written
//   SEED_JSON  what the seed made: {experiment_id, best_run_name, run_ids, ...}
// Prints one JSON line {"ok": bool, "steps": [...], "error"?: str} and exits 1 on failure.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [url, outDir, seedPath] = process.argv.slice(2);
if (!url || !outDir || !seedPath) {
  console.error("usage: node e2e/run.mjs URL OUTDIR SEED_JSON");
  process.exit(2);
}
const seed = JSON.parse(readFileSync(seedPath, "utf8"));
const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
if (!existsSync(executablePath)) {
  console.log(JSON.stringify({ ok: false, error: `no Chromium at ${executablePath}` }));
  process.exit(3);
}
mkdirSync(outDir, { recursive: true });

const steps = [];
const problems = [];
const T = 15000;

function check(cond, msg) {
  if (!cond) throw new Error(msg);
}

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
});
let exitCode = 0;
try {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1, colorScheme: "light" });
  const page = await context.newPage();
  page.setDefaultTimeout(T);
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && !/status of 400|status of 404/.test(m.text())) problems.push(`console error: ${m.text()}`);
  });
  const shot = async (name) => {
    await page.waitForTimeout(0);
    await page.screenshot({ path: join(outDir, `${name}.png`), fullPage: false });
    steps.push(`screenshot ${name}`);
  };
  const step = (s) => steps.push(s);
  const rowNames = () => page.$$eval('[data-testid="runs-table"] .runs-row[data-run-id] .td.name a', (els) => els.map((e) => e.textContent));

  // Home
  await page.goto(url);
  await page.waitForSelector('[data-testid="runs-list"]');
  await page.waitForSelector('[data-testid="counts"] .stat .value:not(:has(.skeleton))');
  await page.evaluate(() => { window.__noReload = true; });
  await shot("home");

  // Experiments, reached through the navigation
  await page.click('nav[aria-label="Main"] >> text=Experiments');
  await page.waitForSelector('[data-testid="experiments-table"]');
  await shot("experiments");
  await page.click(`[data-testid="experiments-table"] >> text=${seed.experiment_name}`);
  await page.waitForSelector('[data-testid="runs-table"] .runs-row[data-run-id]');
  step("opened the experiment's runs table");

  // Find the best run by acc: sort by the acc header (server-side), best first.
  await page.click('[data-testid="runs-table"] button[data-col="metrics.acc"]');
  await page.waitForURL(/sort=metrics\.acc/);
  await page.waitForFunction((best) => {
    const a = document.querySelector('[data-testid="runs-table"] .runs-row[data-run-id] .td.name a');
    return a && a.textContent === best;
  }, seed.best_run_name);
  step(`sorted by acc: best run ${seed.best_run_name} is first`);
  await shot("runs-table");

  // A filter with a syntax error shows the server's message under the box.
  await page.fill('[data-testid="filter-input"]', "metrics.acc >> 0.5");
  await page.press('[data-testid="filter-input"]', "Enter");
  const err = await page.waitForSelector('[data-testid="filter-error"]');
  const errText = await err.textContent();
  check(/position|column|char|at /i.test(errText ?? ""), `filter error should say where: ${errText}`);
  step(`bad filter -> inline error: ${errText}`);
  await shot("runs-filter-error");

  // A good filter narrows the runs.
  await page.fill('[data-testid="filter-input"]', "params.optimizer = 'adam' and metrics.acc > 0.5");
  await page.press('[data-testid="filter-input"]', "Enter");
  await page.waitForSelector('[data-testid="filter-error"]', { state: "detached" });
  await page.waitForFunction(() => /matching the filter/.test(document.querySelector('[data-testid="runs-status"]')?.textContent ?? ""));
  const filtered = await rowNames();
  check(filtered.length > 0 && filtered.every((n) => n.includes("adam")), `filter returned non-adam runs: ${filtered}`);
  step(`filter kept ${filtered.length} adam runs`);

  // Keyboard: focus the table, move down, select with Space.
  await page.focus('[data-testid="runs-table"]');
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("Space");
  await page.waitForURL(/sel=/);
  step("selected a run with the keyboard");
  // Two more with the checkboxes: three selected.
  const boxes = await page.$$('[data-testid="runs-table"] .runs-row[data-run-id] input[type="checkbox"]');
  await boxes[0].click();
  await boxes[2].click();
  await page.waitForFunction(() => /3<\/b> selected|3 selected/.test(document.querySelector('[data-testid="runs-status"]')?.innerHTML ?? ""));
  await shot("runs-selected");
  await page.click('[data-testid="compare-button"]');
  await page.waitForSelector('[data-testid="compare-page"]');
  await page.waitForSelector('[data-testid="params-diff"] tr.differs');
  await page.waitForSelector('[data-testid="parallel-coordinates"] polyline');
  await page.waitForSelector('[data-testid^="compare-chart-"] canvas');
  const chips = await page.$$eval(".run-chip", (els) => els.length);
  check(chips === 3, `compare shows ${chips} runs, expected 3`);
  step("compared 3 runs: params diff, parallel coordinates, overlaid charts");
  await shot("compare");

  // The best run, opened from the comparison (client-side navigation).
  await page.goBack();
  await page.waitForSelector('[data-testid="runs-table"] .runs-row[data-run-id]');
  await page.fill('[data-testid="filter-input"]', "");
  await page.press('[data-testid="filter-input"]', "Enter");
  await page.click(`[data-testid="runs-table"] >> text=${seed.best_run_name}`);
  await page.waitForSelector('[data-testid="run-params"]');
  check((await page.textContent('[data-testid="run-name"]')) === seed.best_run_name, "run page shows another run");
  await shot("run-overview");
  await page.click('role=tab[name=/Metrics/]');
  await page.waitForSelector('[data-testid="chart-acc"] canvas');
  await shot("run-metrics");
  await page.click('.segmented >> text=Time');
  await page.waitForURL(/x=time/);
  await page.fill('input[aria-label="Smoothing"]', "0.6");
  await page.waitForURL(/smooth=0\.6/);
  // a click, not page.check(): the box shows the URL's state, which react-router updates in a
  // transition, so it may turn checked a frame after the click (page.check fails right away)
  await page.click('[data-testid="chart-controls"] input[type="checkbox"]');
  await page.waitForURL(/log=1/);
  await page.waitForSelector('[data-testid="chart-controls"] input[type="checkbox"]:checked');
  step("metric charts: time axis, smoothing, log scale");
  await shot("run-metrics-smoothed");

  // Artifacts of a run that has every preview kind.
  await page.evaluate((id) => { history.pushState({}, "", `/runs/${id}?tab=artifacts`); dispatchEvent(new PopStateEvent("popstate")); }, seed.run_ids[0]);
  await page.waitForSelector('[data-testid="artifacts"] [data-path="eval/predictions.csv"]');
  await page.click('[data-path="eval/predictions.csv"]');
  await page.waitForSelector('[data-testid="csv-preview"] tbody tr');
  const csvRows = await page.$$eval('[data-testid="csv-preview"] tbody tr', (r) => r.length);
  check(csvRows === 40, `CSV preview shows ${csvRows} rows, expected 40`);
  await shot("run-artifacts-csv");
  await page.click('[data-path="config.json"]');
  await page.waitForSelector('[data-testid="json-preview"] .json-key');
  await shot("run-artifacts-json");
  await page.click('[data-path="config.yaml"]');
  await page.waitForSelector('[data-testid="yaml-preview"] .yaml-key');
  await page.click('[data-path="plots/confusion.png"]');
  await page.waitForFunction(() => {
    const img = document.querySelector('[data-testid="image-preview"]');
    return img && img.complete && img.naturalWidth > 0;
  });
  await page.click('[data-path="logs/train.log"]');
  await page.waitForSelector('[data-testid="text-preview"]');
  step("artifact previews: CSV table, JSON, YAML, image, text");

  // Child runs.
  await page.evaluate((id) => { history.pushState({}, "", `/runs/${id}?tab=children`); dispatchEvent(new PopStateEvent("popstate")); }, seed.parent_run_id);
  await page.waitForSelector('[data-testid="runs-list"] tbody tr');
  const kids = await page.$$eval('[data-testid="runs-list"] tbody tr', (r) => r.length);
  check(kids === 3, `child runs: ${kids}, expected 3`);
  await shot("run-children");

  // A long metric, downsampled by the server.
  await page.evaluate((id) => { history.pushState({}, "", `/runs/${id}?tab=metrics`); dispatchEvent(new PopStateEvent("popstate")); }, seed.long_run_id);
  await page.waitForSelector('[data-testid="chart-noise"] canvas');
  await page.waitForSelector("text=downsampled by the server");
  await shot("run-metrics-long");

  // Jobs: the list with live status, a finished job's log, a running job's live log tail.
  const slow = { timeout: 90000 };
  await page.click('nav[aria-label="Main"] >> text=Jobs');
  await page.waitForSelector(`[data-testid="jobs-table"] tr[data-job-id="${seed.finished_job_id}"] [data-status="Finished"]`);
  await page.waitForSelector(`[data-testid="jobs-table"] tr[data-job-id="${seed.live_job_id}"] [data-status="Running"]`, slow);
  step("jobs list: a finished and a running job with their status");
  await shot("jobs");
  await page.click(`[data-testid="jobs-table"] >> text=${seed.finished_job_name}`);
  await page.waitForSelector('[data-testid="log-phase"][data-phase="ended"]');
  const finishedLog = await page.textContent('[data-testid="job-log"]');
  check(/epoch 5\/5/.test(finishedLog) && /saved model/.test(finishedLog), `finished job's log: ${finishedLog}`);
  check((await page.textContent('[data-testid="job-facts"]')).includes("Exit code0"), "job facts lack the exit code");
  step("finished job: its whole log and exit code");
  await shot("job-logs");
  await page.evaluate((id) => { history.pushState({}, "", `/jobs/${id}?tab=logs`); dispatchEvent(new PopStateEvent("popstate")); }, seed.live_job_id);
  await page.waitForSelector('[data-testid="log-phase"][data-phase="following"]', slow);
  await page.waitForFunction(() => /tick 4/.test(document.querySelector('[data-testid="job-log"]')?.textContent ?? ""), null, slow);
  await page.waitForSelector('.page-head [data-status="Running"]', slow);
  await shot("job-logs-live");
  writeFileSync(seed.release_file, "go");  // the job prints its last line and exits
  await page.waitForFunction(() => /released: finishing/.test(document.querySelector('[data-testid="job-log"]')?.textContent ?? ""), null, slow);
  await page.waitForSelector('[data-testid="log-phase"][data-phase="ended"]', slow);
  await page.waitForSelector('.page-head [data-status="Finished"]', slow);
  step("followed a running job's log live until the job finished");

  // Data: the asset list, a table's preview and its profile.
  await page.click('nav[aria-label="Main"] >> text=Data');
  await page.waitForSelector(`[data-testid="data-table"] tr[data-asset="${seed.data_asset}"]`);
  await shot("data");
  await page.click(`[data-testid="data-table"] >> text=${seed.data_asset}`);
  await page.waitForSelector('[data-testid="data-preview"] tbody tr');
  const previewRows = await page.$$eval('[data-testid="data-preview"] tbody tr', (r) => r.length);
  check(previewRows === 100, `data preview shows ${previewRows} rows, expected the first 100`);
  await shot("data-preview");
  await page.click('role=tab[name=/Profile/]');
  await page.waitForSelector('[data-testid="data-profile"] tr[data-column="bill_length_mm"] .histogram rect');
  const missing = await page.textContent('[data-testid="data-profile"] tr[data-column="bill_length_mm"] td:nth-child(3)');
  check(/^7 /.test(missing ?? ""), `bill_length_mm should have 7 missing values: ${missing}`);
  step("data asset: preview table and profile (types, missing, histograms)");
  await shot("data-profile");

  // Compute targets.
  await page.click('nav[aria-label="Main"] >> text=Compute');
  await page.waitForSelector('[data-testid="computes-table"] tr[data-compute="local"]');
  await shot("compute");

  // Models: the registry, a version with its signature, input example and lineage.
  await page.click('nav[aria-label="Main"] >> text=Models');
  await page.waitForSelector(`[data-testid="models-table"] tr[data-model="${seed.model_name}"]`);
  const aliasText = await page.textContent(`[data-testid="models-table"] tr[data-model="${seed.model_name}"]`);
  check(/@champion/.test(aliasText ?? ""), `the models list shows no alias: ${aliasText}`);
  await shot("models");
  await page.click(`[data-testid="models-table"] tr[data-model="${seed.model_name}"] >> text=v${seed.model_version}`);
  await page.waitForSelector('[data-testid="signature-inputs"] tbody tr');
  const sigCols = await page.$$eval('[data-testid="signature-inputs"] tbody tr td:first-child', (els) => els.map((e) => e.textContent));
  check(sigCols.includes("sepal_length"), `signature columns: ${sigCols.join(", ")}`);
  await page.waitForSelector('[data-testid="input-example"]');
  await page.waitForSelector(`[data-testid="lineage"] a[href="/runs/${seed.model_run_id}"]`);
  await page.waitForSelector(`[data-testid="lineage"] >> text=${seed.model_data_input}`);
  await page.waitForSelector('[data-testid="model-files"] >> text=MLmodel');
  step(`model version ${seed.model_name} v${seed.model_version}: signature, input example, lineage to its run and data`);
  await shot("model-version");

  // Endpoints: the list, deployments with traffic, the test console, monitoring.
  await page.click('nav[aria-label="Main"] >> text=Endpoints');
  await page.waitForSelector(`[data-testid="endpoints-table"] tr[data-endpoint="${seed.endpoint_name}"] [data-status="Ready"]`);
  await shot("endpoints");
  await page.click(`[data-testid="endpoints-table"] >> text=${seed.endpoint_name}`);
  await page.waitForSelector(`[data-testid="deployments-table"] tr[data-deployment="${seed.deployment_name}"]`);
  const share = await page.textContent(`[data-testid="traffic-${seed.deployment_name}"]`);
  check(share === "100%", `traffic of ${seed.deployment_name}: ${share}`);
  await shot("endpoint");
  await page.click('role=tab[name=/Test/]');
  await page.waitForFunction(() => /sepal_length/.test(document.querySelector('[data-testid="console-body"]')?.value ?? ""));
  await page.click('[data-testid="send"]');
  await page.waitForSelector('[data-testid="prediction"]');
  const prediction = await page.textContent('[data-testid="prediction"]');
  check(/"predictions":\s*\[\s*[012],\s*[012]\s*\]/.test(prediction ?? ""), `no prediction shown: ${prediction}`);
  const status = await page.textContent('[data-testid="response-status"]');
  const served = await page.textContent('[data-testid="response-deployment"]');
  check(status === "200", `console status ${status}`);
  step(`endpoint console: prediction from deployment ${served}, status ${status}`);
  await shot("endpoint-console");
  for (let i = 0; i < 3; i++) { // a few more requests, so the monitoring charts have points
    const answered = page.waitForResponse((r) => r.url().endsWith(`/endpoints/${seed.endpoint_name}/score`));
    await page.click('[data-testid="send"]');
    await answered;
  }
  await page.click('role=tab[name=/Monitoring/]');
  await page.waitForSelector('[data-testid="endpoint-metrics"]');
  await page.waitForSelector('[data-testid="endpoint-charts"] canvas');
  // For the screenshot only: give the request log (flushed by the server in the background,
  // polled by the page every 5 s) the chance to hold the four requests.
  await page.waitForSelector("text=/last [2-9] logged requests/", { timeout: 12000 }).catch(() => {});
  await shot("endpoint-monitoring");
  // A page that does not exist.
  await page.evaluate(() => { history.pushState({}, "", "/no/such/page"); dispatchEvent(new PopStateEvent("popstate")); });
  await page.waitForSelector("text=This page does not exist");

  // Dark theme, remembered across a reload.
  await page.click('nav[aria-label="Main"] >> text=Home');
  await page.click('[data-testid="theme-toggle"]');
  check(await page.evaluate(() => document.documentElement.dataset.theme === "dark"), "theme did not switch");
  check(await page.evaluate(() => window.__noReload === true), "a navigation reloaded the page");
  step("every navigation stayed in the page (no full reload)");
  await page.goto(`${url}/experiments/${seed.experiment_id}?sort=metrics.acc`);
  await page.waitForSelector('[data-testid="runs-table"] .runs-row[data-run-id]');
  check(await page.evaluate(() => document.documentElement.dataset.theme === "dark"), "dark theme not kept after reload");
  await shot("runs-table-dark");
  await page.goto(`${url}/compare?runs=${seed.run_ids.slice(0, 3).join(",")}`);
  await page.waitForSelector('[data-testid="parallel-coordinates"] polyline');
  await page.waitForSelector('[data-testid^="compare-chart-"] canvas');
  await shot("compare-dark");
  await page.goto(`${url}/runs/${seed.best_run_id}?tab=metrics`);
  await page.waitForSelector('[data-testid="chart-acc"] canvas');
  await shot("run-metrics-dark");

  check(problems.length === 0, `browser errors: ${problems.join(" | ")}`);
  console.log(JSON.stringify({ ok: true, steps }));
} catch (e) {
  exitCode = 1;
  console.log(JSON.stringify({ ok: false, steps, problems, error: String(e?.stack ?? e) }));
} finally {
  await browser.close();
}
process.exit(exitCode);
