/*
 * Crosscast dashboard: drawing helpers with no knowledge of the app state.
 *
 *   - text escaping and number/time formatting (times always shown in the city's zone),
 *   - the map projection (equirectangular, fitted to the crossings' bounding box),
 *   - the observed-vs-forecast line chart, drawn as plain SVG.
 *
 * Exposed as `window.CrosscastCharts`; app.js is the only consumer. No build step, no
 * libraries: everything the machine serves must work offline.
 */
(function () {
  'use strict';

  var SVG_NS = 'http://www.w3.org/2000/svg';
  var TIME_ZONE = 'Australia/Melbourne';
  var MINUTE = 60 * 1000;
  var HOUR = 60 * MINUTE;

  // ---------------------------------------------------------------- text & numbers

  /** Escape text for use inside HTML/SVG markup (element content and quoted attributes). */
  function esc(value) {
    return String(value == null ? '' : value)
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&#39;');
  }

  var intFormat = new Intl.NumberFormat('en-AU', { maximumFractionDigits: 0 });

  function fmtInt(n) {
    return n == null || !isFinite(n) ? '—' : intFormat.format(Math.round(n));
  }

  function fmtFixed(n, digits) {
    return n == null || !isFinite(n) ? '—' : Number(n).toFixed(digits);
  }

  function fmtPct(share) {
    return share == null || !isFinite(share) ? '—' : Math.round(share * 100) + '%';
  }

  // ---------------------------------------------------------------- time

  // Intl formatters are expensive to create; build each one once.
  var fmtFull = new Intl.DateTimeFormat('en-AU', {
    timeZone: TIME_ZONE, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric',
    hour: '2-digit', minute: '2-digit', hour12: false,
  });
  var fmtShort = new Intl.DateTimeFormat('en-AU', {
    timeZone: TIME_ZONE, weekday: 'short', day: 'numeric', month: 'short',
    hour: '2-digit', minute: '2-digit', hour12: false,
  });
  var fmtHm = new Intl.DateTimeFormat('en-AU', {
    timeZone: TIME_ZONE, hour: '2-digit', minute: '2-digit', hour12: false,
  });
  var fmtDay = new Intl.DateTimeFormat('en-AU', { timeZone: TIME_ZONE, weekday: 'short', day: 'numeric' });
  var fmtHourOnly = new Intl.DateTimeFormat('en-AU', { timeZone: TIME_ZONE, hour: 'numeric', hourCycle: 'h23' });
  var fmtWall = new Intl.DateTimeFormat('en-AU', {
    timeZone: TIME_ZONE, hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
  });

  function toDate(iso) {
    if (iso == null) return null;
    var d = iso instanceof Date ? iso : new Date(iso);
    return isNaN(d.getTime()) ? null : d;
  }

  /** "Tue, 10 Oct 2006, 14:15" in Melbourne time. */
  function fmtDataTime(iso) {
    var d = toDate(iso);
    return d ? fmtFull.format(d) : '—';
  }

  /** "Tue 10 Oct, 14:15" in Melbourne time. */
  function fmtDataTimeShort(iso) {
    var d = toDate(iso);
    return d ? fmtShort.format(d) : '—';
  }

  /** "14:15" in Melbourne time. */
  function fmtClock(iso) {
    var d = toDate(iso);
    return d ? fmtHm.format(d) : '—';
  }

  /** Wall-clock "14:15:07" (used only for "last update", which is about the browser's now). */
  function fmtWallClock(d) {
    return fmtWall.format(d);
  }

  function melbourneHour(ms) {
    // hourCycle h23 still yields "24" in some engines at midnight; normalise.
    return Number(fmtHourOnly.format(new Date(ms))) % 24;
  }

  /**
   * Hour-aligned ticks in Melbourne local time. Melbourne's UTC offset is a whole number of
   * hours, so UTC hour boundaries are local hour boundaries; we only need the local hour to
   * pick every n-th one and to mark midnights.
   */
  function timeTicks(fromMs, toMs, maxTicks) {
    var spanHours = (toMs - fromMs) / HOUR;
    var steps = [1, 2, 3, 6, 12, 24];
    var step = steps[steps.length - 1];
    for (var i = 0; i < steps.length; i++) {
      if (spanHours / steps[i] <= maxTicks) { step = steps[i]; break; }
    }
    var ticks = [];
    var t = Math.ceil(fromMs / HOUR) * HOUR;
    for (; t <= toMs; t += HOUR) {
      var h = melbourneHour(t);
      if (h % step !== 0) continue;
      ticks.push({ t: t, midnight: h === 0, label: h === 0 ? fmtDay.format(new Date(t)) : fmtHm.format(new Date(t)) });
    }
    return ticks;
  }

  /** Round numbers for a value axis from 0 to at least `max`. */
  function niceTicks(max, count) {
    if (!(max > 0)) max = 1;
    var raw = max / count;
    var mag = Math.pow(10, Math.floor(Math.log10(raw)));
    var norm = raw / mag;
    var step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * mag;
    var top = Math.ceil(max / step) * step;
    var ticks = [];
    for (var v = 0; v <= top + step / 2; v += step) ticks.push(v);
    return { top: top, ticks: ticks };
  }

  // ---------------------------------------------------------------- map projection

  /**
   * Equirectangular projection fitted to the crossings' bounding box. x uses lon·cos(mean lat)
   * so that a kilometre is the same length both ways; the fitted box keeps that aspect ratio.
   * Returns the viewBox size, a point per crossing id and how many px one km is.
   */
  function projectCrossings(crossings, opts) {
    var maxW = opts.width, maxH = opts.maxHeight, m = opts.margin;
    var extraRight = opts.extraRight || 0;
    var pts = crossings.filter(function (c) { return isFinite(c.lat) && isFinite(c.lon); });
    if (pts.length === 0) return { width: maxW, height: maxH, points: new Map(), kmPx: 0 };
    var latMean = pts.reduce(function (s, c) { return s + c.lat; }, 0) / pts.length;
    var k = Math.cos((latMean * Math.PI) / 180);
    var xs = pts.map(function (c) { return c.lon * k; });
    var ys = pts.map(function (c) { return -c.lat; }); // north up
    var minX = Math.min.apply(null, xs), maxX = Math.max.apply(null, xs);
    var minY = Math.min.apply(null, ys), maxY = Math.max.apply(null, ys);
    // A single crossing (or a straight line of them) has a zero span; give it ~1 km.
    var spanX = Math.max(maxX - minX, 0.009), spanY = Math.max(maxY - minY, 0.009);
    var scale = Math.min((maxW - 2 * m - extraRight) / spanX, (maxH - 2 * m) / spanY);
    var width = maxW;
    var height = Math.round(spanY * scale + 2 * m);
    var points = new Map();
    var cx0 = (minX + maxX) / 2, cy0 = (minY + maxY) / 2;
    var midX = m + (maxW - 2 * m - extraRight) / 2, midY = height / 2;
    pts.forEach(function (c, i) {
      points.set(c.id, { x: midX + (xs[i] - cx0) * scale, y: midY + (ys[i] - cy0) * scale });
    });
    // One degree of latitude ≈ 111.32 km; projected units are degrees of latitude.
    return { width: width, height: height, points: points, kmPx: scale / 111.32 };
  }

  function svgEl(name, attrs) {
    var el = document.createElementNS(SVG_NS, name);
    if (attrs) for (var key in attrs) el.setAttribute(key, attrs[key]);
    return el;
  }

  // ---------------------------------------------------------------- line chart

  /**
   * Draw observed totals vs forecasts for one crossing.
   *
   * data = {
   *   observed:  [{ t: ms, v: number|null }]            (ascending)
   *   oneStep:   [{ t: ms, v: number }]                 (1-step-ahead means, ascending)
   *   forecast:  { baseT, baseV, points: [{ t, mean, lo80, hi80, lo95, hi95 }] } | null
   *   nowT:      ms | null                              (end of the last observed interval)
   *   windowMs:  how much history to show
   * }
   * Returns a function (clientX) -> readout {x, html} | null, for the hover crosshair.
   */
  function renderChart(svg, data) {
    var width = Math.max(320, Math.round(svg.clientWidth || 800));
    var height = Math.max(180, Math.round(svg.clientHeight || 260));
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    var pad = { l: 46, r: 14, t: 12, b: 28 };
    var plotW = width - pad.l - pad.r, plotH = height - pad.t - pad.b;

    // --- x domain: the last `windowMs` of data time up to the forecast's last horizon.
    var lastT = -Infinity;
    data.observed.forEach(function (p) { if (p.t > lastT) lastT = p.t; });
    data.oneStep.forEach(function (p) { if (p.t > lastT) lastT = p.t; });
    var fc = data.forecast;
    if (fc) fc.points.forEach(function (p) { if (p.t > lastT) lastT = p.t; });
    if (!isFinite(lastT)) { svg.innerHTML = ''; return function () { return null; }; }
    var anchorT = data.nowT != null ? data.nowT : lastT;
    var x0 = Math.min(anchorT, lastT) - data.windowMs;
    var x1 = lastT + 10 * MINUTE;
    if (fc && fc.points.length) x1 = Math.max(x1, fc.points[fc.points.length - 1].t + 10 * MINUTE);

    function inWindow(p) { return p.t >= x0 && p.t <= x1; }
    var observed = data.observed.filter(inWindow);
    var oneStep = data.oneStep.filter(inWindow);

    // --- y domain: everything visible, including the 95% band.
    var yMax = 0;
    observed.forEach(function (p) { if (p.v != null && p.v > yMax) yMax = p.v; });
    oneStep.forEach(function (p) { if (p.v > yMax) yMax = p.v; });
    if (fc) fc.points.forEach(function (p) { if (p.hi95 > yMax) yMax = p.hi95; });
    var yt = niceTicks(yMax * 1.05, 4);

    function X(t) { return pad.l + ((t - x0) / (x1 - x0)) * plotW; }
    function Y(v) { return pad.t + plotH - (v / yt.top) * plotH; }
    function f(n) { return n.toFixed(1); }

    var out = [];
    // Grid and axes.
    yt.ticks.forEach(function (v) {
      out.push('<line class="grid" x1="' + pad.l + '" x2="' + (width - pad.r) + '" y1="' + f(Y(v)) + '" y2="' + f(Y(v)) + '"/>');
      out.push('<text class="axis-label" x="' + (pad.l - 6) + '" y="' + f(Y(v) + 4) + '" text-anchor="end">' + esc(fmtInt(v)) + '</text>');
    });
    timeTicks(x0, x1, Math.max(3, Math.floor(plotW / 80))).forEach(function (tk) {
      var x = f(X(tk.t));
      out.push('<line class="grid' + (tk.midnight ? ' grid-midnight' : '') + '" x1="' + x + '" x2="' + x + '" y1="' + pad.t + '" y2="' + (pad.t + plotH) + '"/>');
      out.push('<text class="axis-label' + (tk.midnight ? ' strong' : '') + '" x="' + x + '" y="' + (height - 8) + '" text-anchor="middle">' + esc(tk.label) + '</text>');
    });

    // "Now" in data time: everything to the right is forecast.
    if (data.nowT != null && data.nowT >= x0 && data.nowT <= x1) {
      var nx = f(X(data.nowT));
      out.push('<rect class="future" x="' + nx + '" y="' + pad.t + '" width="' + f(width - pad.r - X(data.nowT)) + '" height="' + plotH + '"/>');
      out.push('<line class="now" x1="' + nx + '" x2="' + nx + '" y1="' + pad.t + '" y2="' + (pad.t + plotH) + '"/>');
      out.push('<text class="now-label" x="' + f(X(data.nowT) + 4) + '" y="' + (pad.t + 11) + '">now</text>');
    }

    // Latest forecast: 95% and 80% bands as polygons, anchored at the last observation so the
    // fan opens from the actual value rather than floating.
    if (fc && fc.points.length) {
      var anchor = fc.baseV != null ? [{ t: fc.baseT, mean: fc.baseV, lo80: fc.baseV, hi80: fc.baseV, lo95: fc.baseV, hi95: fc.baseV }] : [];
      var pts = anchor.concat(fc.points);
      var band = function (lo, hi, cls) {
        var upper = pts.map(function (p) { return f(X(p.t)) + ',' + f(Y(p[hi])); });
        var lower = pts.slice().reverse().map(function (p) { return f(X(p.t)) + ',' + f(Y(p[lo])); });
        out.push('<polygon class="' + cls + '" points="' + upper.concat(lower).join(' ') + '"/>');
      };
      band('lo95', 'hi95', 'band95');
      band('lo80', 'hi80', 'band80');
      out.push('<polyline class="line-forecast" points="' + pts.map(function (p) { return f(X(p.t)) + ',' + f(Y(p.mean)); }).join(' ') + '"/>');
      fc.points.forEach(function (p) {
        out.push('<circle class="dot-forecast" cx="' + f(X(p.t)) + '" cy="' + f(Y(p.mean)) + '" r="3"/>');
      });
    }

    // History of 1-step-ahead forecasts: how well the model has been tracking.
    if (oneStep.length > 1) {
      out.push('<path class="line-onestep" d="' + pathWithGaps(oneStep, X, Y, 20 * MINUTE) + '"/>');
    }

    // Observed totals; missing intervals break the line instead of being drawn as zero.
    if (observed.length) {
      out.push('<path class="line-observed" d="' + pathWithGaps(observed, X, Y, 20 * MINUTE) + '"/>');
      var last = null;
      for (var i = observed.length - 1; i >= 0; i--) if (observed[i].v != null) { last = observed[i]; break; }
      if (last) out.push('<circle class="dot-observed" cx="' + f(X(last.t)) + '" cy="' + f(Y(last.v)) + '" r="3.5"/>');
    }

    out.push('<line class="axis" x1="' + pad.l + '" x2="' + (width - pad.r) + '" y1="' + (pad.t + plotH) + '" y2="' + (pad.t + plotH) + '"/>');
    out.push('<line id="chart-cursor" class="cursor" x1="0" x2="0" y1="' + pad.t + '" y2="' + (pad.t + plotH) + '" visibility="hidden"/>');
    svg.innerHTML = out.join('');

    // Hover readout: snap to the nearest interval that has anything to show.
    var slots = new Map();
    function slot(t) { if (!slots.has(t)) slots.set(t, { t: t }); return slots.get(t); }
    observed.forEach(function (p) { slot(p.t).obs = p.v; });
    oneStep.forEach(function (p) { slot(p.t).one = p.v; });
    if (fc) fc.points.forEach(function (p) { var s = slot(p.t); s.fc = p; });
    var times = Array.from(slots.keys()).sort(function (a, b) { return a - b; });
    var cursor = svg.querySelector('#chart-cursor');

    return function readout(clientX) {
      if (clientX == null || !times.length) { cursor.setAttribute('visibility', 'hidden'); return null; }
      var rect = svg.getBoundingClientRect();
      var vx = ((clientX - rect.left) / rect.width) * width;
      var t = x0 + ((vx - pad.l) / plotW) * (x1 - x0);
      var best = times[0];
      times.forEach(function (tt) { if (Math.abs(tt - t) < Math.abs(best - t)) best = tt; });
      var s = slots.get(best);
      var sx = X(best);
      cursor.setAttribute('x1', f(sx)); cursor.setAttribute('x2', f(sx));
      cursor.setAttribute('visibility', 'visible');
      var rows = ['<strong>' + esc(fmtDataTimeShort(new Date(best))) + '</strong>'];
      if ('obs' in s) rows.push('<span class="c-obs">observed</span> ' + esc(s.obs == null ? 'missing' : fmtInt(s.obs)));
      if ('one' in s) rows.push('<span class="c-one">1-step fc</span> ' + esc(fmtInt(s.one)));
      if (s.fc) rows.push('<span class="c-fc">forecast</span> ' + esc(fmtInt(s.fc.mean)) + ' <span class="muted">(' + esc(fmtInt(s.fc.lo80)) + '–' + esc(fmtInt(s.fc.hi80)) + ')</span>');
      return { x: (sx / width) * rect.width, html: rows.join('<br>') };
    };
  }

  /** An SVG path through points, lifting the pen at nulls and at gaps longer than `maxGap`. */
  function pathWithGaps(points, X, Y, maxGap) {
    var d = '', pen = false, prevT = null;
    points.forEach(function (p) {
      if (p.v == null || !isFinite(p.v)) { pen = false; return; }
      var cmd = pen && prevT != null && p.t - prevT <= maxGap ? 'L' : 'M';
      d += cmd + X(p.t).toFixed(1) + ' ' + Y(p.v).toFixed(1);
      pen = true; prevT = p.t;
    });
    return d;
  }

  window.CrosscastCharts = {
    TIME_ZONE: TIME_ZONE,
    SVG_NS: SVG_NS,
    esc: esc,
    fmtInt: fmtInt,
    fmtFixed: fmtFixed,
    fmtPct: fmtPct,
    fmtDataTime: fmtDataTime,
    fmtDataTimeShort: fmtDataTimeShort,
    fmtClock: fmtClock,
    fmtWallClock: fmtWallClock,
    toDate: toDate,
    projectCrossings: projectCrossings,
    svgEl: svgEl,
    renderChart: renderChart,
  };
})();
