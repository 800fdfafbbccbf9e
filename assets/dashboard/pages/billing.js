// Billing: balance and ledger, the monthly spend cap and alert thresholds,
// a top-up through Stripe Checkout, and what a credit buys (the catalog).
"use strict";
(function () {
  const h = MIQ.h, f = MIQ.fmt;

  // The catalog's price rows: {endpoint, unit, credits, description}.
  function priceRows(cat) {
    const table = cat.pricing || {};
    let rows = MIQ.list(table, "prices");
    if (!rows.length) for (const e of MIQ.list(cat, "endpoints")) rows = rows.concat(MIQ.list(e, "prices"));
    return { rows, table };
  }

  MIQ.registerPage({
    id: "billing", title: "Billing", nav: "Billing",
    async render(root, ctx) {
      const b = await MIQ.api("GET", "/api/dashboard/billing");
      const cp = b.credit_price || {};
      if (ctx.query.get("checkout") === "success") MIQ.toast("Payment received. Your credits appear as soon as Stripe confirms it.");
      if (ctx.query.get("checkout") === "canceled") MIQ.toast("The payment was canceled: nothing was charged.");
      // Coming back from Stripe: drop ?checkout= so a reload does not say it again.
      if (ctx.query.get("checkout")) history.replaceState(null, "", location.pathname + location.hash);

      const balance = h("p", { class: "stat", id: "billing-balance" }, f.credits(b.balance_credits));
      MIQ.put(root, h("div", { class: "grid" },
        MIQ.section("Balance", balance, h("p", { class: "muted" }, "Billing: " + String(b.billing_state || "").replace(/_/g, " "))),
        MIQ.section("This month", h("p", { class: "stat" }, f.credits(b.spent_this_period_credits)),
          h("p", { class: "muted" }, b.monthly_spend_cap_credits === null ? "No monthly cap." : "Cap: " + f.credits(b.monthly_spend_cap_credits) + "."),
          b.period_start ? h("p", { class: "muted" }, "Since " + f.date(b.period_start) + ".") : null)));

      // top-up
      const credits = h("input", { type: "number", id: "topup-credits", min: 100, step: 100, value: 1000 });
      const cost = h("p", { class: "hint", id: "topup-cost", "aria-live": "polite" });
      const showCost = () => { cost.textContent = cp.amount ? "Costs " + (Number(credits.value || 0) * cp.amount).toLocaleString("en", { style: "currency", currency: (cp.currency || "usd").toUpperCase() }) + "." : ""; };
      credits.addEventListener("input", showCost);
      showCost();
      const topMsg = h("p", { class: "error", role: "alert" });
      const topForm = h("form", { novalidate: true }, MIQ.field("Credits to buy", credits, cp.amount ? "One credit costs " + cp.amount + " " + String(cp.currency || "").toUpperCase() + "." : null),
        cost, topMsg, h("div", { class: "actions" }, h("button", { type: "submit", disabled: b.checkout_available === false }, "Top up with Stripe")),
        b.checkout_available === false ? h("p", { class: "muted" }, "Card payments are not set up on this server.") : null);
      topForm.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        topMsg.textContent = "";
        const n = Number(credits.value);
        if (!Number.isInteger(n) || n < 1) { topMsg.textContent = "Enter a whole number of credits."; return; }
        try {
          const c = await MIQ.api("POST", "/api/dashboard/billing/checkout", { credits: n });
          location.assign(c.checkout_url);
        } catch (e) { topMsg.textContent = e.message; }
      });
      MIQ.put(root, MIQ.section("Top up", topForm));

      // cap and alerts
      const cap = h("input", { type: "number", id: "cap-credits", min: 0, step: 1, value: b.monthly_spend_cap_credits });
      const th = (b.alert_thresholds || []).map((x) => Math.round(x * 100));
      const alerts = h("input", { type: "text", id: "cap-alerts", value: th.join(", "), inputmode: "numeric" });
      const capMsg = h("p", { class: "error", role: "alert" });
      const capForm = h("form", { novalidate: true },
        MIQ.field("Monthly spend cap (credits)", cap, "Jobs that would go over it are refused. Leave empty for no cap."),
        MIQ.field("Email alerts at (% of the cap)", alerts, "Percentages separated by commas, like 50, 80, 100."),
        capMsg, h("div", { class: "actions" }, h("button", { type: "submit" }, "Save cap and alerts")));
      capForm.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        capMsg.textContent = "";
        const c = cap.value === "" ? null : Number(cap.value);
        if (c !== null && (!Number.isInteger(c) || c < 0)) { capMsg.textContent = "The cap must be a whole number of credits, or empty for none."; return; }
        const pts = alerts.value.split(/[,\s%]+/).filter(Boolean).map(Number);
        if (pts.some((p) => !isFinite(p) || p <= 0 || p > 100)) { capMsg.textContent = "Alerts must be percentages from 1 to 100."; return; }
        try {
          await MIQ.api("PUT", "/api/dashboard/billing", { monthly_spend_cap_credits: c, alert_thresholds: pts.map((p) => p / 100) });
          MIQ.toast(c === null ? "The monthly cap is off." : "Monthly cap set to " + f.credits(c) + ".");
          MIQ.route();
        } catch (e) { capMsg.textContent = e.message; }
      });
      MIQ.put(root, MIQ.section("Monthly cap and alerts", capForm));

      // pricing and ledger
      const pricing = h("div", { id: "pricing" }), ledger = h("div", { id: "ledger" });
      MIQ.put(root, MIQ.section("What a credit buys", pricing), MIQ.section("Ledger", ledger));
      try {
        const cat = await MIQ.api("GET", "/api/dashboard/endpoints");
        MIQ.put(pricing, MIQ.table("Prices", [
          { label: "Analysis", get: (r) => r.endpoint },
          { label: "Price", get: (r) => r.text },
        ], priceRows(cat), "The price list is not available."));
      } catch (e) { MIQ.put(pricing, h("p", { class: "muted" }, e.message)); }
      let before = null;
      const rows = [];
      async function more() {
        const page = await MIQ.api("GET", "/api/dashboard/billing/ledger?limit=50" + (before ? "&before=" + before : ""));
        rows.push(...MIQ.list(page, "entries"));
        before = page.next_before;
        ledger.textContent = "";
        MIQ.put(ledger, MIQ.table("Ledger", [
          { label: "When", get: (e) => f.date(e.created_at) },
          { label: "What", get: (e) => String(e.kind).replace(/_/g, " ") + (e.note ? ": " + e.note : "") },
          { label: "Credits", get: (e) => (e.credits > 0 ? "+" : "") + f.num(e.credits) },
          { label: "Job", get: (e) => e.job_id ? h("a", { href: "#jobs/" + encodeURIComponent(e.job_id) }, e.job_id) : "" },
        ], rows, "No entries yet."), before ? h("div", { class: "actions" }, MIQ.action("Older entries", more, "secondary")) : null);
      }
      await more();
    },
  });
})();
