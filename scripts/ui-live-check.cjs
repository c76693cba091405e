#!/usr/bin/env node
// Browser check of the live charts: `thinktune ui --log` serves a log that grows while the Plots tab is open
// with ?refresh=1, as when a training run appends to it; the page must pick up the new steps by itself.
//
//   node scripts/ui-live-check.cjs LOG [OUT.png]
//
// LOG is a complete training UI log (one written by TrainingUiLog). The script copies its first half (cut in
// the middle of a record, as a reader can catch a writer), serves the copy, opens the charts in headless
// Chromium, appends the rest in uneven chunks and waits for the 'loss' chart to reach every step in LOG.
// Builds nothing (run `mvn -q -DskipTests package` first). Needs Debian's chromium and playwright-core:
//   (cd /tmp/pw && npm i playwright-core) and PLAYWRIGHT_CORE=/tmp/pw/node_modules/playwright-core
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const net = require('net');
const {spawn} = require('child_process');
const {chromium} = require(process.env.PLAYWRIGHT_CORE || 'playwright-core');

const root = path.resolve(__dirname, '..');
const [logArg, shotArg] = process.argv.slice(2);
if (!logArg) {
    console.error('usage: node scripts/ui-live-check.cjs LOG [OUT.png]');
    process.exit(2);
}
const full = fs.readFileSync(logArg);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thinktune-live-'));
const live = path.join(dir, 'live-run.sdlog');
const shot = shotArg || path.join(root, 'target', 'ui-screenshots', 'charts-live.png');

function freePort() {
    return new Promise((resolve, reject) => {
        const s = net.createServer();
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => {
            const p = s.address().port;
            s.close(() => resolve(p));
        });
    });
}

const sleep = ms => new Promise(r => setTimeout(r, ms));

async function waitForServer(base, server) {
    for (let i = 0; i < 120; i++) {
        if (server.exitCode !== null) {
            throw new Error('the server exited');
        }
        try {
            if ((await fetch(base + '/thinktune/logs')).ok) {
                return;
            }
        } catch (e) {
            // not up yet
        }
        await sleep(1000);
    }
    throw new Error('no answer from ' + base);
}

async function main() {
    const half = Math.floor(full.length / 2) + 3;   // three bytes into whatever record is there
    fs.writeFileSync(live, full.subarray(0, half));
    const port = await freePort();
    const base = 'http://127.0.0.1:' + port;
    const server = spawn(path.join(root, 'bin', 'thinktune'), ['ui', '--log', live, '--port', String(port)],
        {stdio: ['ignore', 'inherit', 'inherit']});
    let browser;
    try {
        await waitForServer(base, server);
        const summary = await (await fetch(base + '/thinktune/logs/live-run/summary')).json();
        const before = (summary.scalars.loss || []).length;

        browser = await chromium.launch({executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
            args: ['--no-sandbox', '--disable-gpu', '--disable-quic']});
        const page = await browser.newPage({viewport: {width: 1400, height: 900}});
        const errors = [];
        page.on('pageerror', e => errors.push(String(e)));
        await page.goto(base + '/thinktune/samediff/live-run?page=plots&refresh=1');
        const count = () => page.evaluate(() =>
            sdPlotsLineChartY.has('loss') ? sdPlotsLineChartY.get('loss').length : 0);
        await page.waitForFunction(() => sdPlotsLineChartY.has('loss'), null, {timeout: 30000});
        const first = await count();
        console.log(`loss points: ${before} in the half log, ${first} on the page`);

        // the rest, in chunks that end mid-record
        const rest = full.subarray(half);
        const cuts = [0, Math.floor(rest.length * 0.3) + 1, Math.floor(rest.length * 0.7) + 5, rest.length];
        for (let i = 0; i + 1 < cuts.length; i++) {
            fs.appendFileSync(live, rest.subarray(cuts[i], cuts[i + 1]));
            await sleep(1500);
            console.log(`appended ${cuts[i + 1]} of ${rest.length} bytes; loss points on the page: ${await count()}`);
        }
        const total = (await (await fetch(base + '/thinktune/logs/live-run/summary')).json()).scalars.loss.length;
        await page.waitForFunction(n => sdPlotsLineChartY.get('loss').length === n, total, {timeout: 20000});
        const charts = await page.locator('#samediffcontent canvas.flot-base').count();
        fs.mkdirSync(path.dirname(shot), {recursive: true});
        await page.screenshot({path: shot});
        if (errors.length) {
            throw new Error('page errors: ' + errors.join('; '));
        }
        if (!(first < total)) {
            throw new Error(`the half log already had all ${total} steps; nothing was shown growing`);
        }
        console.log(`OK: the page went from ${first} to ${total} loss points by itself; ${charts} charts; ${shot}`);
    } finally {
        if (browser) {
            await browser.close();
        }
        server.kill('SIGTERM');
        await new Promise(r => server.exitCode !== null ? r() : server.once('exit', r));
        fs.rmSync(dir, {recursive: true, force: true});
    }
}

main().catch(e => {
    console.error('ui-live-check: ' + e.message);
    process.exit(1);
});
