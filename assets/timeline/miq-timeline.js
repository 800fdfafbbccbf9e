/* MomentIQ timeline: draws a job's result (GET /v1/jobs/{id} with its result)
 * as SVG. Self-contained on purpose: no modules, no dependencies, no network
 * requests of its own, no page state, so it can be inlined into one HTML file
 * (the dashboard, the MCP App view). Every moment is a focusable button-like
 * element; unknown moment types are drawn generically, never dropped.
 *
 *   var tl = MomentIQTimeline.render(container, job, {onSeek, thumbnailUrl, height});
 *   tl.update(job); tl.seek(seconds); tl.destroy();
 */
(function (global) {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var LABEL_W = 0; /* lanes are labelled by the legend, not by a left column: 375 px needs the room */
  var KNOWN = { silence: 1, speech: 1, music: 1, other: 1, scene: 1, black: 1, frozen: 1, freeze: 1,
                peak: 1, cut: 1, dissolve: 1, fade: 1, highlight: 1, clip: 1, frame: 1 };
  var TRANSITIONS = { cut: 1, dissolve: 1, fade: 1, transition: 1 };
  /* Result lists and the kind each item is drawn as (SPEC §6 names). */
  var LISTS = { segments: null, moments: null, silences: "silence", cuts: "cut", scenes: "scene",
                peaks: "peak", highlights: "highlight", clips: "clip", frames: "frame",
                transitions: null };
  var NOT_MOMENTS = { windows: 1, energy: 1, outputs: 1, params: 1, media: 1, stats: 1 };

  function num(v) { return typeof v === "number" && isFinite(v) ? v : null; }
  function el(name, attrs, parent) {
    var e = document.createElementNS(SVG, name);
    for (var k in attrs) if (attrs[k] !== null && attrs[k] !== undefined) e.setAttribute(k, String(attrs[k]));
    if (parent) parent.appendChild(e);
    return e;
  }
  function fmt(t) {
    if (t === null) return "";
    var m = Math.floor(t / 60), s = t - m * 60, h = Math.floor(m / 60);
    var ss = (s < 10 ? "0" : "") + s.toFixed(1);
    return h ? h + ":" + (m % 60 < 10 ? "0" : "") + (m % 60) + ":" + ss : m + ":" + ss;
  }
  function safeType(t) { return String(t || "other").toLowerCase().replace(/[^a-z0-9_-]/g, "").slice(0, 32) || "other"; }
  function hue(t) { var h = 0; for (var i = 0; i < t.length; i++) h = (h * 31 + t.charCodeAt(i)) % 360; return h; }
  function words(t) { return String(t).replace(/[_-]+/g, " "); }

  /* Every moment of a result, normalised: {kind, type, start, end, time, score, raw}. */
  function collect(r) {
    var out = [], seen = {};
    function add(item, kind) {
      if (!item || typeof item !== "object") return;
      var type = safeType(item.type || item.transition || kind || "other");
      var start = num(item.start), end = num(item.end), time = num(item.time);
      if (start === null && time !== null) start = time;
      if (start === null) return;
      if (end === null || end < start) end = start;
      var key = type + "@" + start + "-" + end;
      if (seen[key]) return;
      seen[key] = 1;
      var lane = type === "highlight" ? "highlights"
        : TRANSITIONS[type] ? "scenes"
        : type === "frame" ? "scenes"
        : type === "silence" || type === "peak" ? "audio" : "segments";
      out.push({ kind: kind || type, type: type, start: start, end: end,
                 time: time !== null ? time : start, score: num(item.score), lane: lane, raw: item });
    }
    Object.keys(r).forEach(function (name) {
      var list = r[name];
      if (NOT_MOMENTS[name] || !Array.isArray(list)) return;
      var kind = Object.prototype.hasOwnProperty.call(LISTS, name) ? LISTS[name] : safeType(name.replace(/s$/, ""));
      list.forEach(function (item) {
        add(item, item && item.type ? null : kind);
        /* A scene segment also marks a change where it starts (not at 0). */
        if (item && (item.type === "scene" || kind === "scene") && num(item.start) > 0)
          add({ type: item.transition || "cut", time: item.start, score: item.score,
                frame: item.start_frame, timecode: item.start_tc }, "cut");
      });
    });
    out.sort(function (a, b) { return a.start - b.start || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0); });
    return out;
  }

  /* The energy curve: [{start,end,rms_db}] windows, or {values:[dB…], window_s};
   * without either, the short-term loudness curve a timeline result carries
   * ({lufs:[…], step_s, first_end_s, window_s}, each value at its window's centre). */
  function energyPoints(r) {
    var e = r.windows || r.energy, pts = [], st = r.short_term;
    if (!e && st && Array.isArray(st.lufs)) {
      var step = num(st.step_s) || 1, win = num(st.window_s) || 3, end0 = num(st.first_end_s);
      if (end0 === null) end0 = win;
      st.lufs.forEach(function (v, i) { if (num(v) !== null) pts.push([Math.max(0, end0 + i * step - win / 2), v]); });
      return pts;
    }
    if (e && !Array.isArray(e) && Array.isArray(e.values)) {
      var w = num(e.window_s) || num(r.energy_window_s) || 0.5, t0 = num(e.start) || 0;
      e.values.forEach(function (v, i) { if (num(v) !== null) pts.push([t0 + (i + 0.5) * w, v]); });
    } else if (Array.isArray(e)) {
      e.forEach(function (x) {
        if (!x) return;
        var s = num(x.start), en = num(x.end), t = num(x.time), db = num(x.rms_db !== undefined ? x.rms_db : x.db);
        if (db === null) return;
        var at = t !== null ? t : s !== null ? (en !== null ? (s + en) / 2 : s) : null;
        if (at !== null) pts.push([at, db]);
      });
    }
    return pts;
  }

  function duration(job, r, moments, pts) {
    var d = (r.media && num(r.media.covered_s)) || (r.media && num(r.media.duration_s)) || num(r.duration_s) ||
            (job && num(job.duration_s)) || 0;
    moments.forEach(function (m) { if (m.end > d) d = m.end; });
    if (pts.length && pts[pts.length - 1][0] > d) d = pts[pts.length - 1][0];
    return d > 0 ? d : 1;
  }

  function label(m) {
    var what = m.type === "cut" ? "Scene change (cut)" : m.type === "dissolve" ? "Scene change (dissolve)"
      : m.type === "fade" ? "Scene change (fade)" : m.type === "highlight" ? "Highlight" + (m.raw.rank ? " " + m.raw.rank : "")
      : m.type === "peak" ? "Loudness peak" : m.type === "frame" ? "Frame"
      : words(m.type).charAt(0).toUpperCase() + words(m.type).slice(1);
    var when = m.end > m.start ? " from " + fmt(m.start) + " to " + fmt(m.end) : " at " + fmt(m.time);
    var extra = num(m.raw.rms_db) !== null ? ", " + m.raw.rms_db + " dBFS" : "";
    return what + when + extra;
  }

  function render(container, job, options) {
    options = options || {};
    var root = document.createElement("div");
    root.className = "miq-tl";
    container.appendChild(root);
    var svg = null, playhead = null, state = { job: job, d: 1, x0: 0, w: 0 }, ro = null, lastW = 0;

    function activate(m) {
      if (options.onSeek) options.onSeek(m.time, m.raw);
      api.seek(m.time);
    }

    function draw() {
      var job = state.job || {}, r = job.result || job;
      if (typeof r !== "object" || r === null) r = {};
      var moments = collect(r), pts = energyPoints(r);
      var W = Math.max(320, Math.floor(root.clientWidth || container.clientWidth || 640));
      var types = [];
      moments.forEach(function (m) { if (m.lane === "segments" && types.indexOf(m.type) < 0) types.push(m.type); });
      var hasThumbs = false, thumbs = {};
      if (options.thumbnailUrl) moments.forEach(function (m, i) {
        if (m.lane !== "scenes") return;
        var u = null;
        try { u = options.thumbnailUrl(m.raw); } catch (e) { u = null; }
        if (typeof u === "string" && u) { thumbs[i] = u; hasThumbs = true; }
      });
      var scenesH = hasThumbs ? 46 : 22, audioH = Math.max(60, (num(options.height) || 200) - 110), rowH = 16;
      var hasHighlights = moments.some(function (m) { return m.lane === "highlights"; });
      var y = 4, lanes = {};
      lanes.scenes = y; y += scenesH + 6;
      lanes.audio = y; y += audioH + 6;
      if (hasHighlights) { lanes.highlights = y; y += rowH + 6; }
      lanes.segments = y; y += types.length * (rowH + 2);
      var axisY = y + 4, H = axisY + 18;
      var d = duration(job, r, moments, pts), x0 = LABEL_W + 6, w = W - x0 - 6;
      state.d = d; state.x0 = x0; state.w = w;
      function X(t) { return x0 + Math.max(0, Math.min(1, t / d)) * w; }

      if (svg) root.removeChild(svg);
      root.textContent = "";
      svg = el("svg", { "class": "miq-tl-svg", width: W, height: H, viewBox: "0 0 " + W + " " + H, role: "group",
                        "aria-label": "Timeline of " + (job.endpoint || "the media") + ", " + fmt(d) + " long, " +
                          moments.length + " moments" });
      root.appendChild(svg);
      el("rect", { "class": "miq-tl-lane", x: x0, y: lanes.scenes, width: w, height: scenesH }, svg);
      el("rect", { "class": "miq-tl-lane", x: x0, y: lanes.audio, width: w, height: audioH }, svg);

      /* silence bands behind the curve */
      var layerBands = el("g", { "class": "miq-tl-bands" }, svg);
      /* the energy curve: -60..0 dBFS mapped onto the audio lane */
      if (pts.length) {
        var floor = -60, dpath = "M" + X(pts[0][0]).toFixed(1) + "," + (lanes.audio + audioH);
        pts.forEach(function (p) {
          var v = Math.max(floor, Math.min(0, p[1]));
          dpath += "L" + X(p[0]).toFixed(1) + "," + (lanes.audio + audioH * (v / floor)).toFixed(1);
        });
        dpath += "L" + X(pts[pts.length - 1][0]).toFixed(1) + "," + (lanes.audio + audioH) + "Z";
        el("path", { "class": "miq-tl-energy", d: dpath, "aria-hidden": "true" }, svg);
      }
      var layer = el("g", { "class": "miq-tl-moments" }, svg);
      var ranks = [];

      moments.forEach(function (m, i) {
        var g, x = X(m.start), x2 = X(m.end), cls = "miq-tl-m miq-tl-t-" + m.type + (KNOWN[m.type] ? "" : " miq-tl-generic");
        g = el("g", { "class": cls, tabindex: 0, role: "button", "aria-label": label(m),
                      "data-type": m.type, "data-time": m.time.toFixed(3) }, m.type === "silence" ? layerBands : layer);
        el("title", {}, g).textContent = label(m);
        var fill = KNOWN[m.type] ? null : "hsl(" + hue(m.type) + ",55%,42%)";
        if (m.lane === "scenes") {
          if (m.end > m.start) /* a transition with a span: the span, then the marker */
            el("rect", { "class": "miq-tl-span", x: x, y: lanes.scenes, width: Math.max(2, x2 - x), height: scenesH, fill: fill }, g);
          if (thumbs[i]) {
            var tw = Math.round(scenesH * 16 / 9);
            el("image", { href: thumbs[i], x: Math.min(x, x0 + w - tw), y: lanes.scenes, width: tw, height: scenesH,
                          preserveAspectRatio: "xMidYMid slice" }, g);
          }
          el("line", { "class": "miq-tl-marker", x1: x, x2: x, y1: lanes.scenes, y2: lanes.audio + audioH, stroke: fill }, g);
          el("path", { "class": "miq-tl-flag", d: "M" + (x - 5) + "," + lanes.scenes + "h10l-5,8z", fill: fill }, g);
          el("rect", { "class": "miq-tl-hit", x: x - 6, y: lanes.scenes, width: 12, height: scenesH }, g);
        } else if (m.type === "silence") {
          el("rect", { "class": "miq-tl-band", x: x, y: lanes.audio, width: Math.max(1, x2 - x), height: audioH }, g);
        } else if (m.type === "peak") {
          var db = num(m.raw.rms_db), py = lanes.audio + (db === null ? audioH / 3 : audioH * Math.max(-60, Math.min(0, db)) / -60);
          el("line", { "class": "miq-tl-peakline", x1: X(m.time), x2: X(m.time), y1: py, y2: lanes.audio + audioH }, g);
          el("circle", { "class": "miq-tl-peak", cx: X(m.time), cy: py, r: 5 }, g);
          el("rect", { "class": "miq-tl-hit", x: X(m.time) - 7, y: py - 7, width: 14, height: 14 }, g);
        } else {
          var ry = m.lane === "highlights" ? lanes.highlights : lanes.segments + types.indexOf(m.type) * (rowH + 2);
          el("rect", { "class": "miq-tl-bar", x: x, y: ry, width: Math.max(3, x2 - x), height: rowH, rx: 3, fill: fill }, g);
          /* the rank goes in a layer of its own: text inside the button would
           * make its visible text differ from its name */
          if (m.lane === "highlights" && m.raw.rank && x2 - x > 14)
            ranks.push([x + 4, ry + rowH - 4, String(m.raw.rank)]);
        }
        g.addEventListener("click", function () { activate(m); });
        g.addEventListener("keydown", function (ev) {
          if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); activate(m); }
        });
      });

      var rankLayer = el("g", { "aria-hidden": "true" }, svg);
      ranks.forEach(function (r) { el("text", { "class": "miq-tl-rank", x: r[0], y: r[1] }, rankLayer).textContent = r[2]; });

      /* time axis */
      var axis = el("g", { "class": "miq-tl-axis", "aria-hidden": "true" }, svg);
      var steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600], step = steps[steps.length - 1];
      for (var s = 0; s < steps.length; s++) if (d / steps[s] <= Math.max(2, Math.floor(w / 70))) { step = steps[s]; break; }
      for (var t = 0; t <= d + 1e-6; t += step) {
        el("line", { x1: X(t), x2: X(t), y1: axisY - 3, y2: axisY + 2 }, axis);
        var tx = el("text", { x: X(t), y: axisY + 14, "text-anchor": t === 0 ? "start" : X(t) > x0 + w - 20 ? "end" : "middle" }, axis);
        tx.textContent = fmt(t).replace(/\.0$/, "");
      }
      playhead = el("line", { "class": "miq-tl-playhead", x1: x0, x2: x0, y1: 0, y2: axisY, visibility: "hidden" }, svg);

      /* legend: what each colour means (and that a lane exists even when empty) */
      var legend = document.createElement("ul");
      legend.className = "miq-tl-legend";
      var kinds = [];
      moments.forEach(function (m) { if (kinds.indexOf(m.type) < 0) kinds.push(m.type); });
      if (pts.length) kinds.unshift("energy");
      kinds.forEach(function (k) {
        var li = document.createElement("li"), sw = el("svg", { width: 12, height: 12, "aria-hidden": "true" });
        el("rect", { width: 12, height: 12, rx: 2, "class": "miq-tl-sw miq-tl-t-" + k + (KNOWN[k] || k === "energy" ? "" : " miq-tl-generic"),
                     fill: KNOWN[k] || k === "energy" ? null : "hsl(" + hue(k) + ",55%,42%)" }, sw);
        li.appendChild(sw);
        li.appendChild(document.createTextNode(" " + words(k) + " (" + (k === "energy" ? pts.length + " windows" : moments.filter(function (m) { return m.type === k; }).length) + ")"));
        legend.appendChild(li);
      });
      if (!moments.length && !pts.length) {
        var li = document.createElement("li");
        li.textContent = job.status && job.status !== "succeeded" ? "Nothing to draw yet: the job is " + job.status + "." : "No moments in this result.";
        legend.appendChild(li);
      }
      root.appendChild(legend);
      lastW = W;
      if (state.t !== undefined) api.seek(state.t);
    }

    var api = {
      update: function (j) { state.job = j; draw(); },
      seek: function (seconds) {
        var t = num(seconds);
        if (t === null) return;
        state.t = t;
        if (!playhead) return;
        var x = state.x0 + Math.max(0, Math.min(1, t / state.d)) * state.w;
        playhead.setAttribute("x1", x); playhead.setAttribute("x2", x);
        playhead.setAttribute("visibility", "visible");
      },
      destroy: function () {
        if (ro) ro.disconnect();
        if (root.parentNode) root.parentNode.removeChild(root);
        svg = playhead = null;
      }
    };
    draw();
    if (typeof ResizeObserver === "function") {
      ro = new ResizeObserver(function () {
        var w = Math.floor(root.clientWidth);
        if (w && Math.abs(w - lastW) > 8) draw();
      });
      ro.observe(root);
    }
    return api;
  }

  global.MomentIQTimeline = { render: render, _collect: collect };
})(typeof window !== "undefined" ? window : this);
