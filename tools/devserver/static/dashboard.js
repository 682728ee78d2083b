// iotpush local dashboard: polls /_hub/streams and draws one SVG line chart per stream.
// Written for this project; no libraries. ?poll=ms sets the polling interval (default 1000).
"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";
const W = 600, H = 170, PAD_L = 52, PAD_R = 10, PAD_T = 10, PAD_B = 22;
const params = new URLSearchParams(location.search);
const POLL_MS = Math.max(100, parseInt(params.get("poll") || "1000", 10));
const cards = new Map();  // "emulator/stream" -> {root, meta, svg, line, dots, labels, text}

function el(tag, attrs, parent, ns) {
  const e = ns ? document.createElementNS(SVG_NS, tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

function fmtNum(v) {
  if (!isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return v.toExponential(2);
  return String(Math.round(v * 1000) / 1000);
}

function fmtTime(t) {
  if (typeof t !== "number") return "-";
  return new Date(t * 1000).toLocaleTimeString();
}

function numeric(v) {
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  return null;
}

function makeCard(key, emulator, stream) {
  const root = el("article", {class: "card", "data-key": key});
  const h = el("h3", {}, root);
  h.textContent = stream + " ";
  el("small", {}, h).textContent = emulator;
  const meta = el("div", {class: "meta"}, root);
  const svg = el("svg", {class: "chart", viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: "none",
                         "data-points": "0", role: "img", "aria-label": stream + " chart"}, root, true);
  for (let i = 0; i < 3; i++) {
    const y = PAD_T + i * (H - PAD_T - PAD_B) / 2;
    el("line", {class: "grid", x1: PAD_L, x2: W - PAD_R, y1: y, y2: y}, svg, true);
  }
  const labels = [0, 1, 2].map(i => el("text", {class: "axis", x: PAD_L - 6,
      y: PAD_T + 4 + i * (H - PAD_T - PAD_B) / 2, "text-anchor": "end"}, svg, true));
  const tLeft = el("text", {class: "axis", x: PAD_L, y: H - 6}, svg, true);
  const tRight = el("text", {class: "axis", x: W - PAD_R, y: H - 6, "text-anchor": "end"}, svg, true);
  const line = el("polyline", {points: ""}, svg, true);
  const dot = el("circle", {r: 3, cx: -10, cy: -10}, svg, true);
  const text = el("div", {class: "text-values", hidden: ""}, root);
  document.getElementById("charts").appendChild(root);
  return {root, meta, svg, line, dot, labels, tLeft, tRight, text};
}

function draw(card, info) {
  const pts = info.points;
  const nums = [];
  pts.forEach((p, i) => {  // a point without a usable time is placed by its position
    const y = numeric(p[1]);
    if (y !== null) nums.push([typeof p[0] === "number" ? p[0] : i, y]);
  });
  const last = pts.length ? pts[pts.length - 1] : null;
  card.meta.innerHTML = "";
  const b = el("b", {}, card.meta);
  b.textContent = last ? (typeof last[1] === "string" ? JSON.stringify(last[1]) : fmtNum(numeric(last[1]) ?? last[1])) : "-";
  card.meta.appendChild(document.createTextNode(
    `  ·  ${info.count} event${info.count === 1 ? "" : "s"}  ·  last ${fmtTime(last && last[0])}`));
  card.root.setAttribute("data-count", String(info.count));
  if (!nums.length) {  // text values: a list instead of a chart
    card.svg.setAttribute("hidden", "");
    card.text.removeAttribute("hidden");
    card.text.textContent = pts.slice(-8).map(p => fmtTime(p[0]) + "  " + String(p[1])).join("\n");
    card.text.style.whiteSpace = "pre";
    return;
  }
  let t0 = nums[0][0], t1 = nums[nums.length - 1][0];
  let lo = Math.min(...nums.map(p => p[1])), hi = Math.max(...nums.map(p => p[1]));
  if (hi === lo) { hi += 1; lo -= 1; }
  if (t1 === t0) t1 = t0 + 1;
  const sx = t => PAD_L + (t - t0) / (t1 - t0) * (W - PAD_L - PAD_R);
  const sy = v => PAD_T + (hi - v) / (hi - lo) * (H - PAD_T - PAD_B);
  const coords = nums.map(p => sx(p[0]).toFixed(1) + "," + sy(p[1]).toFixed(1));
  card.line.setAttribute("points", coords.join(" "));
  const lp = nums[nums.length - 1];
  card.dot.setAttribute("cx", sx(lp[0]).toFixed(1));
  card.dot.setAttribute("cy", sy(lp[1]).toFixed(1));
  card.svg.setAttribute("data-points", String(nums.length));
  [hi, (hi + lo) / 2, lo].forEach((v, i) => { card.labels[i].textContent = fmtNum(v); });
  const timed = pts.length && typeof pts[0][0] === "number";
  card.tLeft.textContent = timed ? fmtTime(t0) : "";
  card.tRight.textContent = timed ? fmtTime(t1) : "";
}

function render(data) {
  let total = 0, streams = 0;
  const services = document.getElementById("services");
  services.innerHTML = "";
  for (const [name, emu] of Object.entries(data.emulators)) {
    const li = el("li", {}, services);
    li.innerHTML = `<code></code>`;
    li.firstChild.textContent = name + ": " + location.origin + emu.path + "/…";
    for (const [stream, info] of Object.entries(emu.streams)) {
      const key = name + "/" + stream;
      if (!cards.has(key)) cards.set(key, makeCard(key, name, stream));
      draw(cards.get(key), info);
      total += info.count;
      streams += 1;
    }
  }
  document.getElementById("empty").hidden = streams > 0;
  const st = document.getElementById("status");
  st.classList.remove("bad");
  st.textContent = `${total} events in ${streams} stream${streams === 1 ? "" : "s"} · updated ${new Date().toLocaleTimeString()}`;
  document.body.setAttribute("data-total", String(total));
}

async function poll() {
  try {
    const r = await fetch("/_hub/streams?tail=300", {cache: "no-store"});
    if (!r.ok) throw new Error("HTTP " + r.status);
    render(await r.json());
  } catch (e) {
    const st = document.getElementById("status");
    st.classList.add("bad");
    st.textContent = "dev server not answering (" + e.message + "); is it still running?";
  }
  setTimeout(poll, POLL_MS);
}

poll();
