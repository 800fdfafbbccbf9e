// Overview: balance, spend this month against the cap, alerts, readiness
// warnings with a link to the page that fixes each, recent jobs.
"use strict";
MIQ.registerPage({
  id: "overview", title: "Overview", nav: "Overview",
  async render(root) {
    const h = MIQ.h, f = MIQ.fmt;
    // A server without the overview call: the billing view has the numbers.
    const o = await MIQ.api("GET", "/api/dashboard/overview").catch((e) => {
      if (e.status === 404) return MIQ.api("GET", "/api/dashboard/billing");
      throw e;
    });
    const a = o.account || o;
    const cap = a.monthly_spend_cap_credits, spent = a.spent_this_period_credits || 0;
    const capText = cap === null || cap === undefined ? "no monthly cap set" : "of a " + f.credits(cap) + " monthly cap";
    const meter = cap ? h("meter", { min: 0, max: cap, value: Math.min(spent, cap), "aria-label": "Spend this month against the cap" }) : null;
    MIQ.put(root, h("div", { class: "grid" },
      MIQ.section("Balance", h("p", { class: "stat", id: "balance" }, f.credits(a.balance_credits)),
        h("p", {}, h("a", { href: "#billing" }, "Top up or change the cap"))),
      MIQ.section("This month", h("p", { class: "stat" }, f.credits(spent)), h("p", { class: "muted" }, capText), meter),
      MIQ.section("Start", h("p", {}, "Upload audio or video, then run an analysis."),
        h("div", { class: "actions" }, h("a", { class: "button", href: "#media" }, "Upload media"),
          h("a", { class: "button secondary", href: "#analyze" }, "New analysis")))));
    const warns = MIQ.list(o, "readiness_warnings").concat(MIQ.list(a, "alerts", "usage_alerts").map((x) =>
      typeof x === "object" ? Object.assign({ page: "billing" }, x) : { message: String(x), page: "billing" }));
    MIQ.put(root, MIQ.section("Things to fix", warns.length ? h("ul", { class: "plain", id: "warnings" }, warns.map((w) =>
      h("li", { class: w.severity === "error" ? "error" : "warn" }, w.message || w.code || "Attention needed",
        w.page ? [" ", h("a", { href: "#" + w.page }, "Fix on the " + w.page + " page")] : null)))
      : h("p", { class: "ok" }, "Nothing: your account is ready.")));
    const jobs = MIQ.list(o, "recent_jobs", "jobs");
    MIQ.put(root, MIQ.section("Recent jobs", MIQ.table("Recent jobs", [
      { label: "Job", get: (j) => h("a", { href: "#jobs/" + encodeURIComponent(j.job_id) }, j.job_id) },
      { label: "Analysis", get: (j) => j.endpoint },
      { label: "Status", get: (j) => h("span", { class: "status status-" + j.status }, j.status + (j.status === "running" ? " " + j.progress + "%" : "")) },
      { label: "Created", get: (j) => f.date(j.created_at) },
    ], jobs, "No jobs yet.")));
  },
});
