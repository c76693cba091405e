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
const {checkPage} = require('./ui-page.cjs');

// TrainingUiLog.THINKTUNING_METRICS, then the guided-step series
const LEADING = ['reward/mean', 'accuracy', 'kl', 'clip_ratio', 'aas/weight_mean', 'aas/masked_tokens',
    'guided_fraction', 'teacher/failures', 'guided_step'];
const SHADED = '(shaded: guided steps)';

const [url, shot] = process.argv.slice(2);
if (!url || !shot) {
    console.error('usage: node scripts/ui-charts-check.cjs URL OUT.png');
    process.exit(2);
}

const LEGENDS = '#samediffcontent [id^=sdLineChart_] .legendLabel';

checkPage('ui-charts-check', url, shot, {width: 1400, height: 2200},
    () => document.querySelectorAll('#samediffcontent [id^=sdLineChart_] .legendLabel').length > 0,
    async (page) => {
        const legends = await page.$$eval(LEGENDS, els => els.map(e => e.textContent));
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
        const guided = await page.evaluate(() =>
            (sdPlotsLineChartY.get('guided_step') || []).filter(v => Number(v) > 0).length);
        if (guided > 0 && !legends.every(l => l.includes(SHADED))) {
            problems.push(`${guided} guided steps, but not every chart says they are shaded`);
        }
        return {
            summary: `${legends.length} charts, first ${JSON.stringify(names.slice(0, expected.length))}; `
                + `${guided} guided steps shaded`,
            problems,
        };
    });
