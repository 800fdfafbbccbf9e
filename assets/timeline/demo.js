// Demo of the timeline component: feeds it sample-job.json (served next to it).
"use strict";
fetch("sample-job.json").then((r) => r.json()).then((job) => {
  const out = document.getElementById("seeked");
  window.demoTimeline = MomentIQTimeline.render(document.getElementById("timeline"), job, {
    height: 220,
    onSeek: (t, m) => { out.textContent = "Seek to " + t.toFixed(3) + " s (" + (m.type || "moment") + ")"; },
    thumbnailUrl: () => null,
  });
}).catch((e) => { document.getElementById("seeked").textContent = "Could not load the sample: " + e.message; });
