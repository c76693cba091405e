#!/usr/bin/env node
// Legibility check of the SameDiff page of `thinktune ui`: opens a graph page in headless Chromium, takes a
// screenshot, and checks by the page's own state that a person can read it:
//   - the sidebar lists the expected blocks (DOM text);
//   - the graph's nodes (cytoscape, which draws on a canvas) carry the expected labels, at least MIN_NODES of
//     them lie wholly inside the view, and their labels are drawn at >= 10 px on screen (font size x zoom).
// Fails (exit 1) with what was missing.
//
//   node scripts/ui-graph-check.cjs URL OUT.png EXPECT_LABEL... [--blocks NAME,NAME...] [--min-nodes N]
//
// EXPECT_LABEL: text that must appear in some node's or edge's label (e.g. model.layers.2.self_attn/softmax).
// Needs Debian's chromium and playwright-core: (cd /tmp/pw && npm i playwright-core) and
// PLAYWRIGHT_CORE=/tmp/pw/node_modules/playwright-core.
'use strict';
const {checkPage} = require('./ui-page.cjs');

const MIN_PX = 10;
const args = process.argv.slice(2);
let blocks = [];
let minNodes = 5;
const rest = [];
for (let i = 0; i < args.length; i++) {
    if (args[i] === '--blocks') {
        blocks = args[++i].split(',');
    } else if (args[i] === '--min-nodes') {
        minNodes = Number(args[++i]);
    } else {
        rest.push(args[i]);
    }
}
const [url, shot, ...expected] = rest;
if (!url || !shot) {
    console.error('usage: node scripts/ui-graph-check.cjs URL OUT.png EXPECT_LABEL... [--blocks A,B] [--min-nodes N]');
    process.exit(2);
}

checkPage('ui-graph-check', url, shot, {width: 1400, height: 900}, () => window.thinktuneGraphReady === true,
    async (page) => {
        const state = await page.evaluate(() => {
            const w = cy.width(), h = cy.height(), zoom = cy.zoom();
            const nodes = cy.nodes().map(n => {
                const bb = n.renderedBoundingBox({includeLabels: true});
                return {
                    label: n.data('label') || '',
                    px: parseFloat(n.style('font-size')) * zoom,
                    inView: bb.x1 >= 0 && bb.y1 >= 0 && bb.x2 <= w && bb.y2 <= h,
                };
            });
            const edges = cy.edges().map(e => ({label: e.data('label') || '',
                px: parseFloat(e.style('font-size')) * zoom}));
            const sidebar = Array.from(document.querySelectorAll('#thinktune-block-list a.thinktune-block'))
                .map(a => a.textContent);
            return {zoom, nodes, edges, sidebar, ops: sdGraphOpsList.length};
        });
        const problems = [];
        const visible = state.nodes.filter(n => n.inView && n.px >= MIN_PX);
        if (visible.length < Math.min(minNodes, state.nodes.length)) {
            problems.push(`only ${visible.length} nodes are in view with labels >= ${MIN_PX} px (zoom `
                + `${state.zoom.toFixed(2)}; want ${minNodes})`);
        }
        for (const want of expected) {
            const found = state.nodes.concat(state.edges).find(x => x.label.includes(want));
            if (!found) {
                problems.push(`no label contains '${want}'`);
            } else if (found.px < MIN_PX) {
                problems.push(`'${want}' is drawn at ${found.px.toFixed(1)} px`);
            }
        }
        for (const b of blocks) {
            if (!state.sidebar.includes(b)) {
                problems.push(`the sidebar does not list block '${b}' (it lists ${JSON.stringify(state.sidebar)})`);
            }
        }
        return {
            summary: `${state.ops} ops drawn, zoom ${state.zoom.toFixed(2)}, ${visible.length} nodes in view with `
                + `labels >= ${MIN_PX} px, e.g. ${JSON.stringify(visible.slice(0, 3).map(n => n.label))}`,
            problems,
        };
    });
