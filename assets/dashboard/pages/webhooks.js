// Webhooks: the account's endpoints (create with the signing secret shown
// once, enable/disable, events, delete), a test event, and each endpoint's
// delivery log (status, response code, latency). API: docs/webhooks.md.
"use strict";
(function () {
  const h = MIQ.h, f = MIQ.fmt;
  const EVENTS = [
    ["job.succeeded", "A job succeeded"], ["job.failed", "A job failed"], ["job.canceled", "A job was canceled"],
    ["usage.alert", "Spending reached an alert threshold of the monthly cap"],
    ["credits.low", "The balance fell below the low-credit threshold"],
  ];
  const base = "/api/dashboard/webhooks";

  function eventBoxes(checked) {
    return EVENTS.map(([v]) => h("input", { type: "checkbox", name: "event", value: v, checked: checked.includes(v) }));
  }
  function eventFieldset(legend, boxes) {
    return h("fieldset", {}, h("legend", {}, legend),
      boxes.map((b, i) => h("label", { class: "inline" }, b, EVENTS[i][1] + " (" + b.value + ")")));
  }

  // The delivery log of one endpoint, newest first, refreshed while shown.
  let stopLog = null;
  function deliveryLog(ctx, w, into) {
    if (stopLog) stopLog();
    into.textContent = "";
    const box = h("div", { "aria-live": "polite" });
    MIQ.put(into, MIQ.section("Deliveries to " + w.url, box));
    async function load() {
      const data = await MIQ.api("GET", base + "/" + encodeURIComponent(w.id) + "/deliveries?limit=50");
      box.textContent = "";
      MIQ.put(box, MIQ.table("Delivery attempts, newest first", [
        { label: "When", get: (d) => f.date(d.created_at) },
        { label: "Event", get: (d) => h("code", {}, d.type + " " + d.event_id) },
        { label: "Attempt", get: (d) => String(d.attempt) },
        { label: "Outcome", get: (d) => d.outcome + (d.outcome === "retry" ? " (will retry)" : "") },
        { label: "Response", get: (d) => (d.status_code == null ? "no answer" : "HTTP " + d.status_code) },
        { label: "Latency", get: (d) => d.latency_ms + " ms" },
        { label: "Error", get: (d) => d.error || "" },
      ], MIQ.list(data, "deliveries"), "No delivery yet. Send a test event to try the endpoint."));
    }
    stopLog = MIQ.poll(ctx, 3000, async () => { await load(); return true; });
    return load();
  }

  MIQ.registerPage({
    id: "webhooks", title: "Webhooks", nav: "Webhooks",
    async render(root, ctx) {
      const list = h("div", { id: "webhook-list" }), secret = h("div", { id: "webhook-secret" });
      const log = h("div", { id: "webhook-log" }), msg = h("p", { class: "error", role: "alert" });
      const url = h("input", { type: "url", name: "url", required: true, maxlength: 2048, placeholder: "https://agent.example.com/momentiq" });
      const desc = h("input", { type: "text", name: "description", maxlength: 200 });
      const low = h("input", { type: "number", name: "low_credits_threshold", min: 0, step: 1 });
      const boxes = eventBoxes(["job.succeeded", "job.failed"]);
      const form = h("form", { novalidate: true },
        MIQ.field("Endpoint URL", url, "MomentIQ POSTs signed JSON events here (public http or https addresses only)."),
        eventFieldset("Events to send", boxes),
        MIQ.field("Description (optional)", desc),
        MIQ.field("Low-credit threshold (optional)", low, "For credits.low: the balance, in credits, below which the event fires."),
        msg, h("div", { class: "actions" }, h("button", { type: "submit" }, "Add endpoint")));

      async function load() {
        const data = await MIQ.api("GET", base);
        const rows = MIQ.list(data, "endpoints");
        list.textContent = "";
        MIQ.put(list, MIQ.table("Webhook endpoints", [
          { label: "URL", get: (w) => h("code", {}, w.url) },
          { label: "Events", get: (w) => (w.events || []).join(", ") },
          { label: "Status", get: (w) => (w.enabled ? "enabled" : "disabled") +
              (w.pending_events ? ", " + w.pending_events + " waiting" : "") },
          { label: "Last delivery", get: (w) => w.last_delivery
              ? w.last_delivery.outcome + (w.last_delivery.status_code ? " (HTTP " + w.last_delivery.status_code + ")" : "")
              : "none yet" },
          { label: "Actions", get: (w) => h("div", { class: "actions" },
            MIQ.action("Send test event", async () => {
              const r = await MIQ.api("POST", base + "/" + encodeURIComponent(w.id) + "/test", { type: (w.events || [])[0] || "job.succeeded" });
              MIQ.toast("Test event " + r.event_id + " queued; it shows in the delivery log in a moment.");
              await deliveryLog(ctx, w, log);
            }),
            MIQ.action("Delivery log", () => deliveryLog(ctx, w, log)),
            MIQ.action(w.enabled ? "Disable" : "Enable", async () => {
              await MIQ.api("PATCH", base + "/" + encodeURIComponent(w.id), { enabled: !w.enabled });
              MIQ.toast(w.url + (w.enabled ? " is disabled: no new events are queued for it." : " is enabled."));
              await load();
            }),
            MIQ.action("Delete", async () => {
              if (!confirm("Delete the endpoint " + w.url + "? Its waiting events and its log go with it.")) return;
              await MIQ.api("DELETE", base + "/" + encodeURIComponent(w.id));
              MIQ.toast("Deleted " + w.url + ".");
              if (stopLog) stopLog();
              log.textContent = "";
              await load();
            }, "danger")) },
        ], rows, "No endpoints yet."));
        list.querySelectorAll("tr").forEach((row) => {
          const u = row.cells[0] && row.cells[0].textContent;
          if (u) row.querySelectorAll("button").forEach((b) => b.setAttribute("aria-label", b.textContent + " for " + u));
        });
        if (data.low_credits_threshold != null && !low.value) low.placeholder = String(data.low_credits_threshold);
      }

      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        msg.textContent = "";
        const body = { url: url.value.trim(), events: boxes.filter((b) => b.checked).map((b) => b.value) };
        if (!/^https?:\/\//.test(body.url)) { msg.textContent = "Give the full URL, starting with https://."; url.focus(); return; }
        if (!body.events.length) { msg.textContent = "Choose at least one event."; return; }
        if (desc.value.trim()) body.description = desc.value.trim();
        if (low.value !== "") body.low_credits_threshold = Number(low.value);
        try {
          const w = await MIQ.api("POST", base, body);
          secret.textContent = "";
          MIQ.put(secret, MIQ.secretBox("signing secret", w.secret),
            h("p", {}, "Verify every delivery with it (MomentIQ-Signature header): see the recipes in the webhooks guide."));
          form.reset();
          await load();
        } catch (e) { msg.textContent = e.message; }
      });

      MIQ.put(root,
        MIQ.section("Add an endpoint",
          h("p", {}, "Backend agents that do not poll get signed events: at least once, retried with backoff for about a day. Deduplicate by the MomentIQ-Event-Id header."),
          form, secret),
        MIQ.section("Endpoints", list), log);
      await load();
    },
  });
})();
