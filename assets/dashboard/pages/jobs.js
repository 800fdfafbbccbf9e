// Jobs: the list with live progress; a job page with the timeline drawn
// (assets/timeline), the media in an HTML5 player that jumps to a clicked
// moment, downloads in every result format, refresh output URLs, cancel.
"use strict";
(function () {
  const h = MIQ.h, f = MIQ.fmt;
  const FORMATS = [["json", "JSON"], ["vtt", "WebVTT chapters"], ["csv", "CSV"], ["edl", "EDL (CMX3600)"],
                   ["fcpxml", "Final Cut XML"], ["otio", "OpenTimelineIO"]];
  const EXT = { json: "json", vtt: "vtt", csv: "csv", edl: "edl", fcpxml: "fcpxml", otio: "otio" };
  const live = (s) => s === "queued" || s === "running";
  const path = (id) => "/api/dashboard/jobs/" + encodeURIComponent(id);

  function statusCell(j) {
    return h("span", {}, h("span", { class: "status status-" + j.status }, j.status),
      live(j.status) ? [" ", h("progress", { max: 100, value: j.progress || 0, "aria-label": "Progress of " + j.job_id }), " " + (j.progress || 0) + "%"] : null);
  }

  async function list(root, ctx) {
    const box = h("div", { id: "jobs-list" });
    MIQ.put(root, h("div", { class: "actions" }, h("a", { class: "button", href: "#analyze" }, "New analysis")), MIQ.section("All jobs", box));
    async function load() {
      const data = await MIQ.api("GET", "/api/dashboard/jobs?limit=50");
      const jobs = MIQ.list(data, "jobs", "items");
      box.textContent = "";
      MIQ.put(box, MIQ.table("Jobs", [
        { label: "Job", get: (j) => h("a", { href: "#jobs/" + encodeURIComponent(j.job_id) }, j.job_id) },
        { label: "Analysis", get: (j) => j.endpoint },
        { label: "Status", get: statusCell },
        { label: "Credits", get: (j) => j.charged_credits !== null && j.charged_credits !== undefined ? f.num(j.charged_credits) : "~" + f.num(j.estimated_credits) },
        { label: "Created", get: (j) => f.date(j.created_at) },
      ], jobs, "No jobs yet."));
      return jobs.some((j) => live(j.status));
    }
    if (await load()) MIQ.poll(ctx, 2000, load);
  }

  // Thumbnails for scene changes: the frame nearest the moment, when the job made frames.
  function thumbs(result) {
    const frames = MIQ.list(result, "frames").filter((x) => x.url);
    if (!frames.length) return null;
    return (m) => {
      const t = m.time !== undefined ? m.time : m.start;
      let best = null;
      for (const fr of frames) if (Math.abs(fr.time - t) <= 1 && (!best || Math.abs(fr.time - t) < Math.abs(best.time - t))) best = fr;
      return best ? best.url : null;
    };
  }

  function outputsList(result) {
    const files = [];
    for (const k of ["frames", "clips"]) for (const x of MIQ.list(result, k)) if (x.url) files.push([k, x]);
    for (const x of MIQ.list(result, "outputs")) if (x.url) files.push([x.list || "file", x]);
    if (!files.length) return null;
    return h("ul", { class: "plain", id: "outputs" }, files.map(([k, x]) =>
      h("li", {}, h("a", { href: x.url, download: "" }, k.replace(/s$/, "") + " " + (x.index !== undefined ? x.index + 1 : "") +
        (x.time !== undefined ? " at " + f.dur(x.time) : x.start !== undefined ? " " + f.dur(x.start) + "–" + f.dur(x.end) : "")),
        x.expires_at ? h("span", { class: "muted" }, " (link valid until " + f.date(x.expires_at) + ")") : null)));
  }

  async function detail(root, ctx, id) {
    let job = await MIQ.api("GET", path(id));
    ctx.heading.textContent = "Job " + id;
    const head = h("div", { id: "job-head" }), media = h("div", { id: "job-media" }), tlBox = h("div", { id: "job-timeline" });
    const dl = h("div", { id: "job-downloads" });
    MIQ.put(root, h("p", {}, h("a", { href: "#jobs" }, "← All jobs")), MIQ.section("Status", head),
      MIQ.section("Timeline", media, tlBox), MIQ.section("Downloads", dl));
    let tl = null, player = null, result = null;
    MIQ.put(dl, h("p", { class: "muted" }, "Downloads appear when the job has succeeded."));
    ctx.onLeave(() => { if (tl) tl.destroy(); });

    function drawHead() {
      head.textContent = "";
      MIQ.put(head, h("p", {}, h("strong", {}, job.endpoint), " — ", statusCell(job),
          job.eta_s ? h("span", { class: "muted" }, " about " + f.dur(job.eta_s) + " left") : null),
        job.error ? h("p", { class: "error" }, job.error.message + " (" + job.error.code + ")") : null,
        h("p", { class: "muted" }, "Created " + f.date(job.created_at) + (job.finished_at ? ", finished " + f.date(job.finished_at) : "") +
          ". Credits: " + (job.charged_credits !== null && job.charged_credits !== undefined ? f.num(job.charged_credits) + " charged" : f.num(job.estimated_credits) + " reserved")),
        live(job.status) ? h("div", { class: "actions" }, MIQ.action("Cancel job", async () => {
          if (!confirm("Cancel this job? Its reserved credits are released.")) return;
          job = await MIQ.api("POST", path(id) + "/cancel", {});
          MIQ.toast("Job canceled.");
          job = await MIQ.api("GET", path(id));
          drawHead();
        }, "danger")) : null);
    }

    async function drawPlayer() {
      if (!job.upload_id) return;
      try {
        const pb = await MIQ.api("POST", "/api/dashboard/uploads/" + encodeURIComponent(job.upload_id) + "/playback", {});
        const video = (pb.content_type || "").startsWith("video/") || (result && result.media && result.media.has_video);
        player = h(video ? "video" : "audio", { class: "player", controls: true, preload: "metadata", src: pb.url,
                                                "aria-label": "The analysed media" });
        player.addEventListener("timeupdate", () => { if (tl) tl.seek(player.currentTime); });
        player.addEventListener("error", () => {
          player.replaceWith(h("p", { class: "muted" }, "The media could not be loaded for playing (its link may have expired: reload the page)."));
          player = null;
        });
        MIQ.put(media, player);
      } catch (e) {
        MIQ.put(media, h("p", { class: "muted" }, "The media cannot be played here: " + e.message));
      }
    }

    async function drawResult() {
      if (job.status !== "succeeded") {
        tlBox.textContent = "";
        MIQ.put(tlBox, h("p", { class: "muted" }, live(job.status) ? "The timeline is drawn when the job has finished." : "This job has no result."));
        return;
      }
      result = await MIQ.api("GET", path(id) + "/result");
      tlBox.textContent = "";
      await drawPlayer();
      tl = MomentIQTimeline.render(tlBox, Object.assign({}, job, { result }), {
        height: 220,
        thumbnailUrl: thumbs(result),
        onSeek: (t) => {
          if (player) { player.currentTime = t; player.focus(); }
        },
      });
      dl.textContent = "";
      // A server that lacks a format says so to a HEAD: the link is not offered then.
      const have = await Promise.all(FORMATS.map(([fmt]) => fetch(path(id) + "/result?format=" + fmt, { method: "HEAD", credentials: "same-origin" })
        .then((r) => r.ok, () => false)));
      MIQ.put(dl, h("ul", { class: "plain" }, FORMATS.map(([fmt, label], i) => h("li", {}, have[i]
          ? h("a", { href: path(id) + "/result?format=" + fmt, download: id + "." + EXT[fmt] }, "Download " + label)
          : h("span", { class: "muted" }, label + ": not available on this server")))),
        outputsList(result), MIQ.list(result, "frames", "clips").length ? h("div", { class: "actions" }, MIQ.action("Refresh output links", async () => {
          await MIQ.api("POST", path(id) + "/outputs/refresh", {});
          result = await MIQ.api("GET", path(id) + "/result");
          const old = dl.querySelector("#outputs"), fresh = outputsList(result);
          if (old && fresh) old.replaceWith(fresh);
          tl.update(Object.assign({}, job, { result }));
          MIQ.toast("Output links refreshed.");
        }, "secondary")) : null);
    }

    drawHead();
    await drawResult();
    if (live(job.status)) {
      MIQ.poll(ctx, 1500, async () => {
        job = await MIQ.api("GET", path(id));
        drawHead();
        if (!live(job.status)) { await drawResult(); return false; }
        return true;
      });
    }
  }

  MIQ.registerPage({
    id: "jobs", title: "Jobs", nav: "Jobs",
    render(root, ctx) { return ctx.args[0] ? detail(root, ctx, ctx.args[0]) : list(root, ctx); },
  });
})();
