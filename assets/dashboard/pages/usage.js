// Usage: credits per day (stacked by endpoint or connector when the server
// gives that split), totals by endpoint and by connector, and the account's
// MCP calls and errors. Charts are SVG drawn here, each with its numbers in a
// table too (screen readers, copy and paste).
"use strict";
(function () {
  const h = MIQ.h, f = MIQ.fmt, NS = "http://www.w3.org/2000/svg";
  const COLORS = ["#4338ca", "#c2410c", "#15803d", "#9333ea", "#0e7490", "#b45309", "#be123c", "#334155"];
  function s(name, attrs, parent) {
    const e = document.createElementNS(NS, name);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }

  // days: ["2026-12-01", …]; series: [{name, values: {day: n}}]
  function barChart(title, days, series, unit) {
    const W = 640, H = 220, L = 44, B = 28, T = 10, n = Math.max(days.length, 1);
    const totals = days.map((d) => series.reduce((a, sr) => a + (sr.values[d] || 0), 0));
    // whole-number ticks: at most 5, never repeated
    const peak = Math.max(1, ...totals), step = peak <= 4 ? 1 : Math.ceil(peak / 4), max = Math.ceil(peak / step) * step;
    const svg = s("svg", { viewBox: "0 0 " + W + " " + H, class: "chart", role: "img",
                           "aria-label": title + ": " + totals.reduce((a, b) => a + b, 0) + " " + unit + " over " + days.length + " days" });
    s("line", { x1: L, x2: W - 4, y1: H - B, y2: H - B, class: "axis" }, svg);
    for (let v = 0; v <= max; v += step) {
      const y = H - B - ((H - B - T) * v) / max;
      s("line", { x1: L - 3, x2: W - 4, y1: y, y2: y, stroke: "#eceef5" }, svg);
      s("text", { x: L - 6, y: y + 4, "text-anchor": "end" }, svg).textContent = String(v);
    }
    const bw = (W - L - 8) / n;
    days.forEach((d, i) => {
      let y = H - B;
      series.forEach((sr, k) => {
        const v = sr.values[d] || 0;
        if (!v) return;
        const hgt = ((H - B - T) * v) / max;
        y -= hgt;
        const r = s("rect", { x: L + 2 + i * bw, y, width: Math.max(1, bw - 3), height: hgt, fill: COLORS[k % COLORS.length] }, svg);
        s("title", {}, r).textContent = d + " · " + sr.name + ": " + v + " " + unit;
      });
      if (n <= 10 || i % Math.ceil(n / 8) === 0)
        s("text", { x: L + 2 + i * bw + bw / 2, y: H - 8, "text-anchor": "middle" }, svg).textContent = d.slice(5);
    });
    const legend = series.length > 1 || (series[0] && series[0].name !== unit)
      ? h("ul", { class: "legend" }, series.map((sr, k) => {
        const sw = s("svg", { width: 12, height: 12, "aria-hidden": "true" });
        s("rect", { width: 12, height: 12, fill: COLORS[k % COLORS.length] }, sw);
        return h("li", {}, sw, sr.name);
      })) : null;
    return h("figure", {}, svg, legend);
  }

  function lastDays(n) {
    const out = [], now = new Date();
    for (let i = n - 1; i >= 0; i--) out.push(new Date(now.getTime() - i * 864e5).toISOString().slice(0, 10));
    return out;
  }

  function seriesFrom(rows, key, valueKey) {
    const by = new Map();
    for (const r of rows) {
      const name = r[key] || "(none)";
      if (!by.has(name)) by.set(name, { name, values: {} });
      const d = String(r.day).slice(0, 10);
      by.get(name).values[d] = (by.get(name).values[d] || 0) + Number(r[valueKey] || 0);
    }
    return [...by.values()];
  }

  function genericTables(data) {
    const out = [];
    for (const k of Object.keys(data)) {
      const rows = data[k];
      if (!Array.isArray(rows) || !rows.length || typeof rows[0] !== "object") continue;
      const cols = Object.keys(rows[0]).filter((c) => typeof rows[0][c] !== "object" || rows[0][c] === null);
      out.push(h("h3", {}, k.replace(/_/g, " ")), MIQ.table(k.replace(/_/g, " "), cols.map((c) => ({ label: c.replace(/_/g, " "), get: (r) => r[c] === null ? "—" : String(r[c]) })), rows));
    }
    return out.length ? out : [h("p", { class: "empty" }, "No MCP calls in this period.")];
  }

  MIQ.registerPage({
    id: "usage", title: "Usage", nav: "Usage",
    async render(root, ctx) {
      const days = Math.min(90, Math.max(1, Number(ctx.args[0]) || 30));
      const pick = h("select", { id: "usage-days" }, [7, 30, 90].map((d) => h("option", { value: d, selected: d === days }, "Last " + d + " days")));
      pick.addEventListener("change", () => MIQ.navigate("usage/" + pick.value));
      MIQ.put(root, MIQ.field("Period", pick));
      const [u, mcp] = await Promise.all([MIQ.api("GET", "/api/dashboard/usage?days=" + days),
        MIQ.api("GET", "/api/dashboard/usage/mcp?days=" + days).catch((e) => ({ error_text: e.message }))]);
      const dayList = lastDays(days);
      const split = h("select", { id: "usage-split" }, h("option", { value: "endpoint" }, "by endpoint"), h("option", { value: "connector" }, "by connector"));
      const chartBox = h("div", { id: "usage-chart" });
      function draw() {
        const rows = split.value === "endpoint" ? MIQ.list(u, "by_day_endpoint") : MIQ.list(u, "by_day_connector");
        const series = rows.length ? seriesFrom(rows, split.value === "endpoint" ? "endpoint" : "name", "credits")
          : [{ name: "credits", values: Object.fromEntries(MIQ.list(u, "by_day").map((r) => [String(r.day).slice(0, 10), Number(r.credits)])) }];
        chartBox.textContent = "";
        MIQ.put(chartBox, barChart("Credits per day " + (rows.length ? split.value === "endpoint" ? "by endpoint" : "by connector" : ""), dayList, series, "credits"));
      }
      split.addEventListener("change", draw);
      draw();
      // The split is offered only when the server gives credits per day and endpoint/connector.
      const canSplit = MIQ.list(u, "by_day_endpoint").length || MIQ.list(u, "by_day_connector").length;
      MIQ.put(root, MIQ.section("Credits per day", canSplit ? MIQ.field("Split", split) : null, chartBox,
        h("details", {}, h("summary", {}, "The numbers"), MIQ.table("Credits per day", [
          { label: "Day", get: (r) => String(r.day).slice(0, 10) }, { label: "Jobs", get: (r) => f.num(r.jobs) },
          { label: "Credits", get: (r) => f.num(r.credits) }], MIQ.list(u, "by_day"), "No usage in this period."))));
      MIQ.put(root, h("div", { class: "grid" },
        MIQ.section("By endpoint", MIQ.table("Credits by endpoint", [
          { label: "Endpoint", get: (r) => r.endpoint }, { label: "Jobs", get: (r) => f.num(r.jobs) },
          { label: "Credits", get: (r) => f.num(r.credits) }], MIQ.list(u, "by_endpoint"), "No usage.")),
        MIQ.section("By connector", MIQ.table("Credits by connector", [
          { label: "Connector", get: (r) => r.name || (r.token_id ? r.token_id : "dashboard / session") }, { label: "Jobs", get: (r) => f.num(r.jobs) },
          { label: "Credits", get: (r) => f.num(r.credits) }], MIQ.list(u, "by_connector"), "No usage."))));
      const mcpBox = h("div", { id: "usage-mcp" });
      if (mcp.error_text) MIQ.put(mcpBox, h("p", { class: "muted" }, mcp.error_text));
      else {
        // rows are per day, method and tool: summed per day for the chart
        const perDay = MIQ.list(mcp, "by_day", "days"), ok = {}, bad = {};
        for (const r of perDay) {
          const d = String(r.day).slice(0, 10);
          ok[d] = (ok[d] || 0) + Number(r.calls || 0) - Number(r.errors || 0);
          bad[d] = (bad[d] || 0) + Number(r.errors || 0);
        }
        MIQ.put(mcpBox, h("p", {}, f.num(mcp.calls || 0) + " calls, " + f.num(mcp.errors || 0) + " errors in " + days + " days."));
        if (perDay.length)
          MIQ.put(mcpBox, barChart("MCP calls per day", dayList, [{ name: "calls without error", values: ok }, { name: "errors", values: bad }], "calls"));
        MIQ.put(mcpBox, ...genericTables(mcp));
      }
      MIQ.put(root, MIQ.section("MCP calls and errors", mcpBox));
    },
  });
})();
