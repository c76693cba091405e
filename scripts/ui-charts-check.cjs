#!/usr/bin/env node
// Check of the training charts of `thinktune ui --log` / `train --ui`: opens the Plots tab in headless Chromium,
// takes a screenshot, and checks by the page's own DOM that the charts lead with the ThinkTuning metrics under
// their metric names (the legends, in order) and that guided steps are shaded and said so. Fails (exit 1) with
// what was missing.
//
//   node scripts/ui-charts-check.cjs URL OUT.png
//
// URL: the charts page (.../thinktune/samediff/NAME?page=plots). Needs Debian's chromium and playwright-core:
// (cd /tmp/pw && npm i playwright-core) and PLAYWRIGHT_CORE=/tmp/pw/node_modules/playwright-core.
'use strict';
const fs = require('fs');
const path = require('path');
const {chromium} = require(process.env.PLAYWRIGHT_CORE || 'playwright-core');

// TrainingUiLog.THINKTUNING_METRICS, then the guided-step series
const LEADING = ['reward/mean', 'accuracy', 'kl', 'clip_ratio', 'aas/weight_mean', 'aas/masked_tokens',
    'guided_fraction', 'teacher/failures', 'guided_step'];
const SHADED = '(shaded: guided steps)';

const [url, shot] = process.argv.slice(2);
if (!url || !shot) {
    console.error('usage: node scripts/ui-charts-check.cjs URL OUT.png');
    process.exit(2);
}

async function main() {
    const browser = await chromium.launch({executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic']});
    try {
        const page = await browser.newPage({viewport: {width: 1400, height: 2200}});
        const errors = [];
        page.on('pageerror', e => errors.push(String(e)));
        await page.goto(url);
        await page.waitForFunction(() => document.querySelectorAll('#samediffcontent [id^=sdLineChart_] .legendLabel').length > 0,
            null, {timeout: 60000});
        await page.waitForTimeout(500);
        fs.mkdirSync(path.dirname(path.resolve(shot)), {recursive: true});
        await page.screenshot({path: shot});
        const legends = await page.$$eval('#samediffcontent [id^=sdLineChart_] .legendLabel', els => els.map(e => e.textContent));
        const names = legends.map(l => l.replace(SHADED, '').trim());
        const expected = LEADING.filter(n => names.includes(n));
        const problems = [];
        if (JSON.stringify(names.slice(0, expected.length)) !== JSON.stringify(expected)) {
            problems.push('the charts do not lead with the ThinkTuning metrics: ' + JSON.stringify(names.slice(0, 10)));
        }
        for (const n of ['reward/mean', 'kl', 'clip_ratio', 'guided_fraction', 'guided_step']) {
            if (!names.includes(n)) {
                problems.push(`no chart named '${n}'`);
            }
        }
        const guided = await page.evaluate(() => {
            const y = sdPlotsLineChartY.get('guided_step') || [];
            return y.filter(v => Number(v) > 0).length;
        });
        if (guided > 0 && !legends.every(l => l.includes(SHADED))) {
            problems.push(`${guided} guided steps, but not every chart says they are shaded`);
        }
        if (errors.length) {
            problems.push('page errors: ' + errors.join('; '));
        }
        console.log(`${shot}: ${legends.length} charts, first ${JSON.stringify(names.slice(0, expected.length))}; `
            + `${guided} guided steps shaded`);
        if (problems.length) {
            throw new Error(problems.join('\n  '));
        }
    } finally {
        await browser.close();
    }
}

main().catch(e => {
    console.error('ui-charts-check: FAILED: ' + e.message);
    process.exit(1);
});
