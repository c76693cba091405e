// Shared by the UI checks (ui-graph-check.cjs, ui-charts-check.cjs): opens a page in headless Chromium, waits
// until `ready` (a function evaluated in the page) holds, takes a screenshot, hands the page to `check`, and
// reports problems (the check's and the page's own errors) by exiting 1. Needs Debian's chromium and
// playwright-core (PLAYWRIGHT_CORE=/tmp/pw/node_modules/playwright-core after `npm i playwright-core` there).
'use strict';
const fs = require('fs');
const path = require('path');
const {chromium} = require(process.env.PLAYWRIGHT_CORE || 'playwright-core');

/**
 * check(page) returns {summary, problems}: a line to print and a list of what is wrong (empty: pass).
 */
async function checkPage(name, url, shot, viewport, ready, check) {
    const browser = await chromium.launch({executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic']});
    try {
        const page = await browser.newPage({viewport});
        const errors = [];
        page.on('pageerror', e => errors.push(String(e)));
        await page.goto(url);
        await page.waitForFunction(ready, null, {timeout: 60000});
        await page.waitForTimeout(500);
        fs.mkdirSync(path.dirname(path.resolve(shot)), {recursive: true});
        await page.screenshot({path: shot});
        const {summary, problems} = await check(page);
        if (errors.length) {
            problems.push('page errors: ' + errors.join('; '));
        }
        console.log(shot + ': ' + summary);
        if (problems.length) {
            throw new Error(problems.join('\n  '));
        }
    } catch (e) {
        console.error(name + ': FAILED: ' + e.message);
        process.exitCode = 1;
    } finally {
        await browser.close();
    }
}

module.exports = {checkPage};
