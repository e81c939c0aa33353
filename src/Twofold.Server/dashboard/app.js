// The Twofold dashboard: plain JavaScript over the service's JSON API (/stats/platform, /creators/{id}); no build step.
"use strict";

const $ = (id) => document.getElementById(id);
const fmt = (n) => (typeof n === "number" ? n.toLocaleString("en-US", { maximumFractionDigits: 3 }) : String(n));
const svgNS = "http://www.w3.org/2000/svg";

function el(name, attrs, text) {
  const node = document.createElementNS(svgNS, name);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function figures(container, pairs) {
  container.replaceChildren(...pairs.map(([label, value, id]) => {
    const box = document.createElement("div");
    box.className = "figure";
    if (id) box.id = id;
    box.innerHTML = `<div class="value"></div><div class="label"></div>`;
    box.querySelector(".value").textContent = fmt(value);
    box.querySelector(".label").textContent = label;
    return box;
  }));
}

// A bar chart of labelled values; an optional horizontal reference line (e.g. E of ExpoReach).
function barChart(container, labels, values, { color = "var(--accent)", line = null, percent = false } = {}) {
  container.replaceChildren();
  if (values.length === 0) {
    const empty = document.createElement("div");
    empty.className = "empty";
    empty.textContent = "no data yet";
    container.append(empty);
    return;
  }
  const width = Math.max(300, Math.round(container.clientWidth || 600)), height = 180, left = 40, bottom = 22, top = 8;
  const max = Math.max(...values, line ?? 0, percent ? 1 : 1e-9);
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, role: "img" });
  const plotH = height - bottom - top, slot = (width - left) / values.length;
  svg.append(el("line", { x1: left, y1: top + plotH, x2: width, y2: top + plotH, stroke: "#d8dde6" }));
  svg.append(el("text", { x: 2, y: top + 8 }, percent ? `${Math.round(max * 100)}%` : fmt(max)));
  svg.append(el("text", { x: 2, y: top + plotH }, "0"));
  values.forEach((v, i) => {
    const h = (v / max) * plotH;
    const bar = el("rect", { x: left + i * slot + slot * 0.15, y: top + plotH - h, width: slot * 0.7, height: Math.max(h, 0), fill: color });
    bar.append(el("title", {}, `${labels[i]}: ${percent ? (v * 100).toFixed(1) + "%" : fmt(v)}`));
    svg.append(bar);
    if (values.length <= 16 || i % Math.ceil(values.length / 16) === 0)
      svg.append(el("text", { x: left + i * slot + slot / 2, y: height - 6, "text-anchor": "middle" }, labels[i]));
  });
  if (line !== null) {
    const y = top + plotH - (line / max) * plotH;
    svg.append(el("line", { x1: left, y1: y, x2: width, y2: y, stroke: "var(--accent2)", "stroke-dasharray": "4 3" }));
  }
  container.append(svg);
}

async function getJson(path) {
  const response = await fetch(path, { headers: { accept: "application/json" } });
  const body = await response.json();
  if (!response.ok) throw new Error(body.detail || body.title || `HTTP ${response.status}`);
  return body;
}

async function showPlatform() {
  const stats = await getJson("/stats/platform");
  const today = stats.days[stats.days.length - 1];
  figures($("figures"), [
    ["serving day", stats.day, "fig-day"],
    ["users", stats.users, "fig-users"],
    ["items", stats.items, "fig-items"],
    ["creators", stats.creators, "fig-creators"],
    ["DAU (latest day)", today ? today.active_users : 0, "fig-dau"],
    ["DAC (latest day)", today ? today.active_creators : 0, "fig-dac"],
    ["strategy", `DualRec-v${stats.strategy.dualrec_version}, λ ${stats.strategy.lambda}`, "fig-strategy"],
  ]);
  const days = stats.days.map((d) => d.day.slice(5));
  barChart($("chart-dau"), days, stats.days.map((d) => d.active_users));
  barChart($("chart-dac"), days, stats.days.map((d) => d.active_creators), { color: "var(--accent2)" });
  $("caption-reach").textContent = `ExpoReach-${stats.expo_reach_exposures}: share of the day's uploads reaching ${stats.expo_reach_exposures} exposures`;
  barChart($("chart-reach"), days, stats.days.map((d) => d.expo_reach), { percent: true });
  barChart($("chart-du"), stats.matched_per_user.map((_, n) => String(n)), stats.matched_per_user);
  const sources = Object.entries(stats.exposure_by_source);
  barChart($("chart-source"), sources.map(([s]) => s), sources.map(([, n]) => n));
}

async function showCreator(id) {
  $("creator-error").hidden = true;
  try {
    const view = await getJson(`/creators/${encodeURIComponent(id)}`);
    const t = view.totals;
    figures($("creator-figures"), [
      ["items", t.items, "fig-creator-items"],
      ["uploaded here", t.uploads],
      [`reached E = ${view.expo_reach_exposures}`, t.reached, "fig-creator-reached"],
      ["exposures", t.exposures, "fig-creator-exposures"],
      ["likes", t.likes],
      ["comments", t.comments],
      ["follows", t.follows],
    ]);
    const newest = view.items.slice(0, 30).reverse();
    barChart($("chart-creator"), newest.map((i) => String(i.item)), newest.map((i) => i.exposures), { line: view.expo_reach_exposures });
    const rows = view.items.map((i) => {
      const tr = document.createElement("tr");
      const cells = [i.item, i.item_id, i.genre, i.uploaded ? i.day : "dataset", i.matched_users ?? "–", i.exposures, i.likes, i.comments, i.follows];
      for (const c of cells) {
        const td = document.createElement("td");
        td.textContent = fmt(c);
        if (typeof c === "number") td.className = "num";
        tr.append(td);
      }
      const reach = document.createElement("td");
      reach.textContent = i.reached ? "reached" : "not yet";
      if (i.reached) reach.className = "yes";
      tr.append(reach);
      return tr;
    });
    $("creator-items").querySelector("tbody").replaceChildren(...rows);
  } catch (e) {
    $("creator-error").textContent = e.message;
    $("creator-error").hidden = false;
  }
}

function route() {
  const creator = location.hash.startsWith("#creator");
  $("platform-view").hidden = creator;
  $("creator-view").hidden = !creator;
  $("nav-platform").classList.toggle("active", !creator);
  $("nav-creator").classList.toggle("active", creator);
  const id = new URLSearchParams(location.hash.split("?")[1] || "").get("id");
  if (id !== null) $("creator-id").value = id;
  const work = creator ? showCreator($("creator-id").value) : showPlatform();
  work.then(() => { $("status").textContent = `updated ${new Date().toLocaleTimeString()}`; document.body.dataset.loaded = "true"; })
      .catch((e) => { $("status").textContent = `error: ${e.message}`; });
}

$("creator-form").addEventListener("submit", (e) => {
  e.preventDefault();
  location.hash = `#creator?id=${$("creator-id").value}`;
});
window.addEventListener("hashchange", route);
route();
