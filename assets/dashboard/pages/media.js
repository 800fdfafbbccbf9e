// Media: drag-and-drop upload streamed to a signed upload URL (the browser
// sends the File object itself: it is read from disk as it goes, never held
// in memory), the uploads with their probe facts, delete.
"use strict";
(function () {
  const h = MIQ.h, f = MIQ.fmt;

  MIQ.describeStreams = function (u) {
    const streams = MIQ.list(u, "streams");
    if (!streams.length) return u.has_video || u.has_audio ? [u.has_video ? "video" : null, u.has_audio ? "audio" : null].filter(Boolean).join(" + ") : "—";
    return streams.map((s) => {
      const kind = s.type || s.codec_type || "stream";
      const bits = [kind + (s.codec || s.codec_name ? " " + (s.codec || s.codec_name) : "")];
      if (s.width && s.height) bits.push(s.width + "×" + s.height);
      if (s.fps) bits.push(Number(s.fps).toFixed(2).replace(/\.?0+$/, "") + " fps");
      if (s.sample_rate) bits.push(s.sample_rate + " Hz");
      if (s.channels) bits.push(s.channels + " ch");
      return bits.join(", ");
    }).join("; ");
  };

  // PUT the file to the signed URL with progress; resolves with the answer.
  function put(url, method, file, onProgress) {
    return new Promise((resolve, reject) => {
      const x = new XMLHttpRequest();
      x.open(method || "PUT", url);
      x.setRequestHeader("Content-Type", file.type || "application/octet-stream");
      x.upload.addEventListener("progress", (e) => { if (e.lengthComputable) onProgress(e.loaded, e.total); });
      x.addEventListener("load", () => {
        let data = {};
        try { data = JSON.parse(x.responseText || "{}"); } catch (e) { /* not JSON */ }
        if (x.status >= 200 && x.status < 300) resolve(data);
        else { const e = new Error(MIQ.errorWords(x.status, data)); e.status = x.status; reject(e); }
      });
      x.addEventListener("error", () => reject(new Error("The upload was cut off. Check your connection and try again.")));
      x.addEventListener("abort", () => reject(new Error("The upload was canceled.")));
      x.send(file);
    });
  }

  MIQ.registerPage({
    id: "media", title: "Media", nav: "Media",
    async render(root, ctx) {
      const input = h("input", { type: "file", id: "media-file", accept: "audio/*,video/*", class: "sr-only" });
      const bar = h("progress", { max: 100, value: 0, hidden: true, "aria-label": "Upload progress" });
      const status = h("p", { role: "status", "aria-live": "polite", id: "upload-status" });
      const zone = h("div", { class: "dropzone", id: "dropzone" },
        h("p", {}, "Drag an audio or video file here, or "),
        h("label", { for: "media-file", class: "button" }, "Choose a file"), input,
        h("p", { class: "hint" }, "Large files are streamed; you can keep using the dashboard while it uploads."));
      const listBox = h("div", { id: "uploads" });
      MIQ.put(root, MIQ.section("Upload", zone, bar, status), MIQ.section("Your uploads", listBox));
      input.addEventListener("focus", () => zone.classList.add("over"));
      input.addEventListener("blur", () => zone.classList.remove("over"));

      async function upload(file) {
        if (!file) return;
        bar.hidden = false; bar.value = 0;
        status.textContent = "Preparing " + file.name + "…";
        try {
          const u = await MIQ.api("POST", "/api/dashboard/uploads", { filename: file.name, bytes: file.size });
          const done = await put(u.upload_url, u.upload_method, file, (sent, total) => {
            bar.value = Math.floor((sent / total) * 100);
            bar.setAttribute("aria-valuetext", bar.value + "%");
            status.textContent = "Uploading " + file.name + ": " + bar.value + "% of " + f.bytes(total);
          });
          bar.value = 100;
          status.textContent = file.name + " uploaded" + (done.duration_s ? " (" + f.dur(done.duration_s) + ")" : "") + ".";
          MIQ.toast(file.name + " is ready to analyse.");
          if (ctx.alive()) await load();
        } catch (e) {
          status.textContent = "";
          bar.hidden = true;
          MIQ.toast("Upload of " + file.name + " failed: " + e.message, "error");
        } finally { input.value = ""; }
      }
      input.addEventListener("change", () => upload(input.files[0]));
      zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
      zone.addEventListener("dragleave", () => zone.classList.remove("over"));
      zone.addEventListener("drop", (e) => {
        e.preventDefault(); zone.classList.remove("over");
        if (e.dataTransfer.files.length) upload(e.dataTransfer.files[0]);
      });

      async function load() {
        const data = await MIQ.api("GET", "/api/dashboard/uploads");
        const rows = MIQ.list(data, "uploads", "items");
        listBox.textContent = "";
        MIQ.put(listBox, MIQ.table("Your uploads", [
          { label: "File", get: (u) => u.filename || u.upload_id },
          { label: "Duration", get: (u) => f.dur(u.duration_s) },
          { label: "Streams", get: (u) => MIQ.describeStreams(u) },
          { label: "Size", get: (u) => f.bytes(u.bytes !== undefined ? u.bytes : u.size_bytes) },
          { label: "Status", get: (u) => u.status || "ready" },
          { label: "Uploaded", get: (u) => f.date(u.created_at) },
          { label: "Actions", get: (u) => h("div", { class: "actions" },
            h("a", { class: "button secondary", href: "#analyze/" + encodeURIComponent(u.upload_id),
                     "aria-label": "Analyse " + (u.filename || u.upload_id) }, "Analyse"),
            MIQ.action("Delete", async () => {
              if (!confirm("Delete " + (u.filename || u.upload_id) + " and the outputs of its jobs?")) return;
              await MIQ.api("DELETE", "/api/dashboard/uploads/" + encodeURIComponent(u.upload_id));
              MIQ.toast("Deleted " + (u.filename || u.upload_id) + ".");
              await load();
            }, "danger")) },
        ], rows, "No uploads yet: drop a file above."));
        listBox.querySelectorAll("button.danger").forEach((b, i) => b.setAttribute("aria-label", "Delete " + (rows[i].filename || rows[i].upload_id)));
      }
      await load();
    },
  });
})();
