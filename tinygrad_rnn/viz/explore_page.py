"""The explorer page's HTML, CSS and JavaScript (one template; ``explore`` puts the data where ``/*DATA*/`` stands).

Plain JavaScript, no library and no network: the curve is an SVG drawn from the
embedded numbers, the graphs are Graphviz's SVGs (gzip + base64, unpacked by
the browser's ``DecompressionStream``). The ids of the controls (``cell``,
``forget-bias``, ``steps``, ``hidden-size``) and of the views (``curve``,
``ratio``, ``graph``, ``trained``) are what the tests drive.
"""

PAGE = r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tinygrad_rnn · how far back does the gradient reach?</title>
<style>
  :root { --rnn: #1f77b4; --lstm: #d62728; --gru: #2ca02c; --ink: #222; --soft: #666; --line: #ddd; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
         color: var(--ink); background: #fafafa; }
  header, main, footer { max-width: 1240px; margin: 0 auto; padding: 0 16px; }
  header h1 { font-size: 1.45rem; margin: 16px 0 4px; }
  header p { margin: 0 0 10px; color: var(--soft); max-width: 70em; }
  #controls { width: calc(100% - 32px); max-width: 1208px; margin: 0 auto; display: grid; gap: 10px 20px;
              grid-template-columns: repeat(4, minmax(0, 1fr));
              background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
  .control label { display: block; font-weight: 600; font-size: .95rem; }
  .control output { font-weight: 400; font-variant-numeric: tabular-nums; }
  .control small { color: var(--soft); display: block; font-size: .8rem; }
  select, input[type=range] { width: 100%; font-size: 1rem; min-height: 32px; }
  select:focus-visible, input:focus-visible, #graph:focus-visible { outline: 3px solid #ffbf47; outline-offset: 2px; }
  main { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 14px; margin-top: 14px; }
  .card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; min-width: 0; }
  .card h2 { font-size: 1.1rem; margin: 2px 0 6px; }
  #graph-card { grid-column: 1 / -1; }
  .readout { font-size: 1.05rem; margin: 0 0 4px; }
  #ratio { font-size: 1.6rem; font-weight: 700; font-variant-numeric: tabular-nums; }
  svg.plot { width: 100%; height: auto; display: block; }
  svg.plot text { font: 12px system-ui, sans-serif; fill: #444; }
  .axis { stroke: #999; stroke-width: 1; }
  .grid { stroke: #eee; stroke-width: 1; }
  .note { color: var(--soft); font-size: .9rem; margin: 4px 0; }
  .warn { color: #8a4b00; }
  #graph { overflow-x: auto; border: 1px solid #eee; border-radius: 6px; min-height: 60px; }
  #graph svg { display: block; }
  #graph svg text { font-family: Helvetica, Arial, "DejaVu Sans", sans-serif; }
  #graph g.edge:hover path { stroke-opacity: .6; }
  #graph-hover { font-variant-numeric: tabular-nums; min-height: 1.4em; }
  table { border-collapse: collapse; width: 100%; font-size: .9rem; font-variant-numeric: tabular-nums; }
  th, td { text-align: right; padding: 3px 6px; border-bottom: 1px solid #eee; }
  th:first-child, td:first-child { text-align: left; }
  .legend { margin: 2px 0; font-size: .9rem; }
  .swatch { display: inline-block; width: 26px; height: 0; vertical-align: middle; margin: 0 5px 0 12px; }
  tr.selected td { background: #fff4d6; }
  footer { color: var(--soft); font-size: .85rem; margin: 14px auto 24px; }
  code { font-size: .9em; background: #f0f0f0; padding: 0 3px; border-radius: 3px; }
  @media (max-width: 900px) {
    #controls { grid-template-columns: repeat(2, minmax(0, 1fr)); }
    main { grid-template-columns: minmax(0, 1fr); }
  }
  @media (max-width: 480px) {
    #controls { grid-template-columns: minmax(0, 1fr); }
    header h1 { font-size: 1.2rem; }
  }
</style>
</head>
<body>
<header>
  <h1>How far back does the gradient reach?</h1>
  <p>A loss at the last step T sends a gradient back through the recurrence. The curve shows how much of it
     reaches each earlier step: log<sub>10</sub> ‖∂L/∂s<sub>t</sub>‖ / ‖∂L/∂s<sub>T</sub>‖, where s is the
     cell state c for the LSTM and the hidden state h for the tanh RNN and the GRU. Move the controls.</p>
</header>
<section id="controls" aria-label="Setting">
  <div class="control">
    <label for="cell">Cell</label>
    <select id="cell">
      <option value="rnn">tanh RNN</option>
      <option value="lstm">LSTM</option>
      <option value="gru">GRU</option>
    </select>
    <small>the others stay as faint lines</small>
  </div>
  <div class="control">
    <label for="forget-bias">LSTM forget-gate bias: <output id="forget-bias-value" for="forget-bias"></output></label>
    <input type="range" id="forget-bias">
    <small>f<sub>t</sub> = σ(… + b): b = 0 is PyTorch's start, 1 is the usual advice</small>
  </div>
  <div class="control">
    <label for="steps">Sequence length T: <output id="steps-value" for="steps"></output></label>
    <input type="range" id="steps">
    <small>the loss reads h<sub>T</sub></small>
  </div>
  <div class="control">
    <label for="hidden-size">Hidden size H</label>
    <select id="hidden-size"></select>
    <small>units per state</small>
  </div>
</section>
<main>
  <section class="card" id="curve-card" aria-labelledby="curve-title">
    <h2 id="curve-title">Gradient reaching step t</h2>
    <p class="readout">log<sub>10</sub> ‖∂L/∂<span class="state">s</span><sub>1</sub>‖ /
       ‖∂L/∂<span class="state">s</span><sub>T</sub>‖ = <output id="ratio" aria-live="polite"></output></p>
    <p class="note" id="ratio-words"></p>
    <svg id="curve" class="plot" viewBox="0 0 720 380" role="img" aria-labelledby="curve-title"></svg>
    <p class="legend" id="curve-legend"></p>
    <p class="note warn" id="underflow" hidden></p>
  </section>
  <section class="card" id="train-card" aria-labelledby="train-title">
    <h2 id="train-title">At initialisation and after training</h2>
    <p class="note" id="train-about"></p>
    <label for="trained-model"><b>Model</b></label>
    <select id="trained-model"></select>
    <svg id="trained" class="plot" viewBox="0 0 480 300" role="img" aria-label="curves before and after training"></svg>
    <p class="legend"><span class="swatch" style="border-top:2px dashed #888"></span>at initialisation
      <span class="swatch" style="border-top:3px solid #d62728"></span>after training</p>
    <table id="trained-table"></table>
  </section>
  <section class="card" id="graph-card" aria-labelledby="graph-title">
    <h2 id="graph-title">The unrolled graph</h2>
    <p class="note" id="graph-note"></p>
    <div id="graph" tabindex="0" aria-label="the unrolled graph; scroll sideways"></div>
    <p class="note" id="graph-hover">Hover an edge (or tap it) to read the gradient norm that flowed along it.</p>
  </section>
</main>
<footer id="about"></footer>
<script type="application/json" id="data">/*DATA*/</script>
<script>
"use strict";
const D = JSON.parse(document.getElementById("data").textContent);
const NAMES = { rnn: "tanh RNN", lstm: "LSTM", gru: "GRU" };
const COLOURS = { rnn: "#1f77b4", lstm: "#d62728", gru: "#2ca02c" };
const $ = (id) => document.getElementById(id);
const svgNS = "http://www.w3.org/2000/svg";

// --- the controls: their values come from the grid the page was made with ---
function gcd(a, b) { return b < 1e-9 ? a : gcd(b, a % b); }
function rangeFor(input, values, start) {
  const nums = values.map(Number);
  let step = 0;
  for (let k = 1; k < nums.length; k++) step = gcd(nums[k] - nums[k - 1], step);
  input.min = nums[0]; input.max = nums[nums.length - 1]; input.step = step || 1; input.value = start;
}
rangeFor($("forget-bias"), D.grid.forget_biases, D.defaults.forget_bias);
rangeFor($("steps"), D.grid.steps, D.defaults.steps);
for (const h of D.grid.hidden_sizes) $("hidden-size").add(new Option(String(h), String(h)));
$("hidden-size").value = String(D.defaults.hidden_size);
$("cell").value = D.defaults.cell;

function nearest(values, x) {  // a value of the grid: a slider set by hand between two of them snaps
  return values.reduce((best, v) => Math.abs(Number(v) - x) < Math.abs(Number(best) - x) ? v : best);
}
function setting() {
  return {
    cell: $("cell").value,
    bias: String(Number(nearest(D.grid.forget_biases, Number($("forget-bias").value)))),
    steps: Number(nearest(D.grid.steps, Number($("steps").value))),
    hidden: $("hidden-size").value,
  };
}
function logNorms(s, cell) {  // log10 ‖∂L/∂s_t‖ for t = 1..T
  const f = D.flows[s.hidden][String(s.steps)];
  return cell === "lstm" ? f.lstm[s.bias] : f[cell];
}
function ratios(logs) {  // log10 ‖∂L/∂s_t‖ / ‖∂L/∂s_T‖
  const last = logs[logs.length - 1];
  return logs.map((v) => (v === null || last === null) ? null : v - last);
}
function fmt(x) { return (x < 0 ? "-" : "") + Math.abs(x).toFixed(2); }
function pretty(x) { return fmt(x).replace("-", "−"); }

// --- an SVG line plot ---
function el(name, attrs, parent, text) {
  const e = document.createElementNS(svgNS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}
function plot(svg, lines, widest, aspect) {
  // drawn at the size it is shown (at least 340 units wide), so its text stays readable on a phone
  const width = Math.round(Math.max(340, Math.min(widest, svg.getBoundingClientRect().width || widest)));
  const height = Math.round(width * aspect);
  svg.setAttribute("viewBox", "0 0 " + width + " " + height);
  svg.replaceChildren();
  const L = 54, R = 14, T = 14, B = 40;
  let lo = 0, hi = 0, n = 2;
  for (const line of lines) {
    n = Math.max(n, line.values.length);
    for (const v of line.values) if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  }
  lo = Math.floor(lo - 0.25); hi = Math.ceil(hi + 0.25);
  const x = (t) => L + (t - 1) / (n - 1) * (width - L - R);
  const y = (v) => T + (hi - v) / (hi - lo) * (height - T - B);
  const most = width < 500 ? 5 : 8;  // ticks on an axis
  const span = hi - lo, tick = [1, 2, 5, 10, 20, 50, 100].find((s) => span / s <= most) || 200;
  for (let v = Math.ceil(lo / tick) * tick; v <= hi; v += tick) {
    el("line", { x1: L, x2: width - R, y1: y(v), y2: y(v), class: v === 0 ? "axis" : "grid" }, svg);
    const label = el("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end" }, svg);
    label.innerHTML = v === 0 ? "1" : "10<tspan dy='-5' font-size='9'>" + (v < 0 ? "−" : "") + Math.abs(v) + "</tspan>";
  }
  const xtick = [1, 2, 5, 10, 20, 25, 50].find((s) => (n - 1) / s <= most) || 100;
  for (let t = 1; t <= n; t += (t === 1 && xtick > 1 ? xtick - 1 : xtick)) {
    el("text", { x: x(t), y: height - B + 16, "text-anchor": "middle" }, svg, String(t));
  }
  const middle = (L + width - R) / 2;
  el("text", { x: middle, y: height - 6, "text-anchor": "middle" }, svg, "time step t (the loss is at t = T)");
  el("line", { x1: L, x2: L, y1: T, y2: height - B, class: "axis" }, svg);
  for (const line of lines) {
    let d = "", pen = "M";
    line.values.forEach((v, k) => {
      if (v === null) { pen = "M"; return; }
      d += pen + x(k + 1).toFixed(1) + "," + y(v).toFixed(1) + " "; pen = "L";
    });
    el("path", { d: d.trim(), fill: "none", stroke: line.colour, "stroke-width": line.width,
                 "stroke-opacity": line.opacity, "stroke-dasharray": line.dash || "none", id: line.id || "",
                 "stroke-linejoin": "round" }, svg);
  }
  return { x, y };
}

// --- the views ---
function drawCurve(s) {
  const lines = [];
  for (const cell of ["rnn", "gru", "lstm"]) {
    const mine = cell === s.cell;
    lines.push({ values: ratios(logNorms(s, cell)), colour: COLOURS[cell], width: mine ? 3 : 1.5,
                 opacity: mine ? 1 : 0.3, id: mine ? "curve-selected" : "",
                 label: cell === "lstm" ? "LSTM, forget bias " + pretty(Number(s.bias)) : NAMES[cell] });
  }
  lines.sort((a, b) => a.opacity - b.opacity);  // the selected cell on top
  plot($("curve"), lines, 720, 0.53);
  const legend = $("curve-legend");
  legend.replaceChildren();
  for (const line of lines.slice().reverse()) {
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.borderTop = line.width + "px solid " + line.colour;
    swatch.style.opacity = Math.max(line.opacity, 0.45);
    legend.append(swatch, line.label);
  }
  $("curve").setAttribute("aria-label", "log10 gradient ratio over t for the " + NAMES[s.cell] + ", T = " + s.steps);
}

function drawReadout(s) {
  const logs = logNorms(s, s.cell), r = ratios(logs)[0];
  const state = s.cell === "lstm" ? "c" : "h";
  document.querySelectorAll(".state").forEach((e) => { e.textContent = state; });
  const low = Math.min(...logs.filter((v) => v !== null));
  const under = low < D.float32_smallest_normal_log10;  // below float32's range: flow says "underflow"
  if (r === null) {
    $("ratio").textContent = "-inf"; $("ratio").dataset.value = "-Infinity";
    $("ratio-words").textContent = "No gradient at all reached t = 1 (the norm is exactly 0).";
  } else {
    $("ratio").textContent = fmt(r); $("ratio").dataset.value = String(r);
    const share = Math.pow(10, r);
    const which = s.cell === "lstm" ? " (forget bias " + pretty(Number(s.bias)) + ")" : "";
    $("ratio-words").textContent = NAMES[s.cell] + which + ", H = " + s.hidden + ", T = " + s.steps +
      ": step 1 receives " +
      (r < 0 ? "10^" + pretty(r) + " ≈ " + share.toExponential(1) + " of" : share.toFixed(2) + " times") +
      " the gradient at step T. The command `tinygrad-rnn flow --steps " + s.steps + " --hidden-size " + s.hidden +
      " --forget-bias " + s.bias + " --train-steps 0` " +
      (under ? "measures it in float32, where it underflows (below)." : "prints this number.");
  }
  $("underflow").hidden = !under;
  if (under) {
    $("underflow").textContent = "Here ‖∂L/∂" + state + "_t‖ falls to 10^" + pretty(low) +
      ", below float32's smallest normal number (1.2·10^−38). This page computes in float64 and shows it; " +
      "`tinygrad-rnn flow`, which computes in float32, prints \"underflow\" instead of a ratio.";
  }
}

const graphCache = new Map();
async function unpack(b64) {
  const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return await new Response(stream).text();
}
let graphRequest = 0;
async function drawGraph(s) {
  const box = $("graph"), note = $("graph-note");
  const key = s.cell === "lstm" ? "lstm@" + s.bias : s.cell;
  const byT = (D.graphs[s.hidden] || {})[String(s.steps)];
  if (!byT || !byT[key]) {
    box.replaceChildren();
    note.textContent = D.graphs_note ? "No graphs in this page: " + D.graphs_note + "." :
      "The unrolled graph is drawn for T = " + D.grid.graph_steps.join(" and ") +
      " (longer graphs are too wide to read): move the sequence length there.";
    return;
  }
  const request = ++graphRequest, id = s.hidden + "/" + s.steps + "/" + key;
  if (!graphCache.has(id)) graphCache.set(id, await unpack(byT[key]));
  if (request !== graphRequest) return;  // the controls moved on while it unpacked
  box.innerHTML = graphCache.get(id);
  note.textContent = "What `tinygrad-rnn compare --steps " + s.steps + " --hidden-size " + s.hidden +
    " --forget-bias " + s.bias + "` draws for the " + NAMES[s.cell] +
    " (one sequence; one colour scale for every cell and forget bias at this T and H). " +
    "Edges: colour and width show the gradient norm that flowed along them.";
  box.querySelectorAll("g.edge").forEach((edge) => {
    const show = () => { $("graph-hover").textContent = edge.querySelector("title").textContent; };
    edge.addEventListener("mouseenter", show); edge.addEventListener("click", show);
  });
}

function drawTrained() {
  const T = D.trained;
  if (!T) { $("train-card").hidden = true; return; }
  const m = T.models[$("trained-model").value];
  const before = ratios(m.before), after = ratios(m.after);
  plot($("trained"), [
    { values: before, colour: "#888", width: 2, opacity: 1, dash: "5 4", label: "at init" },
    { values: after, colour: "#d62728", width: 2.5, opacity: 1, label: "trained" },
  ], 480, 0.62);
  for (const row of $("trained-table").querySelectorAll("tr[data-key]")) {
    row.classList.toggle("selected", row.dataset.key === $("trained-model").value);
  }
}
function buildTrained() {
  const T = D.trained;
  if (!T) return;
  $("train-about").textContent = "The adding problem at T = " + T.steps + ", H = " + T.hidden_size + ": each model " +
    "measured at initialisation, then trained " + T.train_steps + " steps (Adam, lr 0.003, batch 32, clipped) with " +
    "a linear head on h_T and measured again. The training is kept short so the page generates in about two " +
    "minutes: a first look, not a solved task (always answering 1 scores MSE 0.167). " +
    "`tinygrad-rnn flow --steps " + T.steps + " --train-steps " + T.train_steps + "` runs it.";
  const table = $("trained-table");
  const head = ["model", "at init", "trained", "MSE"].map((h) => "<th scope='col'>" + h + "</th>").join("");
  table.innerHTML = "<caption class='note'>log<sub>10</sub> ratio at t = 1, and the test MSE after training</caption>" +
    "<tr>" + head + "</tr>";
  for (const [key, m] of Object.entries(T.models)) {
    $("trained-model").add(new Option(m.label, key));
    const row = table.insertRow();
    row.dataset.key = key;
    const b = ratios(m.before)[0], a = ratios(m.after)[0];
    for (const text of [m.label, b === null ? "−∞" : pretty(b), a === null ? "−∞" : pretty(a), m.mse.toFixed(3)]) {
      row.insertCell().textContent = text;
    }
  }
  $("trained-model").value = "lstm@1" in T.models ? "lstm@1" : Object.keys(T.models)[0];
}

function about() {
  const v = Object.entries(D.versions).map(([k, x]) => k + " " + x).join(", ");
  $("about").innerHTML = "";
  const p = document.createElement("p");
  p.textContent = "Every number on this page was computed by tinygrad_rnn when the page was generated (in " +
    D.seconds + " s, " + D.cpu_seconds + " CPU-seconds), with seed " + D.seed + ", batch " + D.batch + ", in " +
    D.dtype + ": the layer, the input (the adding problem) and the loss (a fixed random projection of h_T) " +
    "are those of `tinygrad-rnn flow`. " +
    "Versions: " + v + ". Regenerate it with: " + D.command + ".";
  $("about").appendChild(p);
}

function update() {
  const s = setting();
  $("forget-bias-value").textContent = pretty(Number(s.bias));
  $("forget-bias").setAttribute("aria-valuetext", "forget bias " + s.bias);
  $("steps-value").textContent = String(s.steps);
  $("steps").setAttribute("aria-valuetext", s.steps + " steps");
  drawCurve(s);
  drawReadout(s);
  drawGraph(s);
}

for (const id of ["cell", "forget-bias", "steps", "hidden-size"]) {
  $(id).addEventListener("input", update);
  $(id).addEventListener("change", update);
}
$("trained-model").addEventListener("change", drawTrained);
let resizing = 0;
window.addEventListener("resize", () => {
  clearTimeout(resizing);
  resizing = setTimeout(() => { drawCurve(setting()); drawTrained(); }, 100);
});
buildTrained();
drawTrained();
about();
update();
</script>
</body>
</html>
"""
