/*
 * thinktune: opens a log served by the UI server in Deeplearning4j's SameDiff page, in place of its
 * "Select File" picker, and keeps the Plots tab current while a training run appends to the log.
 *
 * The page (templates/SameDiffUI.html, samediff-ui.js, samediff-plots.js) keeps the chosen file in the global
 * `file` and reads it with a FileReader; this script fetches /thinktune/logs/NAME, wraps the bytes in a File,
 * sets `file` and calls the page's own readGraphStructure(), which draws the graph exactly as after a pick.
 *
 * The graph opens as blocks (the embedding, each decoder layer, the head, the loss: the server rewrites the
 * log's graph, see GraphBlocks), laid out with labels large enough to read, and the sidebar lists the blocks:
 * each opens to its ops (block=NAME), and "every op" shows the whole graph (view=ops). Double-clicking a block
 * opens it too.
 *
 * Query parameters: block=NAME opens a block (or any scope, e.g. model.layers.0.self_attn); view=ops shows every
 * op; page=plots opens the Plots tab; refresh=S re-fetches the log every S seconds when it has grown and redraws
 * the charts (the graph is left as laid out); focus=NAME (with every op) zooms the graph to the node of a variable
 * or op (an op's output variable names its op) and shows it in the sidebar.
 */
(function () {
    var name = window.thinktuneLog;
    var params = new URLSearchParams(window.location.search);
    var refreshSeconds = Number(params.get("refresh") || 0);
    var lastSize = -1;
    var block = params.get("block");
    var view = block ? "block" : (params.get("view") || (params.get("focus") ? "ops" : "blocks"));

    function logUrl() {
        var base = "/thinktune/logs/" + encodeURIComponent(name);
        if (view === "block") {
            return base + "?block=" + encodeURIComponent(block);
        }
        return view === "blocks" ? base + "?view=blocks" : base;
    }

    function pageUrl(query) {
        return window.location.pathname + (query ? "?" + query : "");
    }

    function escapeHtml(text) {
        return String(text).replace(/[&<>"']/g, function (c) {
            return {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"}[c];
        });
    }

    // The sidebar's list of blocks: what each is, its size, a link that opens it.
    function showBlocks() {
        fetch("/thinktune/logs/" + encodeURIComponent(name) + "/blocks", {cache: "no-store"}).then(function (r) {
            return r.json();
        }).then(function (blocks) {
            if (blocks.length === 0) {
                return;
            }
            var here = view === "block" ? "Showing the ops of <b>" + escapeHtml(block) + "</b>"
                : view === "ops" ? "Showing every op" : "Showing the blocks";
            var html = "<div class=\"w-100\"><b>Blocks</b> (" + here + ")</div><ul id=\"thinktune-block-list\" "
                + "class=\"w-100\" style=\"padding-left: 1.2em; margin-bottom: 0.3em\">";
            blocks.forEach(function (b) {
                var current = view === "block" && b.name === block;
                html += "<li><a class=\"thinktune-block\" data-block=\"" + escapeHtml(b.name) + "\" href=\""
                    + pageUrl("block=" + encodeURIComponent(b.name)) + "\">" + (current ? "<b>" : "")
                    + escapeHtml(b.name) + (current ? "</b>" : "") + "</a> <small>" + escapeHtml(b.kind) + ", "
                    + b.ops.length + " ops</small></li>";
            });
            html += "</ul><div class=\"w-100\"><a id=\"thinktune-all-blocks\" href=\"" + pageUrl("") + "\">all blocks</a>"
                + " &middot; <a id=\"thinktune-every-op\" href=\"" + pageUrl("view=ops") + "\">every op</a></div>";
            var div = document.getElementById("thinktune-blocks");
            if (!div) {
                div = document.createElement("div");
                div.id = "thinktune-blocks";
                div.className = "row p-2";
                var top = document.getElementById("sidebartop");
                top.parentNode.insertBefore(div, top.nextSibling);
            }
            div.innerHTML = html;
        }).catch(function (e) {
            console.log("thinktune: no block list: " + e);
        });
    }

    // The page draws op labels at 6 px and fits the whole graph into view, which leaves them unreadable. For the
    // blocks and an opened block: larger labels in boxes sized to them, laid out again, at a zoom of at least 1
    // with the first nodes in view.
    var pageRender = window.renderSameDiffGraph;
    window.renderSameDiffGraph = function () {
        pageRender();
        if (view === "ops" || typeof cy === "undefined" || !cy) {
            return;
        }
        var graph = cy;
        graph.ready(function () {
            graph.on("dbltap", "node.uiop", function (e) {
                if (view === "blocks") {
                    window.location.href = pageUrl("block=" + encodeURIComponent(e.target.id()));
                }
            });
            legible(graph, 40);
        });
    };

    function legible(graph, triesLeft) {
        // the page's style sheet arrives by fetch; restyle once it is in place
        if (graph.nodes(".uiop").length > 0 && graph.nodes(".uiop").first().style("font-size") !== "6px"
            && triesLeft > 0) {
            setTimeout(function () { legible(graph, triesLeft - 1); }, 100);
            return;
        }
        graph.style()
            .selector(".uiop").style({"font-size": 14, "width": "label", "height": "label", "padding": 8,
                "background-color": "#dce9f7", "border-width": 1, "border-color": "#5b7fa6"})
            .selector(".uivariable").style({"font-size": 11, "width": 10, "height": 10, "text-margin-x": -6})
            .selector(".opoutputedge").style({"font-size": 11, "color": "#444"})
            .update();
        var layout = graph.layout({name: samediffgraphlayout, padding: 20, klay: {direction: klaylayout,
            spacing: 40}, animate: false});
        layout.one("layoutstop", function () {
            graph.fit(undefined, 20);
            if (graph.zoom() < 1) {
                // too large to fit at a readable zoom: zoom 1, from the top; when wider than the view, around
                // the first op (where the block's data comes in)
                graph.zoom(1);
                var box = graph.elements().boundingBox();
                var first = graph.getElementById(idEscapeSlashes(sdGraphOpsList[0].name()));
                var x = box.w < graph.width() - 40 || first.empty() ? graph.width() / 2 - (box.x1 + box.x2) / 2
                    : graph.width() / 2 - first.position("x");
                graph.pan({x: x, y: 20 - box.y1});
            }
            graph.style().update();
            window.thinktuneGraphReady = true;
        });
        layout.run();
    }

    function fetchLog() {
        return fetch(logUrl(), {cache: "no-store"}).then(function (r) {
            if (!r.ok) {
                throw new Error("HTTP " + r.status + " for " + logUrl());
            }
            return r.arrayBuffer();
        });
    }

    function install(buffer) {
        file = new File([buffer], name + ".sdlog", {type: "application/octet-stream", lastModified: Date.now()});
    }

    // The page's version starts its FileReader and draws the charts before the read has finished (so the first
    // visit to Plots shows nothing), and never clears earlier series. This one reads, then draws; each read
    // replaces the series.
    window.readAndRenderPlotsData = function () {
        if (!file) {
            return;
        }
        var fr = new FileReader();
        fr.onload = function () {
            readEvents(new Uint8Array(fr.result));
            orderByName();
            if (selectedPage === "plots") {
                var y = window.scrollY;
                renderLineCharts();
                renderHistograms();
                // the page titles this section "Histograms: TODO"; it draws the latest histogram of each name
                $("#samediffcontent > div > b").filter(function () {
                    return $(this).text() === "Histograms";
                }).parent().html("<b>Histograms</b>: " + (sdPlotsHistogramX.size > 0
                    ? "the latest of each, as written at step " + latestHistogramStep() : "none in this log")
                    + "<br><br>");
                window.scrollTo(0, y);
            }
        };
        fr.readAsArrayBuffer(new Blob([file]));
    };

    // Charts in the order the log named their series (a training log names the ThinkTuning metrics first).
    function orderByName() {
        var order = Array.from(sdEventNamesMap.entries()).sort(function (a, b) {
            return a[0] - b[0];
        }).map(function (e) {
            return e[1];
        });
        var x = new Map(), y = new Map();
        order.forEach(function (n) {
            if (sdPlotsLineChartX.has(n)) {
                x.set(n, sdPlotsLineChartX.get(n));
                y.set(n, sdPlotsLineChartY.get(n));
            }
        });
        sdPlotsLineChartX.forEach(function (v, n) {
            if (!x.has(n)) {
                x.set(n, v);
                y.set(n, sdPlotsLineChartY.get(n));
            }
        });
        sdPlotsLineChartX = x;
        sdPlotsLineChartY = y;
    }

    // Guided steps (the series guided_step is 1 on them), shaded on every chart.
    function guidedMarkings() {
        var steps = sdPlotsLineChartX.get("guided_step");
        var flags = sdPlotsLineChartY.get("guided_step");
        var out = [];
        if (!steps) {
            return out;
        }
        for (var i = 0; i < steps.length; i++) {
            if (Number(flags[i]) > 0) {
                var s = steps[i].iteration();
                out.push({xaxis: {from: s - 0.5, to: s + 0.5}, color: "rgba(255, 170, 40, 0.22)"});
            }
        }
        return out;
    }

    // The page's chart, with points on short runs, a flat series given a visible range, and the guided steps shaded.
    window.renderLineChart = function (element, label, x, y) {
        var points = [];
        for (var i = 0; i < x.length; i++) {
            points.push([x[i], y[i]]);
        }
        element.unbind();
        var yMax = Math.max.apply(Math, y);
        var yMin = Math.min.apply(Math, y);
        if (yMin > 0) {
            yMin = 0.0;
        }
        if (yMax <= yMin) {
            yMax = yMin + 1;
        }
        var marks = guidedMarkings();
        $.plot(element, [{data: points, label: label + (marks.length > 0 ? "  (shaded: guided steps)" : "")}], {
            series: {lines: {show: true, lineWidth: 2}, points: {show: x.length <= 50, radius: 2}},
            grid: {hoverable: true, clickable: true, tickColor: "#dddddd", borderWidth: 0, markings: marks},
            yaxis: {min: yMin, max: yMax},
            colors: ["#FA5833"],
            selection: {mode: "x"}
        });
    };

    function latestHistogramStep() {
        var last = 0;
        sdPlotsHistogramX.forEach(function (events) {
            last = Math.max(last, events[events.length - 1].iteration());
        });
        return last;
    }

    function readEvents(bytes) {
        sdEventNamesMap = new Map();
        sdPlotsLineChartX = new Map();
        sdPlotsLineChartY = new Map();
        sdPlotsHistogramX = new Map();
        sdPlotsHistogramY = new Map();
        var offset = 0;
        var inEvents = false;
        while (offset + 8 <= bytes.length) {
            var lengths = extractHeaders(bytes, offset);
            var end = offset + 8 + lengths[0] + lengths[1];
            if (end > bytes.length) {
                break;
            }
            var header = new flatbuffers.ByteBuffer(bytes.slice(offset + 8, offset + 8 + lengths[0]));
            var content = new flatbuffers.ByteBuffer(bytes.slice(offset + 8 + lengths[0], end));
            offset = end;
            if (!inEvents) {
                var record = nd4j.graph.UIStaticInfoRecord.getRootAsUIStaticInfoRecord(header);
                inEvents = record.infoType() === nd4j.graph.UIInfoType.START_EVENTS;
                continue;
            }
            var evt = nd4j.graph.UIEvent.getRootAsUIEvent(header);
            var type = evt.eventType();
            if (type === nd4j.graph.UIEventType.ADD_NAME) {
                var added = nd4j.graph.UIAddName.getRootAsUIAddName(content);
                sdEventNamesMap.set(added.nameIdx(), added.name());
            } else if (type === nd4j.graph.UIEventType.SCALAR) {
                var scalarName = sdEventNamesMap.get(evt.nameIdx());
                if (!sdPlotsLineChartX.has(scalarName)) {
                    sdPlotsLineChartX.set(scalarName, []);
                    sdPlotsLineChartY.set(scalarName, []);
                }
                sdPlotsLineChartX.get(scalarName).push(evt);
                sdPlotsLineChartY.get(scalarName).push(scalarFromFlatArray(nd4j.graph.FlatArray.getRootAsFlatArray(content)));
            } else if (type === nd4j.graph.UIEventType.HISTOGRAM) {
                var histName = sdEventNamesMap.get(evt.nameIdx());
                if (!sdPlotsHistogramX.has(histName)) {
                    sdPlotsHistogramX.set(histName, []);
                    sdPlotsHistogramY.set(histName, []);
                }
                sdPlotsHistogramX.get(histName).push(evt);
                sdPlotsHistogramY.get(histName).push(nd4j.graph.UIHistogram.getRootAsUIHistogram(content));
            }
        }
    }

    // The page's centerViewOnNode builds a CSS selector from the id, which fails on Hugging Face names (dots).
    function focusNode(target, triesLeft) {
        if (typeof cy === "undefined" || !cy || sdGraphVariableMap.size === 0) {
            if (triesLeft > 0) {
                setTimeout(function () { focusNode(target, triesLeft - 1); }, 200);
            }
            return;
        }
        var id = idEscapeSlashes(target);
        var v = sdGraphVariableMap.get(target);
        if (v && cy.getElementById("var-" + id).nonempty()) {
            id = "var-" + id;
        } else if (v && v.outputOfOp()) {
            id = idEscapeSlashes(v.outputOfOp());
        }
        var node = cy.getElementById(id);
        if (node.empty()) {
            console.log("thinktune: no graph node for " + target);
            return;
        }
        cy.zoom(2.0);
        cy.center(node);
        node.select();
        onGraphNodeClick(id);
        // labels keep the textures cached at the first, whole-graph zoom until the style is re-applied
        cy.style().update();
        setTimeout(function () { cy.style().update(); }, 500);
    }

    function poll() {
        fetch("/thinktune/logs", {cache: "no-store"}).then(function (r) {
            return r.json();
        }).then(function (list) {
            var entry = list.find(function (e) {
                return e.name === name;
            });
            if (entry && entry.bytes !== lastSize) {
                lastSize = entry.bytes;
                return fetchLog().then(function (buffer) {
                    install(buffer);
                    if (selectedPage === "plots") {
                        readAndRenderPlotsData();
                    }
                });
            }
        }).catch(function (e) {
            console.log("thinktune: refresh failed: " + e);
        }).then(function () {
            setTimeout(poll, refreshSeconds * 1000);
        });
    }

    $(document).ready(function () {
        showBlocks();
        fetchLog().then(function (buffer) {
            install(buffer);
            if (params.get("page") === "plots") {
                samediffSetPage("plots");
            }
            readGraphStructure();   // the page's own: graph, sidebar summary, then the current tab
            if (view === "ops" && params.get("page") !== "plots") {
                window.thinktuneGraphReady = true;
            }
            if (params.get("focus") && params.get("page") !== "plots") {
                focusNode(params.get("focus"), 100);
            }
            if (refreshSeconds > 0) {
                setTimeout(poll, refreshSeconds * 1000);
            }
        }).catch(function (e) {
            document.getElementById("selectedfile").innerHTML = "Could not load log " + name + ": " + e.message;
        });
    });
})();
