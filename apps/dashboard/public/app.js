/*
 * Crosscast live operator dashboard.
 *
 * Data flow: REST gives the starting picture (crossings, city forecast, the selected
 * crossing's history); socket.io events then keep it current. Every event only updates
 * `state` and marks the affected regions dirty; a single batched render (≤ 1 per ~frame)
 * redraws them, because the replay runs on an accelerated clock and 40 crossings can
 * produce bursts of events.
 *
 * Data time (basedOnIntervalStart / intervalStart) is what is displayed and compared;
 * wall-clock time is only used for the "last update" marker.
 */
(function () {
  'use strict';

  var C = window.CrosscastCharts;
  var esc = C.esc;
  var MINUTE = 60 * 1000;
  var HOUR = 60 * MINUTE;
  /** How much observed history to keep per selected crossing (2 days of 15-min intervals). */
  var MAX_OBSERVATIONS = 192;
  var RETRY_MS = 5000;
  /** REST refresh period when socket.io is unavailable, so the page still moves. */
  var POLL_MS = 15000;
  /** Simulated intervals kept and listed per selected crossing. */
  var SIM_SERIES = 12;

  // ------------------------------------------------------------------ state

  var state = {
    crossings: [],          // definitions, in API order
    byId: new Map(),        // id -> definition (id, name, lat, lon, approaches)
    statuses: new Map(),    // id -> CrossingStatusView
    lastObsAt: new Map(),   // id -> ms of the newest observation seen live (orders status updates)
    city: null,             // CityForecastView
    fused: new Map(),       // id -> CrossingFusionView: the city fusion's values (source own / fused / estimated)
    fusedFromSocket: false, // once the socket delivered the full fused view, REST estimates no longer override it
    simulation: null,       // SimulationSnapshotView: the simulated street's newest interval (simulate mode)
    selectedId: null,
    sel: null,              // see newSelection()
    chartHours: 6,
    liveEvents: 0,
    socketConnectedOnce: false,
  };

  /** Everything shown for the selected crossing; replaced wholesale on selection change. */
  function newSelection(id) {
    return {
      id: id,
      loading: true,
      observations: new Map(),   // ms(intervalStart) -> ObservationView
      latestForecast: null,      // ForecastView with the newest basedOnIntervalStart
      oneStep: new Map(),        // ms(intervalStart of the 1-step horizon) -> mean
      recommendation: null,      // newest RecommendationView
      recHistory: [],            // newest planning period first
      lastEvaluation: null,      // PlanningEvaluationView: why there is (no) recommendation
      automatic: null,           // AutomaticModeView
      hysteresis: null,          // { minGainSeconds, minGainShare, ... }
      togglingAutomatic: false,
      decisions: new Map(),      // recommendationId -> DecisionView (operators only)
      audit: [],                 // DecisionView, newest first
      deciding: false,           // a decision request is in flight
      lastResult: null,          // { kind: 'accepted'|'rejected'|'error', text }
      simSeries: [],             // SimulatedCrossingView, newest first (simulate mode)
    };
  }

  function ms(iso) {
    var d = C.toDate(iso);
    return d ? d.getTime() : NaN;
  }

  // ------------------------------------------------------------------ DOM handles

  var $ = function (id) { return document.getElementById(id); };
  var els = {};

  // ------------------------------------------------------------------ batched rendering

  var dirty = { header: false, map: false, city: false, crossing: false };
  var renderTimer = null;

  function invalidate() {
    for (var i = 0; i < arguments.length; i++) dirty[arguments[i]] = true;
    if (renderTimer == null) renderTimer = setTimeout(renderNow, 16);
  }

  function renderNow() {
    renderTimer = null;
    var d = dirty;
    dirty = { header: false, map: false, city: false, crossing: false };
    // Each region renders independently so one bad payload cannot blank the whole page.
    [['header', renderHeader], ['map', renderMap], ['city', renderCity], ['crossing', renderCrossing]].forEach(function (r) {
      if (!d[r[0]]) return;
      try { r[1](); } catch (err) { console.error('render ' + r[0] + ' failed', err); showError('render-' + r[0], 'Display error in ' + r[0] + ': ' + err.message); }
    });
  }

  // ------------------------------------------------------------------ error banner

  var errors = new Map(); // key -> message; a later success for the same key clears it

  function showError(key, message) {
    errors.set(key, message);
    renderBanner();
  }

  function clearError(key) {
    if (errors.delete(key)) renderBanner();
  }

  function renderBanner() {
    var banner = els.banner;
    if (!errors.size) { banner.hidden = true; banner.innerHTML = ''; return; }
    banner.hidden = false;
    banner.innerHTML = Array.from(errors.values()).map(function (m) {
      return '<div class="banner-row"><span class="banner-icon" aria-hidden="true">!</span>' + esc(m) + '</div>';
    }).join('');
  }

  // ------------------------------------------------------------------ sign-in

  /** The bearer token and user, kept in sessionStorage: this tab only, gone when it closes. */
  var TOKEN_KEY = 'crosscast.session';
  var auth = { token: null, user: null, expiresAt: null };
  var liveSocket = null;
  var started = false;

  function loadSession() {
    try {
      var saved = JSON.parse(sessionStorage.getItem(TOKEN_KEY) || 'null');
      if (saved && saved.token && saved.user && Date.parse(saved.expiresAt) > Date.now()) auth = saved;
    } catch (err) { /* a damaged entry means: sign in again */ }
  }

  function isAdmin() {
    return !!(auth.user && auth.user.role === 'admin');
  }

  function isOperator() {
    return !!(auth.user && (auth.user.role === 'operator' || auth.user.role === 'admin'));
  }

  function showLogin(message) {
    els.login.hidden = false;
    els.userBox.hidden = true;
    els.loginError.hidden = !message;
    els.loginError.textContent = message || '';
    els.loginUsername.focus();
  }

  /** Forget the token and start over from the sign-in form (a reload drops every live subscription). */
  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    if (message) sessionStorage.setItem(TOKEN_KEY + '.message', message);
    if (liveSocket) liveSocket.disconnect();
    location.reload();
  }

  function submitLogin(e) {
    e.preventDefault();
    els.loginSubmit.disabled = true;
    fetch('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ username: els.loginUsername.value.trim(), password: els.loginPassword.value }),
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (body) { return { status: res.status, body: body }; });
    }).then(function (r) {
      els.loginSubmit.disabled = false;
      if (r.status !== 200) {
        showLogin(r.status === 429 ? 'Too many attempts: wait a minute and try again.' : r.status === 401 ? 'Unknown username or wrong password.' : 'Sign-in failed (HTTP ' + r.status + ').');
        return;
      }
      auth = { token: r.body.token, user: r.body.user, expiresAt: r.body.expiresAt };
      sessionStorage.setItem(TOKEN_KEY, JSON.stringify(auth));
      els.loginPassword.value = '';
      begin();
    }, function (err) {
      els.loginSubmit.disabled = false;
      showLogin('Sign-in failed: ' + err.message);
    });
  }

  function authHeaders(extra) {
    var headers = { accept: 'application/json', authorization: 'Bearer ' + auth.token };
    for (var k in extra || {}) headers[k] = extra[k];
    return headers;
  }

  // ------------------------------------------------------------------ REST

  function getJSON(url, key) {
    return fetch(url, { headers: authHeaders() }).then(function (res) {
      if (res.status === 401) { signOut('Your session ended: sign in again.'); throw new Error('signed out'); }
      if (!res.ok) throw new Error('HTTP ' + res.status + ' ' + (res.statusText || ''));
      return res.json();
    }).then(function (body) {
      clearError(key);
      return body;
    }, function (err) {
      showError(key, 'Could not load ' + url + ': ' + (err && err.message ? err.message : String(err)));
      throw err;
    });
  }

  function loadCrossings() {
    // The whole city in one page (the API's default page is 1000; its maximum 5000).
    return getJSON('/api/crossings?limit=5000', 'crossings').then(function (list) {
      if (!Array.isArray(list)) throw new Error('unexpected /api/crossings payload');
      state.crossings = list;
      state.byId = new Map(list.map(function (c) { return [c.id, c]; }));
      // The socket snapshot may already have delivered fresher statuses; REST fills gaps only.
      list.forEach(function (c) { if (c.status && !state.statuses.has(c.id)) state.statuses.set(c.id, c.status); });
      // Estimates for stale / offline crossings; the socket's fused view is fuller and newer.
      if (!state.fusedFromSocket) list.forEach(function (c) { if (c.estimate) state.fused.set(c.id, c.estimate); });
      if (!state.selectedId || !state.byId.has(state.selectedId)) {
        var wanted = crossingFromHash();
        selectCrossing(wanted && state.byId.has(wanted) ? wanted : list.length ? list[0].id : null);
      }
      invalidate('header', 'map', 'city', 'crossing');
    }).catch(function () {
      setTimeout(loadCrossings, RETRY_MS);
    });
  }

  var crossingsReloadTimer = null;
  /** A status for a crossing we have never heard of: the network grew; refetch the list once. */
  function scheduleCrossingsReload() {
    if (crossingsReloadTimer) return;
    crossingsReloadTimer = setTimeout(function () { crossingsReloadTimer = null; loadCrossings(); }, 2000);
  }

  function loadCity() {
    return getJSON('/api/city/forecast', 'city').then(function (city) {
      setCity(city);
    }).catch(function () { /* banner shows it; live events or the next poll will fill in */ });
  }

  function selectCrossing(id) {
    if (id == null) { state.selectedId = null; state.sel = null; invalidate('map', 'crossing'); return; }
    if (id === state.selectedId && state.sel) return;
    state.selectedId = id;
    state.sel = newSelection(id);
    if (crossingFromHash() !== id) history.replaceState(null, '', '#crossing=' + encodeURIComponent(id));
    followSelected(false);
    invalidate('map', 'crossing');
    loadSelection(state.sel);
  }

  /** Fetch detail, forecast history and recommendations; merge into `sel` (live events may already be there). */
  function loadSelection(sel) {
    var id = encodeURIComponent(sel.id);
    var stillSelected = function () { return state.sel === sel; };

    if (isOperator()) {
      getJSON('/api/audit?crossing=' + id + '&limit=20', 'audit').then(function (list) {
        if (!stillSelected() || !Array.isArray(list)) return;
        list.forEach(function (d) { addDecision(sel, d); });
        invalidate('crossing');
      }).catch(function () { /* banner */ });
    }

    getJSON('/api/crossings/' + id, 'detail').then(function (detail) {
      if (!stillSelected()) return;
      if (detail.status) state.statuses.set(sel.id, pickNewerStatus(state.statuses.get(sel.id), detail.status));
      (detail.recentObservations || []).forEach(function (o) { addObservation(sel, o); });
      if (detail.latestForecast) addForecast(sel, detail.latestForecast);
      if (detail.latestRecommendation) addRecommendation(sel, detail.latestRecommendation);
      sel.loading = false;
      invalidate('map', 'crossing', 'header');

      // 1-step-ahead history over the observed window.
      var anchor = sel.latestForecast ? ms(sel.latestForecast.basedOnIntervalStart) : latestObservationMs(sel);
      if (!isFinite(anchor)) anchor = state.city && state.city.asOfIntervalStart ? ms(state.city.asOfIntervalStart) : NaN;
      if (!isFinite(anchor)) return null;
      // The server returns the oldest `limit` first; 200 covers the 28 h window with room to spare.
      var from = new Date(anchor - 26 * HOUR).toISOString();
      var to = new Date(anchor + 2 * HOUR).toISOString();
      return getJSON('/api/crossings/' + id + '/forecasts?from=' + encodeURIComponent(from) + '&to=' + encodeURIComponent(to) + '&limit=200', 'forecasts');
    }).then(function (forecasts) {
      if (!stillSelected() || !Array.isArray(forecasts)) return;
      forecasts.forEach(function (f) { addForecast(sel, f); });
      invalidate('crossing');
    }).catch(function () {
      // The banner says what failed; keep trying while this crossing stays selected.
      if (!stillSelected()) return;
      sel.loading = false;
      invalidate('crossing');
      setTimeout(function () { if (stillSelected()) loadSelection(sel); }, RETRY_MS);
    });

    getJSON('/api/simulation/crossings/' + id + '?limit=' + SIM_SERIES, 'simulation').then(function (list) {
      if (!stillSelected()) return;
      addSimulated(sel, list);
      invalidate('crossing');
    }).catch(function () { /* banner */ });
    getJSON('/api/recommendations?crossing=' + id + '&limit=12', 'recommendations').then(function (recs) {
      if (!stillSelected() || !Array.isArray(recs)) return;
      recs.forEach(function (r) { addRecommendation(sel, r); });
      invalidate('crossing');
    }).catch(function () { /* banner */ });

    // The panel: pending recommendation, the last evaluation (why none) and automatic mode.
    getJSON('/api/crossings/' + id + '/recommendation', 'recommendation panel').then(function (panel) {
      if (!stillSelected() || !panel) return;
      if (panel.latest) addRecommendation(sel, panel.latest);
      if (panel.pending) addRecommendation(sel, panel.pending);
      sel.lastEvaluation = panel.lastEvaluation;
      sel.automatic = panel.automatic;
      sel.hysteresis = panel.hysteresis;
      invalidate('crossing');
    }).catch(function () { /* banner */ });
  }

  function crossingFromHash() {
    var m = /crossing=([^&]+)/.exec(location.hash || '');
    return m ? decodeURIComponent(m[1]) : null;
  }

  // ------------------------------------------------------------------ state updates (shared by REST and socket)

  function pickNewerStatus(a, b) {
    if (!a) return b;
    if (!b) return a;
    // Heartbeats order statuses; without them, the later forecast wins; ties go to the newcomer.
    var ha = ms(a.lastHeartbeatAt), hb = ms(b.lastHeartbeatAt);
    if (isFinite(ha) && isFinite(hb) && ha > hb) return a;
    return b;
  }

  function setStatus(s) {
    if (!s || !s.crossingId) return;
    state.statuses.set(s.crossingId, s);
    if (state.crossings.length && !state.byId.has(s.crossingId)) scheduleCrossingsReload();
  }

  /** Everyone gets the map's summary of every crossing; the full status only comes for the followed one. */
  function setSummary(s) {
    if (!s || !s.crossingId) return;
    setStatus(Object.assign({}, state.statuses.get(s.crossingId) || {}, s));
  }

  /** Forecasts, observations and full statuses come only for the crossing whose room we joined. */
  var followedId = null;
  function followSelected(afterReconnect) {
    if (!liveSocket) return;
    var id = state.selectedId;
    if (id === followedId && !afterReconnect) return;
    if (followedId && followedId !== id && !afterReconnect) liveSocket.emit('unsubscribe-crossing', { crossingId: followedId });
    followedId = id;
    if (id) liveSocket.emit('subscribe-crossing', { crossingId: id });
  }

  /** `live`: from socket.io, always current (even if the replay restarted and time went back). */
  function setCity(city, live) {
    if (!city) return;
    var cur = state.city;
    // A slow REST reply must not step the city back behind what a live event already showed.
    if (!live && cur && cur.asOfIntervalStart && (!city.asOfIntervalStart || ms(city.asOfIntervalStart) < ms(cur.asOfIntervalStart))) return;
    state.city = city;
    invalidate('header', 'city');
  }

  /** The city fusion's per-crossing values (snapshot and `fused-forecast` events): replaced wholesale. */
  function setFused(view) {
    if (!view || !Array.isArray(view.crossings)) return;
    state.fused = new Map(view.crossings.map(function (c) { return [c.crossingId, c]; }));
    state.fusedFromSocket = true;
    invalidate('map', 'city', 'crossing');
  }

  function addObservation(sel, o) {
    var t = ms(o.intervalStart);
    if (!isFinite(t)) return;
    sel.observations.set(t, o);
    if (sel.observations.size > MAX_OBSERVATIONS) {
      var keys = Array.from(sel.observations.keys()).sort(function (a, b) { return a - b; });
      keys.slice(0, keys.length - MAX_OBSERVATIONS).forEach(function (k) { sel.observations.delete(k); });
    }
  }

  function latestObservationMs(sel) {
    var best = -Infinity;
    sel.observations.forEach(function (_, t) { if (t > best) best = t; });
    return best;
  }

  function addForecast(sel, f) {
    if (!f || !Array.isArray(f.horizons)) return;
    if (!sel.latestForecast || ms(f.basedOnIntervalStart) >= ms(sel.latestForecast.basedOnIntervalStart)) sel.latestForecast = f;
    var h1 = f.horizons.filter(function (h) { return h.stepsAhead === 1; })[0];
    if (h1 && h1.total) sel.oneStep.set(ms(h1.intervalStart), h1.total.mean);
    // Bound memory on long sessions: keep ~2 days of 1-step points.
    if (sel.oneStep.size > MAX_OBSERVATIONS) {
      var keys = Array.from(sel.oneStep.keys()).sort(function (a, b) { return a - b; });
      keys.slice(0, keys.length - MAX_OBSERVATIONS).forEach(function (k) { sel.oneStep.delete(k); });
    }
  }

  function addRecommendation(sel, r) {
    if (!r || !r.id) return;
    if (sel.recHistory.some(function (x) { return x.id === r.id; })) return;
    // A new recommendation supersedes the pending ones before it (the server did the same).
    sel.recHistory.forEach(function (x) { if (x.status === 'pending' && ms(x.planningPeriodStart) < ms(r.planningPeriodStart)) x.status = 'superseded'; });
    sel.recHistory.push(r);
    sel.recHistory.sort(function (a, b) {
      return ms(b.planningPeriodStart || b.basedOnIntervalStart) - ms(a.planningPeriodStart || a.basedOnIntervalStart) || ms(b.createdAt) - ms(a.createdAt);
    });
    sel.recHistory.length = Math.min(sel.recHistory.length, 12);
    sel.recommendation = sel.recHistory[0];
  }

  /** A decision (by an operator or automatic mode) changes the recommendation's status for everyone. */
  function markDecided(sel, d) {
    sel.recHistory.forEach(function (x) {
      if (x.id === d.recommendationId) x.status = d.decidedByRole === 'automatic' ? 'applied-automatically' : d.decision;
    });
  }

  function addDecision(sel, d) {
    if (!d || !d.id || d.crossingId !== sel.id) return;
    sel.decisions.set(d.recommendationId, d);
    if (!sel.audit.some(function (x) { return x.id === d.id; })) {
      sel.audit.push(d);
      sel.audit.sort(function (a, b) { return Number(b.id) - Number(a.id); });
      sel.audit.length = Math.min(sel.audit.length, 20);
    }
  }

  // ------------------------------------------------------------------ socket.io

  function connectSocket() {
    if (typeof window.io !== 'function') {
      setConnection('offline', 'offline');
      showError('socket', 'Live updates unavailable (socket.io client did not load); refreshing every ' + POLL_MS / 1000 + ' s instead.');
      setInterval(pollFallback, POLL_MS);
      return;
    }
    // The handshake carries the token; the server refuses the connection without a valid one.
    var socket = liveSocket = window.io({ transports: ['websocket'], auth: { token: auth.token } });

    socket.on('connect', function () {
      setConnection('connected', 'connected');
      clearError('socket');
      // Rooms do not survive a reconnect: join the selected crossing's again.
      followSelected(true);
      // After a reconnect we may have missed events: refetch what the snapshot does not cover.
      if (state.socketConnectedOnce) {
        loadCrossings();
        if (state.selectedId) { var id = state.selectedId; state.selectedId = null; selectCrossing(id); }
      }
      state.socketConnectedOnce = true;
    });
    socket.on('disconnect', function () { setConnection('reconnecting', 'reconnecting…'); });
    socket.on('connect_error', function (err) {
      if (err && /^unauthorized/.test(err.message || '')) { signOut('Your session ended: sign in again.'); return; }
      setConnection('reconnecting', 'reconnecting…');
    });
    socket.on('recommendation-decided', function (d) {
      if (!d || !d.crossingId) return;
      if (state.sel && d.crossingId === state.sel.id) {
        markDecided(state.sel, d);
        if (isOperator()) addDecision(state.sel, d);
        invalidate('crossing');
      }
      liveEvent('decision', d.crossingId);
    });

    socket.on('snapshot', function (snap) {
      if (!snap) return;
      (snap.statuses || []).forEach(setStatus);
      if (snap.city) setCity(snap.city, true);
      if (snap.fused) setFused(snap.fused);
      liveEvent('snapshot', null);
      invalidate('header', 'map', 'city', 'crossing');
    });
    socket.on('crossing-status', function (s) {
      setStatus(s);
      liveEvent('status', s && s.crossingId);
      invalidate('header', 'map', 'city');
      if (s && s.crossingId === state.selectedId) invalidate('crossing');
    });
    socket.on('crossing-summaries', function (list) {
      if (!Array.isArray(list)) return;
      list.forEach(setSummary);
      liveEvent('status', null);
      invalidate('header', 'map', 'city');
    });
    socket.on('observation', function (o) {
      if (!o || !o.crossingId) return;
      var t = ms(o.intervalStart);
      // Observations drive the map's flow figure between status updates.
      if (!(state.lastObsAt.get(o.crossingId) > t)) {
        state.lastObsAt.set(o.crossingId, t);
        var s = state.statuses.get(o.crossingId);
        if (s) state.statuses.set(o.crossingId, Object.assign({}, s, { lastObservedTotal: o.total }));
        invalidate('map');
      }
      if (state.sel && o.crossingId === state.sel.id) { addObservation(state.sel, o); invalidate('crossing'); }
      liveEvent('observation', o.crossingId);
    });
    socket.on('forecast', function (f) {
      if (!f || !f.crossingId) return;
      if (state.sel && f.crossingId === state.sel.id) { addForecast(state.sel, f); invalidate('crossing'); }
      liveEvent('forecast', f.crossingId);
    });
    socket.on('recommendation', function (r) {
      if (!r || !r.crossingId) return;
      if (state.sel && r.crossingId === state.sel.id) { addRecommendation(state.sel, r); invalidate('crossing'); }
      liveEvent('recommendation', r.crossingId);
    });
    socket.on('simulation-report', function (report) {
      if (!report || !report.crossings) return;
      state.simulation = report;
      if (state.sel) {
        var mine = report.crossings.filter(function (c) { return c.crossingId === state.sel.id; });
        if (mine.length) { addSimulated(state.sel, mine); invalidate('crossing'); }
      }
      liveEvent('simulation', null);
    });
    socket.on('automatic-mode', function (view) {
      if (!view || !state.sel || view.crossingId !== state.sel.id) return;
      state.sel.automatic = view;
      invalidate('crossing');
    });
    socket.on('fused-forecast', function (view) {
      setFused(view);
      liveEvent('fused forecast', null);
    });
    socket.on('city-forecast', function (city) {
      setCity(city, true);
      clearError('city'); // a failed REST fetch is moot once the live view arrives
      liveEvent('city forecast', null);
    });
  }

  function pollFallback() {
    loadCity();
    loadCrossings();
    loadSimulation();
    if (state.sel) loadSelection(state.sel);
  }

  /** The simulated street's newest interval (simulate mode); null in replay mode. */
  function loadSimulation() {
    return getJSON('/api/simulation/latest', 'simulation').then(function (body) {
      if (body && body.latest) { state.simulation = body.latest; invalidate('crossing'); }
    }).catch(function () { /* banner */ });
  }

  function setConnection(stateName, text) {
    els.connection.dataset.state = stateName;
    els.connection.className = 'conn conn-' + stateName;
    els.connection.textContent = text;
  }

  /** Updated synchronously (not batched) so it changes on every single event. */
  function liveEvent(kind, crossingId) {
    state.liveEvents += 1;
    els.lastUpdate.textContent = 'last update ' + C.fmtWallClock(new Date()) + ' · ' + kind +
      (crossingId ? ' ' + crossingId : '') + ' · #' + state.liveEvents;
    els.lastUpdate.dataset.count = String(state.liveEvents);
  }

  // ------------------------------------------------------------------ helpers for views

  function freshnessOf(id) {
    var s = state.statuses.get(id);
    var f = s && s.freshness;
    return f === 'fresh' || f === 'stale' || f === 'offline' ? f : 'unknown';
  }

  /** Grey is shared by offline and unknown; CSS keys off this class. */
  function freshClass(f) {
    return f === 'fresh' || f === 'stale' ? f : 'offline';
  }

  /** The fused view of a crossing when fusion estimates it (no usable worker forecast), else null. */
  function estimateOf(id) {
    var f = state.fused.get(id);
    return f && f.source === 'estimated' ? f : null;
  }

  function sourceOf(id) {
    var f = state.fused.get(id);
    return f ? f.source : 'none';
  }

  function crossingName(id) {
    var c = state.byId.get(id);
    return c ? c.name : id;
  }

  function approachInfo(crossingId, approachId) {
    var c = state.byId.get(crossingId);
    var a = c && (c.approaches || []).filter(function (x) { return x.id === approachId; })[0];
    return a || null;
  }

  function approachLabel(crossingId, approachId) {
    var a = approachInfo(crossingId, approachId);
    return a ? a.direction + ' · ' + a.road : approachId;
  }

  function allCrossingIds() {
    var ids = new Set(state.crossings.map(function (c) { return c.id; }));
    state.statuses.forEach(function (_, id) { ids.add(id); });
    return Array.from(ids);
  }

  // ------------------------------------------------------------------ header

  function renderHeader() {
    var city = state.city;
    els.dataTime.textContent = city && city.asOfIntervalStart ? C.fmtDataTime(city.asOfIntervalStart) : 'waiting for the first forecasts…';
    var counts = { fresh: 0, stale: 0, offline: 0 };
    allCrossingIds().forEach(function (id) { counts[freshClass(freshnessOf(id))] += 1; });
    els.countFresh.textContent = counts.fresh;
    els.countStale.textContent = counts.stale;
    els.countOffline.textContent = counts.offline;
  }

  // ------------------------------------------------------------------ map

  var mapLayoutKey = null;   // rebuild the SVG only when the set of crossings changes
  var mapNodes = new Map();  // id -> { g, circle, label, flow, title }

  function renderMap() {
    var svg = els.map;
    var list = state.crossings;
    els.mapEmpty.hidden = list.length > 0;
    var key = list.map(function (c) { return c.id + '@' + c.lat + ',' + c.lon; }).join('|');
    if (key !== mapLayoutKey) { buildMap(svg, list); mapLayoutKey = key; }

    var maxFlow = 200; // floor, so a quiet night does not blow every circle up to full size
    list.forEach(function (c) {
      var s = state.statuses.get(c.id);
      if (s && s.lastObservedTotal > maxFlow) maxFlow = s.lastObservedTotal;
    });

    mapNodes.forEach(function (n, id) {
      var s = state.statuses.get(id);
      var f = freshnessOf(id);
      var flow = s ? s.lastObservedTotal : null;
      var r = flow == null ? 5 : 5 + 11 * Math.sqrt(Math.max(0, flow) / maxFlow);
      n.circle.setAttribute('r', r.toFixed(1));
      var estimated = !!estimateOf(id);
      n.circle.setAttribute('data-freshness', f);
      n.circle.setAttribute('data-source', sourceOf(id));
      n.circle.setAttribute('class', 'crossing ' + freshClass(f) + (estimated ? ' estimated' : '') + (id === state.selectedId ? ' selected' : ''));
      n.circle.setAttribute('aria-label', crossingName(id) + ', ' + f + (estimated ? ', estimated' : '') + ', ' + (flow == null ? 'no data' : flow + ' vehicles per 15 min'));
      n.est.setAttribute('visibility', estimated ? 'visible' : 'hidden');
      n.ring.setAttribute('r', (r + 4).toFixed(1));
      n.ring.setAttribute('visibility', id === state.selectedId ? 'visible' : 'hidden');
      n.label.setAttribute('x', (n.x + r + 3).toFixed(1));
      n.flow.setAttribute('x', (n.x + r + 3).toFixed(1));
      n.flow.textContent = flow == null ? '–' : String(Math.round(flow));
      n.title.textContent = crossingName(id) + ' (' + id + ') · ' + f + ' · ' + (flow == null ? 'no data' : Math.round(flow) + ' veh/15 min') +
        (estimated ? ' · estimated from neighbours and profile' : '');
      n.g.setAttribute('class', 'crossing-node' + (id === state.selectedId ? ' is-selected' : ''));
    });
    // Keep the selected crossing drawn on top.
    var selNode = mapNodes.get(state.selectedId);
    if (selNode && selNode.g.parentNode && selNode.g.parentNode.lastChild !== selNode.g) selNode.g.parentNode.appendChild(selNode.g);
  }

  function buildMap(svg, list) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    mapNodes = new Map();
    if (!list.length) return;
    var proj = C.projectCrossings(list, { width: 600, maxHeight: 540, margin: 28, extraRight: 30 });
    // A 22-unit strip below the crossings holds the scale bar and north arrow, so they never cover a crossing.
    var stripH = 22;
    svg.setAttribute('viewBox', '0 0 ' + proj.width + ' ' + (proj.height + stripH));

    // Faint "roads": crossings sharing an approach road, joined in order along the road's
    // longer axis. No tiles are available offline; this gives the operator some orientation.
    var roads = new Map();
    list.forEach(function (c) {
      var seen = new Set();
      (c.approaches || []).forEach(function (a) {
        var name = (a.road || '').trim();
        if (!name || seen.has(name.toLowerCase())) return;
        seen.add(name.toLowerCase());
        if (!roads.has(name.toLowerCase())) roads.set(name.toLowerCase(), { name: name, pts: [] });
        var p = proj.points.get(c.id);
        if (p) roads.get(name.toLowerCase()).pts.push(p);
      });
    });
    var roadLayer = C.svgEl('g', { class: 'roads' });
    roads.forEach(function (road) {
      if (road.pts.length < 2) return;
      var xs = road.pts.map(function (p) { return p.x; }), ys = road.pts.map(function (p) { return p.y; });
      var alongX = Math.max.apply(null, xs) - Math.min.apply(null, xs) >= Math.max.apply(null, ys) - Math.min.apply(null, ys);
      var pts = road.pts.slice().sort(function (a, b) { return alongX ? a.x - b.x : a.y - b.y; });
      roadLayer.appendChild(C.svgEl('polyline', { class: 'road', points: pts.map(function (p) { return p.x.toFixed(1) + ',' + p.y.toFixed(1); }).join(' ') }));
      // Name the road along its longest segment, rotated to it and kept upright.
      var best = 0, bestLen = -1;
      for (var i = 0; i + 1 < pts.length; i++) {
        var len = Math.hypot(pts[i + 1].x - pts[i].x, pts[i + 1].y - pts[i].y);
        if (len > bestLen) { bestLen = len; best = i; }
      }
      var a = pts[best], b = pts[best + 1];
      var angle = (Math.atan2(b.y - a.y, b.x - a.x) * 180) / Math.PI;
      if (angle > 90) angle -= 180;
      if (angle < -90) angle += 180;
      var mx = (a.x + b.x) / 2, my = (a.y + b.y) / 2;
      var label = C.svgEl('text', {
        class: 'road-label', x: mx.toFixed(1), y: my.toFixed(1), dy: '-4', 'text-anchor': 'middle',
        transform: 'rotate(' + angle.toFixed(1) + ' ' + mx.toFixed(1) + ' ' + my.toFixed(1) + ')',
      });
      label.textContent = road.name;
      roadLayer.appendChild(label);
    });
    svg.appendChild(roadLayer);

    // Scale bar and north arrow.
    if (proj.kmPx > 0) {
      // Largest round distance that stays under ~a quarter of the map width.
      var km = [0.25, 0.5, 1, 2, 5, 10, 20].filter(function (d) { return d * proj.kmPx <= proj.width / 4; }).pop() || 0.25;
      var len = km * proj.kmPx;
      var sb = C.svgEl('g', { class: 'scalebar', transform: 'translate(12,' + (proj.height + stripH - 6) + ')' });
      sb.appendChild(C.svgEl('path', { d: 'M0 -5 V0 H' + len.toFixed(1) + ' V-5' }));
      var st = C.svgEl('text', { x: (len / 2).toFixed(1), y: -8, 'text-anchor': 'middle' });
      st.textContent = km + ' km';
      sb.appendChild(st);
      svg.appendChild(sb);
    }
    var north = C.svgEl('g', { class: 'north', transform: 'translate(' + (proj.width - 14) + ',' + (proj.height + stripH - 10) + ')' });
    north.appendChild(C.svgEl('path', { d: 'M0 -8 L5 6 L0 3 L-5 6 Z' }));
    var nt = C.svgEl('text', { x: -9, y: 4, 'text-anchor': 'end' });
    nt.textContent = 'N';
    north.appendChild(nt);
    svg.appendChild(north);

    var layer = C.svgEl('g', { class: 'crossings' });
    list.forEach(function (c) {
      var p = proj.points.get(c.id);
      if (!p) return;
      var g = C.svgEl('g', { class: 'crossing-node', 'data-for': c.id });
      var ring = C.svgEl('circle', { class: 'sel-ring', cx: p.x.toFixed(1), cy: p.y.toFixed(1), r: 10 });
      var circle = C.svgEl('circle', {
        class: 'crossing', 'data-crossing-id': c.id, 'data-freshness': 'unknown',
        cx: p.x.toFixed(1), cy: p.y.toFixed(1), r: 5, tabindex: 0, role: 'button',
      });
      var title = C.svgEl('title');
      circle.appendChild(title);
      var label = C.svgEl('text', { class: 'crossing-label', x: (p.x + 8).toFixed(1), y: (p.y - 1).toFixed(1) });
      label.textContent = c.id;
      var flow = C.svgEl('text', { class: 'crossing-flow', x: (p.x + 8).toFixed(1), y: (p.y + 9).toFixed(1) });
      var est = C.svgEl('text', { class: 'crossing-est', x: p.x.toFixed(1), y: (p.y + 3).toFixed(1), 'text-anchor': 'middle', visibility: 'hidden', 'aria-hidden': 'true' });
      est.textContent = 'E';
      g.appendChild(ring); g.appendChild(circle); g.appendChild(est); g.appendChild(label); g.appendChild(flow);
      layer.appendChild(g);
      mapNodes.set(c.id, { g: g, ring: ring, circle: circle, est: est, label: label, flow: flow, title: title, x: p.x, y: p.y });
    });
    svg.appendChild(layer);
  }

  function mapNodeId(target) {
    var g = target && target.closest ? target.closest('[data-for]') : null;
    return g ? g.getAttribute('data-for') : null;
  }

  function describeHover(id) {
    if (!id) { els.mapHover.innerHTML = 'Hover a crossing for details · click to select'; return; }
    var s = state.statuses.get(id);
    var f = freshnessOf(id);
    els.mapHover.innerHTML =
      '<span class="dot ' + freshClass(f) + '"></span><strong>' + esc(id) + '</strong> ' + esc(crossingName(id)) +
      ' <span class="muted">· ' + esc(f) + (estimateOf(id) ? ' · estimated from neighbours and profile' : '') + ' · ' +
      esc(s && s.lastObservedTotal != null ? C.fmtInt(s.lastObservedTotal) + ' veh / 15 min' : 'no observation') +
      ' · forecast ' + esc(s && s.lastForecastIntervalStart ? C.fmtDataTimeShort(s.lastForecastIntervalStart) : '—') + '</span>';
  }

  // ------------------------------------------------------------------ city panel

  function renderCity() {
    var city = state.city;
    var horizons = city && Array.isArray(city.horizons) ? city.horizons.slice().sort(function (a, b) { return a.stepsAhead - b.stepsAhead; }).slice(0, 4) : [];
    var estimatedCount = city && city.crossingsEstimated != null ? city.crossingsEstimated : 0;

    if (!city || !city.asOfIntervalStart || !horizons.length) {
      els.cityBody.innerHTML = '<div class="empty">waiting for the first forecasts…</div>';
      els.cityIncluded.textContent = city ? city.crossingsFresh + ' of ' + city.crossingsTotal + ' crossings fresh' : '';
    } else {
      var maxHi = Math.max.apply(null, horizons.map(function (h) { return h.upper80; })) || 1;
      els.cityIncluded.innerHTML = esc(city.crossingsFresh + ' of ' + city.crossingsTotal + ' crossings fresh') +
        ' · <span id="city-estimated" data-testid="city-estimated" class="' + (estimatedCount ? 'est' : '') + '">' + esc(estimatedCount) + ' estimated</span>' +
        ' · as of ' + esc(C.fmtClock(city.asOfIntervalStart));
      var rows = horizons.map(function (h) {
        var lo = (h.lower80 / maxHi) * 100, hi = (h.upper80 / maxHi) * 100, mid = (h.total / maxHi) * 100;
        var est = h.crossingsEstimated || 0;
        return '<tr>' +
          '<td class="h">+' + esc(h.horizonMinutes) + ' min</td>' +
          '<td class="muted">' + esc(C.fmtClock(h.intervalStart)) + '</td>' +
          '<td class="num big">' + esc(C.fmtInt(h.total)) + '</td>' +
          '<td class="num muted" title="95% ' + esc(C.fmtInt(h.lower95)) + '–' + esc(C.fmtInt(h.upper95)) + '">' + esc(C.fmtInt(h.lower80)) + '–' + esc(C.fmtInt(h.upper80)) + '</td>' +
          '<td class="bandcell"><div class="bandbar"><span class="band" style="left:' + lo.toFixed(1) + '%;width:' + Math.max(0.5, hi - lo).toFixed(1) + '%"></span>' +
          '<span class="mean" style="left:' + mid.toFixed(1) + '%"></span></div></td>' +
          '<td class="num">' + esc(h.crossingsIncluded) + '/' + esc(city.crossingsTotal) + '</td>' +
          '<td class="num' + (est ? ' est' : '') + '">' + esc(est) + '</td>' +
          '</tr>';
      }).join('');
      var corridors = (city.corridors || []).map(function (c) {
        var h = c.horizons && c.horizons[0];
        if (!h) return '';
        return '<tr><td>' + esc(c.road) + '</td><td class="num">' + esc(h.crossingsIncluded) + '/' + esc(c.crossings.length) + '</td>' +
          '<td class="num' + (h.crossingsEstimated ? ' est' : '') + '">' + esc(h.crossingsEstimated) + '</td>' +
          '<td class="num strong">' + esc(C.fmtInt(h.total)) + '</td><td class="num muted">' + esc(C.fmtInt(h.lower80)) + '–' + esc(C.fmtInt(h.upper80)) + '</td></tr>';
      }).join('');
      els.cityBody.innerHTML =
        '<table class="city-table" data-testid="city-table"><thead><tr><th>Horizon</th><th>Interval</th><th class="num">Vehicles</th><th class="num">80% band</th><th></th>' +
        '<th class="num" title="crossings in the total">Incl.</th><th class="num" title="of those, estimated from profile and neighbours">Est.</th></tr></thead>' +
        '<tbody>' + rows + '</tbody></table>' +
        '<p class="note muted">City fusion, vehicles per ' + esc(city.intervalMinutes) + ' min: each crossing’s worker forecast fused with the city’s profile and its neighbours; ' +
        'crossings whose worker is stale, offline or degraded are estimated from their historical profile and their neighbours (wider bands). ' +
        'Bands are computed on the total’s own errors' + (city.crossingsWithoutData && city.crossingsWithoutData.length ? '; ' + esc(city.crossingsWithoutData.length) + ' crossings without any data are left out' : '') + '.</p>' +
        (corridors ? '<details class="corridors"><summary>Corridors, next interval (' + esc(city.corridors.length) + ' roads)</summary>' +
          '<table class="city-table"><thead><tr><th>Road</th><th class="num">Incl.</th><th class="num">Est.</th><th class="num">Vehicles</th><th class="num">80% band</th></tr></thead><tbody>' + corridors + '</tbody></table></details>' : '');
    }
    renderStaleAlert();

    // Stale list: from the city view (authoritative for the total), topped up by live statuses.
    var stale = new Map();
    (city && city.stale || []).forEach(function (s) { stale.set(s.crossingId, s); });
    state.statuses.forEach(function (s, id) {
      if (s.freshness !== 'fresh' && !stale.has(id)) stale.set(id, { crossingId: id, freshness: s.freshness, lastForecastIntervalStart: s.lastForecastIntervalStart });
      if (s.freshness === 'fresh') stale.delete(id);
    });
    var items = Array.from(stale.values()).sort(function (a, b) { return a.crossingId < b.crossingId ? -1 : 1; });
    els.cityStale.innerHTML = items.length ? items.map(function (s) {
      var f = freshClass(s.freshness);
      return '<button type="button" class="chip ' + f + '" data-select="' + esc(s.crossingId) + '" title="' + esc(crossingName(s.crossingId)) + '">' +
        '<span class="dot"></span><strong>' + esc(s.crossingId) + '</strong> ' + esc(crossingName(s.crossingId)) +
        ' <span class="muted">' + esc(s.freshness) + ' · last ' + esc(s.lastForecastIntervalStart ? C.fmtClock(s.lastForecastIntervalStart) : 'never') + '</span></button>';
    }).join('') : '<span class="muted">none — all crossings fresh</span>';
  }

  /**
   * The alert under the header: crossings whose worker has stopped (stale) or gone silent
   * (offline), which fusion now estimates. Crossings that never reported are not alerted.
   */
  function renderStaleAlert() {
    var down = allCrossingIds().filter(function (id) { var f = freshnessOf(id); return f === 'stale' || f === 'offline'; }).sort();
    if (!down.length) { els.staleAlert.hidden = true; els.staleAlert.textContent = ''; return; }
    var stale = down.filter(function (id) { return freshnessOf(id) === 'stale'; }).length;
    var what = stale === down.length ? 'stale' : stale === 0 ? 'offline' : 'stale or offline';
    var withEstimate = down.filter(function (id) { return estimateOf(id); }).length;
    var shown = down.slice(0, 8).map(function (id) {
      return '<button type="button" class="chip ' + freshClass(freshnessOf(id)) + '" data-select="' + esc(id) + '" data-alert-crossing="' + esc(id) + '">' + esc(id) + '</button>';
    }).join(' ');
    els.staleAlert.hidden = false;
    els.staleAlert.innerHTML = '<strong>' + esc(down.length) + ' crossing' + (down.length === 1 ? '' : 's') + ' ' + esc(what) + ':</strong> ' + shown +
      (down.length > 8 ? ' … ' : ' ') + '— ' +
      (withEstimate === down.length ? 'estimates shown' : withEstimate ? 'estimates shown for ' + withEstimate + ' of them' : 'no estimate yet') +
      ' (from their historical profile and their neighbours).';
  }

  // ------------------------------------------------------------------ crossing panel

  var chartReadout = null;

  var SOURCE_TEXT = {
    own: 'the worker\'s own forecast (fusion has no track record for it yet)',
    fused: 'the worker\'s forecast fused with the city\'s profile and its neighbours',
    estimated: 'estimated from the crossing\'s historical profile and its neighbours: no usable worker forecast',
  };

  /** "estimated (worker stale)" with the estimate and its band, when the selected crossing is estimated. */
  function renderEstimateNote(fusedView) {
    var box = els.selEstimate;
    if (!fusedView || fusedView.source !== 'estimated') { box.hidden = true; box.textContent = ''; return; }
    var why = fusedView.freshness === 'fresh' ? (fusedView.workerStatus === 'degraded' ? 'worker degraded' : 'worker forecast not usable') : 'worker ' + fusedView.freshness;
    var rows = fusedView.horizons.map(function (h) {
      return '<span class="est-h">+' + esc(h.horizonMinutes) + ' min <strong>' + esc(C.fmtInt(h.total.mean)) + '</strong> <span class="muted">(80% ' +
        esc(C.fmtInt(h.total.lower80)) + '–' + esc(C.fmtInt(h.total.upper80)) + ')</span></span>';
    }).join(' · ');
    box.hidden = false;
    box.innerHTML = '<strong data-testid="estimate-label">estimated (' + esc(why) + ')</strong>: ' + rows +
      '<div class="muted small">' + esc(fusedView.reason || SOURCE_TEXT.estimated) + '. The chart shows the estimate; the worker\'s last own forecast is in the table below.</div>';
  }

  function renderCrossing() {
    var sel = state.sel;
    var id = state.selectedId;
    if (!sel || !id) {
      els.selId.textContent = '—';
      els.selName.textContent = state.crossings.length ? 'No crossing selected' : 'waiting for the first forecasts…';
      return;
    }
    var status = state.statuses.get(id) || null;
    var f = freshnessOf(id);
    var fc = sel.latestForecast;

    els.selId.textContent = id;
    els.selName.textContent = crossingName(id);
    els.selFreshness.textContent = f;
    els.selFreshness.className = 'pill pill-' + freshClass(f);
    els.selWorker.textContent = status && status.workerStatus ? 'worker ' + status.workerStatus : 'worker —';

    var model = (status && status.model) || (fc && fc.model) || null;
    els.selModel.innerHTML = model
      ? 'model <strong>' + esc(model.name) + '</strong> v' + esc(model.version) + ' · backend ' + esc(model.backend) +
        ' · trained on ' + esc(C.fmtInt(model.trainedOnIntervals)) + ' intervals' +
        (status && status.drift
          ? ' · <span id="sel-drift" class="' + (status.drift.ratio > 1.5 ? 'drift-high' : 'drift-ok') + '" title="recent 1-step error of the crossing total against the model\'s validation error">drift ×' +
            esc(status.drift.ratio.toFixed(2)) + '</span>'
          : '')
      : 'model: none yet';

    // Latest observed: the newest observation we hold, else the status' figure.
    var obsTimes = Array.from(sel.observations.keys()).sort(function (a, b) { return a - b; });
    var lastObs = obsTimes.length ? sel.observations.get(obsTimes[obsTimes.length - 1]) : null;
    var observedValue = lastObs ? lastObs.total : status ? status.lastObservedTotal : null;
    els.selectedObserved.textContent = observedValue == null ? '—' : C.fmtInt(observedValue);
    els.selObservedTime.textContent = lastObs
      ? 'interval ' + C.fmtClock(lastObs.intervalStart) + (lastObs.filledShare > 0 ? ' · ' + C.fmtPct(lastObs.filledShare) + ' filled' : '')
      : sel.loading ? 'loading…' : observedValue != null ? 'from crossing status' : 'no observations yet';

    var h1 = fc ? fc.horizons.slice().sort(function (a, b) { return a.stepsAhead - b.stepsAhead; })[0] : null;
    els.selectedForecastTime.textContent = fc ? C.fmtDataTimeShort(fc.basedOnIntervalStart) : 'waiting for the first forecasts…';
    els.selForecastQuality.textContent = fc
      ? 'real inputs ' + C.fmtPct(fc.realInputShare) + (fc.qualityFlags && fc.qualityFlags.length ? ' · ' + fc.qualityFlags.join(', ') : '')
      : '';
    // Next interval: the city fusion's value when it has one (own, fused or estimated), else the worker's forecast.
    var fusedView = state.fused.get(id) || null;
    var f1 = fusedView && fusedView.horizons && fusedView.horizons[0];
    var next = f1 ? { t: f1.intervalStart, band: f1.total, source: f1.source } : h1 ? { t: h1.intervalStart, band: h1.total, source: 'own' } : null;
    els.selNextMean.textContent = next ? C.fmtInt(next.band.mean) : '—';
    els.selNextBand.textContent = next ? C.fmtClock(next.t) + ' · 80% ' + C.fmtInt(next.band.lower80) + '–' + C.fmtInt(next.band.upper80) : '';
    els.selForecastSource.textContent = next ? next.source : '';
    els.selForecastSource.className = 'source-tag' + (next && next.source === 'estimated' ? ' estimated' : '');
    els.selForecastSource.title = next ? SOURCE_TEXT[next.source] || '' : '';
    renderEstimateNote(fusedView);

    var rec = sel.recommendation;
    els.selCycle.textContent = rec ? C.fmtInt(rec.cycleSeconds) : '—';
    els.selCycleNote.textContent = rec ? (rec.oversaturated ? 'OVERSATURATED · ' : '') + rec.phases.length + ' phases · ' + rec.method : '';
    els.selCycleNote.classList.toggle('warn', !!(rec && rec.oversaturated));

    renderCrossingChart(sel, obsTimes);
    renderRecommendation(id, rec, sel);
    renderExplanation(rec, sel);
    renderAutomatic(sel);
    renderDecision(rec, sel);
    renderApproaches(id, fc, lastObs);
    renderSimulated(sel);
  }

  // ------------------------------------------------------------------ operator decisions

  function describePlan(plan) {
    return plan ? C.fmtInt(plan.cycleSeconds) + ' s (' + plan.phases.map(function (p) { return p.name + ' ' + C.fmtFixed(p.greenSeconds, 0); }).join(' / ') + ')' : 'none';
  }

  function describeDecision(d) {
    var when = C.fmtWallClock(new Date(d.decidedAt));
    if (d.decision === 'accepted') {
      return 'Accepted #' + d.recommendationId + ' by ' + d.decidedBy + ' at ' + when + ': cycle ' + describePlan(d.plan) +
        (d.publishedAt ? ', sent for the next cycle boundary.' : ', not sent yet (retrying).');
    }
    return 'Rejected #' + d.recommendationId + ' by ' + d.decidedBy + ' at ' + when + (d.reason ? ': ' + d.reason : '.');
  }

  /** Static controls (not rebuilt on each render, so a half-typed reason survives live updates). */
  function renderDecision(rec, sel) {
    if (!isOperator()) { els.decisionBox.hidden = true; return; }
    els.decisionBox.hidden = false;
    var decided = rec ? sel.decisions.get(rec.id) : null;
    var notPending = rec && rec.status && rec.status !== 'pending';
    els.decisionTarget.textContent = rec
      ? 'Recommendation #' + rec.id + ' · based on ' + C.fmtDataTimeShort(rec.basedOnIntervalStart) + ' · cycle ' + C.fmtInt(rec.cycleSeconds) + ' s' +
        (decided ? ' · already ' + decided.decision : notPending ? ' · ' + rec.status : '')
      : 'no recommendation to decide yet';
    els.acceptRec.dataset.recId = els.rejectRec.dataset.recId = rec ? rec.id : '';
    els.acceptRec.disabled = els.rejectRec.disabled = !rec || !!decided || !!notPending || sel.deciding;
    els.decisionResult.className = 'decision-result' + (sel.lastResult ? ' ' + sel.lastResult.kind : '');
    els.decisionResult.textContent = sel.lastResult ? sel.lastResult.text : '';
    els.auditList.innerHTML = sel.audit.length ? sel.audit.map(function (d) {
      return '<li class="' + esc(d.decision) + '" data-recommendation-id="' + esc(d.recommendationId) + '">' +
        esc(C.fmtWallClock(new Date(d.decidedAt))) + ' · <strong>' + esc(d.decidedBy) + '</strong> ' + esc(d.decision) + ' #' + esc(d.recommendationId) +
        ' · ' + esc(describePlan(d.plan)) + ' · before: ' + esc(describePlan(d.previousPlan)) + (d.reason ? ' · “' + esc(d.reason) + '”' : '') + '</li>';
    }).join('') : '<li class="muted">no decisions yet</li>';
  }

  function decide(kind) {
    var sel = state.sel;
    var id = els.acceptRec.dataset.recId;
    if (!sel || !id || sel.deciding) return;
    var reason = els.decisionReason.value.trim();
    sel.deciding = true;
    invalidate('crossing');
    fetch('/api/recommendations/' + encodeURIComponent(id) + '/' + kind, {
      method: 'POST',
      headers: authHeaders({ 'content-type': 'application/json' }),
      body: JSON.stringify(reason ? { reason: reason } : {}),
    }).then(function (res) {
      if (res.status === 401) { signOut('Your session ended: sign in again.'); throw new Error('signed out'); }
      return res.json().catch(function () { return {}; }).then(function (body) { return { status: res.status, body: body }; });
    }).then(function (r) {
      sel.deciding = false;
      if (r.status === 200) {
        addDecision(sel, r.body);
        sel.lastResult = { kind: r.body.decision, text: describeDecision(r.body) };
        els.decisionReason.value = '';
      } else {
        if (r.status === 409 && r.body.decision) addDecision(sel, r.body.decision);
        var message = Array.isArray(r.body.message) ? r.body.message.join('; ') : r.body.message;
        sel.lastResult = { kind: 'error', text: 'Not recorded (HTTP ' + r.status + '): ' + (message || 'unknown error') };
      }
      invalidate('crossing');
    }, function (err) {
      sel.deciding = false;
      sel.lastResult = { kind: 'error', text: 'Not recorded: ' + err.message };
      invalidate('crossing');
    });
  }

  var BASIS_TEXT = { centre: 'the centre forecast', upper: 'the upper 80% bound' };
  var COMPARED_TEXT = { 'running-plan': 'the running plan', 'observed-webster': 'the base plan (Webster on the last hour observed)', 'default': 'the default plan (60 s, equal greens)' };

  /** Why: the reason, expected delay running → recommended (gain), basis, congestion, status, automatic mode's verdict. */
  function renderExplanation(rec, sel) {
    var ev = sel.lastEvaluation;
    if (!rec || !rec.reason) {
      // No (forecast-driven) recommendation: say what the last evaluation found.
      els.recExplain.innerHTML = ev && ev.outcome === 'not-needed'
        ? '<div class="muted">No change needed for the period from ' + esc(C.fmtClock(ev.planningPeriodStart)) + ': expected gain ' + esc(C.fmtFixed(ev.gainSeconds, 1)) + ' s/veh' +
          (sel.hysteresis ? ' (needs ' + esc(C.fmtFixed(sel.hysteresis.minGainSeconds, 1)) + ' s and ' + esc(C.fmtPct(sel.hysteresis.minGainShare)) + ')' : '') + '.</div>' +
          '<div class="muted small">' + esc(ev.reason) + '</div>'
        : '';
      return;
    }
    var tags = '<span class="tag ' + esc(rec.status) + '" data-testid="recommendation-status">' + esc(rec.status) + '</span>' +
      (rec.congested ? '<span class="tag congested" data-testid="recommendation-congested">congested</span>' : '');
    var delay = rec.expectedDelayRunningSeconds == null ? '' :
      '<div class="delay" data-testid="recommendation-delay">Expected delay <strong>' + esc(C.fmtFixed(rec.expectedDelayRunningSeconds, 1)) + ' s → ' + esc(C.fmtFixed(rec.expectedDelayRecommendedSeconds, 1)) +
      ' s</strong> per vehicle (gain ' + esc(C.fmtFixed(rec.gainSeconds, 1)) + ' s, ' + esc(C.fmtPct(rec.gainShare)) + ') against ' + esc(COMPARED_TEXT[rec.comparedWith && rec.comparedWith.source] || 'the running plan') + '</div>';
    var basis = rec.basis ? '<div class="muted small" data-testid="recommendation-basis">Planned for ' + esc(BASIS_TEXT[rec.basis] || rec.basis) + ' · period from ' + esc(C.fmtClock(rec.planningPeriodStart)) +
      (rec.validUntil ? ' until ' + esc(C.fmtClock(rec.validUntil)) : '') + '</div>' : '';
    var auto = rec.automatic ? '<div class="auto-note ' + esc(rec.automatic.action) + '" data-testid="recommendation-automatic">' + esc(rec.automatic.note) + '</div>' : '';
    els.recExplain.innerHTML = '<div>' + tags + '<span class="reason" data-testid="recommendation-reason">' + esc(rec.reason) + '</span></div>' + delay + basis + auto;
  }

  function renderAutomatic(sel) {
    var on = !!(sel.automatic && sel.automatic.enabled);
    els.automaticBadge.hidden = !on;
    // Admins switch it both ways; operators can only switch it off (the safe direction).
    var canToggle = isAdmin() || (on && isOperator());
    els.automaticToggle.hidden = !canToggle || !sel.automatic;
    els.automaticToggle.textContent = on ? 'Turn automatic off' : 'Turn automatic on';
    els.automaticToggle.disabled = sel.togglingAutomatic;
  }

  function toggleAutomatic() {
    var sel = state.sel;
    if (!sel || !sel.automatic || sel.togglingAutomatic) return;
    sel.togglingAutomatic = true;
    invalidate('crossing');
    fetch('/api/crossings/' + encodeURIComponent(sel.id) + '/automatic', {
      method: 'PUT',
      headers: authHeaders({ 'content-type': 'application/json' }),
      body: JSON.stringify({ enabled: !sel.automatic.enabled }),
    }).then(function (res) {
      if (res.status === 401) { signOut('Your session ended: sign in again.'); throw new Error('signed out'); }
      return res.json().then(function (body) { return { status: res.status, body: body }; });
    }).then(function (r) {
      sel.togglingAutomatic = false;
      if (r.status === 200) sel.automatic = r.body;
      else sel.lastResult = { kind: 'error', text: 'Automatic mode not changed (HTTP ' + r.status + '): ' + (r.body && r.body.message) };
      invalidate('crossing');
    }, function (err) {
      sel.togglingAutomatic = false;
      sel.lastResult = { kind: 'error', text: 'Automatic mode not changed: ' + err.message };
      invalidate('crossing');
    });
  }

  function renderCrossingChart(sel, obsTimes) {
    var fc = sel.latestForecast;
    var observed = obsTimes.map(function (t) { var o = sel.observations.get(t); return { t: t, v: o.total }; });
    var oneStep = Array.from(sel.oneStep.entries()).sort(function (a, b) { return a[0] - b[0]; })
      .map(function (e) { return { t: e[0], v: e[1] }; });
    var forecast = null, nowT = null;
    var est = estimateOf(sel.id);
    if (est) {
      // No usable worker forecast: draw fusion's estimate (and its wider band) from the city's now.
      var asOf = ms(est.asOfIntervalStart);
      var asOfObs = sel.observations.get(asOf);
      nowT = asOf + (state.city && state.city.intervalMinutes || 15) * MINUTE;
      forecast = {
        baseT: asOf,
        baseV: asOfObs && asOfObs.total != null ? asOfObs.total : null,
        points: est.horizons.map(function (h) {
          return { t: ms(h.intervalStart), mean: h.total.mean, lo80: h.total.lower80, hi80: h.total.upper80, lo95: h.total.lower95, hi95: h.total.upper95 };
        }),
      };
    } else if (fc) {
      var base = ms(fc.basedOnIntervalStart);
      var baseObs = sel.observations.get(base);
      nowT = base + (fc.intervalMinutes || 15) * MINUTE;
      forecast = {
        baseT: base,
        baseV: baseObs && baseObs.total != null ? baseObs.total : null,
        points: fc.horizons.slice().sort(function (a, b) { return a.stepsAhead - b.stepsAhead; }).map(function (h) {
          return { t: ms(h.intervalStart), mean: h.total.mean, lo80: h.total.lower80, hi80: h.total.upper80, lo95: h.total.lower95, hi95: h.total.upper95 };
        }),
      };
    } else if (obsTimes.length) {
      nowT = obsTimes[obsTimes.length - 1] + 15 * MINUTE;
    }
    var hasData = observed.length || oneStep.length || forecast;
    els.chartEmpty.hidden = !!hasData;
    els.chartEmpty.textContent = sel.loading ? 'loading…' : 'waiting for the first forecasts…';
    chartReadout = C.renderChart(els.chart, { observed: observed, oneStep: oneStep, forecast: forecast, nowT: nowT, windowMs: state.chartHours * HOUR });
    els.chartReadoutBox.hidden = true;
  }

  function renderRecommendation(crossingId, rec, sel) {
    if (!rec) {
      els.recBody.innerHTML = '<div class="empty">' + (sel.loading ? 'loading…' : 'no recommendation yet') + '</div>';
      return;
    }
    var cycle = rec.cycleSeconds || 1;
    var palette = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5'];
    var segs = rec.phases.map(function (p, i) {
      return '<span class="seg ' + palette[i % palette.length] + '" style="flex:' + Math.max(0, p.greenSeconds).toFixed(2) + '" title="' + esc(p.name + ': ' + C.fmtFixed(p.greenSeconds, 0) + ' s green') + '">' + esc(p.name) + '</span>';
    });
    if (rec.lostTimeSeconds > 0) segs.push('<span class="seg lost" style="flex:' + rec.lostTimeSeconds.toFixed(2) + '" title="lost time ' + esc(C.fmtFixed(rec.lostTimeSeconds, 0)) + ' s"></span>');

    var rows = rec.phases.map(function (p, i) {
      // Direction chips (location on hover) followed by the distinct road names: compact and readable.
      var roadsSeen = [];
      var appr = (p.approaches || []).map(function (a) {
        var info = approachInfo(crossingId, a);
        if (info && roadsSeen.indexOf(info.road) < 0) roadsSeen.push(info.road);
        return '<span class="appr" title="' + esc(info ? info.location + ' (' + a + ')' : a) + '">' + esc(info ? info.direction : a) + '</span>';
      }).join('') + (roadsSeen.length ? ' <span class="muted small">' + esc(roadsSeen.join(', ')) + '</span>' : '');
      return '<tr><td><span class="swatch ' + palette[i % palette.length] + '"></span>' + esc(p.name) + '</td>' +
        '<td>' + appr + '</td>' +
        '<td class="num">' + esc(C.fmtInt(p.flowVehPerHour)) + '</td>' +
        '<td class="num">' + esc(C.fmtFixed(p.flowRatio, 2)) + '</td>' +
        '<td class="num strong">' + esc(C.fmtFixed(p.greenSeconds, 0)) + '</td></tr>';
    }).join('');

    var history = sel.recHistory.slice(1, 7).map(function (r) {
      return '<span>' + esc(C.fmtClock(r.basedOnIntervalStart)) + ' <strong>' + esc(C.fmtInt(r.cycleSeconds)) + ' s</strong></span>';
    }).join('');

    els.recBody.innerHTML =
      '<div class="rec-summary">' +
        '<div><span class="label">Cycle</span><span id="rec-cycle" class="rec-big">' + esc(C.fmtInt(rec.cycleSeconds)) + '</span> s</div>' +
        '<div><span class="label">Lost time</span>' + esc(C.fmtInt(rec.lostTimeSeconds)) + ' s</div>' +
        '<div><span class="label">Σ flow ratio</span>' + esc(C.fmtFixed(rec.flowRatioSum, 2)) + '</div>' +
        '<div><span class="label">Method</span><span id="rec-method">' + esc(rec.method) + '</span></div>' +
        '<div id="rec-saturation" class="sat ' + (rec.oversaturated ? 'over' : 'ok') + '">' + (rec.oversaturated ? 'OVERSATURATED' : 'under capacity') + '</div>' +
      '</div>' +
      '<div class="cycle-bar" aria-label="Cycle split">' + segs.join('') + '</div>' +
      '<table class="rec-table"><thead><tr><th>Phase</th><th>Approaches</th><th class="num">Flow veh/h</th><th class="num">y</th><th class="num">Green s</th></tr></thead><tbody>' + rows + '</tbody></table>' +
      '<p class="note muted">Based on ' + esc(C.fmtDataTimeShort(rec.basedOnIntervalStart)) + (history ? ' · earlier: ' : '') + '</p>' +
      (history ? '<div class="rec-history">' + history + '</div>' : '');
  }

  /** Merges measured intervals (any order) into sel.simSeries, newest first, one per interval. */
  function addSimulated(sel, list) {
    var byStart = new Map(sel.simSeries.map(function (m) { return [m.intervalStart, m]; }));
    (list || []).forEach(function (m) { byStart.set(new Date(m.intervalStart).toISOString(), Object.assign({}, m, { intervalStart: new Date(m.intervalStart).toISOString() })); });
    sel.simSeries = Array.from(byStart.values()).sort(function (a, b) { return ms(b.intervalStart) - ms(a.intervalStart); }).slice(0, SIM_SERIES);
  }

  /**
   * What the simulated street measured at the selected crossing (simulate mode only):
   * the newest interval's delay, stops, queues and throughput, and the recent intervals
   * with the plan that ran, so an accepted plan's effect on delay is visible.
   */
  function renderSimulated(sel) {
    var panel = $('sim-panel');
    if (!state.simulation && !sel.simSeries.length) { panel.hidden = true; return; }
    panel.hidden = false;
    $('sim-network').textContent = state.simulation ? '· ' + state.simulation.network : '';
    var body = $('sim-body');
    if (!sel.simSeries.length) { body.innerHTML = '<div class="empty">no simulated measurements for this crossing yet</div>'; return; }
    var now = sel.simSeries[0];
    var city = state.simulation && state.simulation.city;
    var rows = sel.simSeries.map(function (m, i) {
      var older = sel.simSeries[i + 1];
      var changed = older && older.planId !== m.planId;
      return '<tr' + (changed ? ' class="plan-change"' : '') + '><td>' + esc(C.fmtClock(m.intervalStart)) + '</td>' +
        '<td class="num strong">' + esc(m.meanDelaySeconds.toFixed(1)) + '</td>' +
        '<td class="num">' + esc(m.stopsPerVehicle.toFixed(2)) + '</td>' +
        '<td class="num">' + esc(m.meanQueue.toFixed(1)) + '</td>' +
        '<td class="num">' + esc(C.fmtInt(m.throughput)) + '</td>' +
        '<td>' + esc(m.planId) + (changed ? ' <span class="pill pill-muted">new plan</span>' : '') + '</td></tr>';
    }).join('');
    body.innerHTML =
      '<div class="sim-now" data-testid="sim-delay">delay <strong id="sim-delay-value">' + esc(now.meanDelaySeconds.toFixed(1)) + '</strong> s/veh · ' +
      esc(now.stopsPerVehicle.toFixed(2)) + ' stops/veh · queue ' + esc(now.meanQueue.toFixed(1)) + ' (max ' + esc(C.fmtInt(now.maxQueue)) + ') veh · ' +
      esc(C.fmtInt(now.throughput)) + ' veh · plan <strong id="sim-plan">' + esc(now.planId) + '</strong></div>' +
      (city ? '<div class="muted small">city: ' + esc(city.meanDelaySeconds.toFixed(1)) + ' s/veh, ' + esc(C.fmtInt(city.throughput)) + ' veh per interval</div>' : '') +
      '<table class="appr-table"><thead><tr><th>Interval</th><th class="num">Delay s/veh</th><th class="num">Stops/veh</th><th class="num">Queue</th><th class="num">Veh</th><th>Plan</th></tr></thead><tbody>' + rows + '</tbody></table>';
  }

  function renderApproaches(crossingId, fc, lastObs) {
    var c = state.byId.get(crossingId);
    var horizons = fc ? fc.horizons.slice().sort(function (a, b) { return a.stepsAhead - b.stepsAhead; }) : [];
    var h1 = horizons[0];
    var hLast = horizons[horizons.length - 1];
    // Approach list: the crossing's definition, plus any approach only present in the forecast.
    var ids = (c && c.approaches || []).map(function (a) { return a.id; });
    if (h1) Object.keys(h1.approaches || {}).forEach(function (a) { if (ids.indexOf(a) < 0) ids.push(a); });
    if (!ids.length) { els.approachBody.innerHTML = '<div class="empty">no approaches</div>'; return; }
    var rows = ids.map(function (a) {
      var info = approachInfo(crossingId, a);
      var b = h1 && h1.approaches ? h1.approaches[a] : null;
      var bl = hLast && hLast.approaches ? hLast.approaches[a] : null;
      var obs = lastObs && lastObs.approaches ? lastObs.approaches[a] : undefined;
      return '<tr>' +
        '<td class="appr-name" title="' + esc(info ? info.location + ' (' + a + ')' : a) + '"><span class="dir">' + esc(info ? info.direction : '?') + '</span>' + esc(info ? info.road : a) + '</td>' +
        '<td class="num">' + esc(obs == null ? '—' : C.fmtInt(obs)) + '</td>' +
        '<td class="num strong">' + esc(b ? C.fmtInt(b.mean) : '—') + '</td>' +
        '<td class="num muted">' + (b ? esc(C.fmtInt(b.lower80)) + '–' + esc(C.fmtInt(b.upper80)) : '—') + '</td>' +
        '<td class="num">' + esc(bl && hLast !== h1 ? C.fmtInt(bl.mean) : '—') + '</td>' +
        '</tr>';
    }).join('');
    var total = h1 ? '<tr class="total"><td>Total</td><td class="num">' + esc(lastObs && lastObs.total != null ? C.fmtInt(lastObs.total) : '—') + '</td>' +
      '<td class="num strong">' + esc(C.fmtInt(h1.total.mean)) + '</td><td class="num muted">' + esc(C.fmtInt(h1.total.lower80)) + '–' + esc(C.fmtInt(h1.total.upper80)) + '</td>' +
      '<td class="num">' + esc(hLast && hLast !== h1 ? C.fmtInt(hLast.total.mean) : '—') + '</td></tr>' : '';
    els.approachBody.innerHTML =
      '<table class="appr-table"><thead><tr><th>Approach</th><th class="num" title="latest observed interval">Obs.</th><th class="num" title="forecast for the next interval">' + esc(h1 ? '+' + h1.horizonMinutes + ' min' : 'Next') + '</th><th class="num">80% band</th><th class="num" title="forecast for the last horizon">' + esc(hLast ? '+' + hLast.horizonMinutes + ' min' : 'Later') + '</th></tr></thead>' +
      '<tbody>' + rows + total + '</tbody></table>' +
      (h1 ? '' : '<div class="empty">waiting for the first forecasts…</div>');
  }

  // ------------------------------------------------------------------ wiring

  function bind() {
    els = {
      banner: $('banner'), connection: $('connection'), lastUpdate: $('last-update'), dataTime: $('data-time'),
      countFresh: $('count-fresh'), countStale: $('count-stale'), countOffline: $('count-offline'),
      map: $('map'), mapEmpty: $('map-empty'), mapHover: $('map-hover'),
      cityBody: $('city-body'), cityIncluded: $('city-included'), cityStale: $('city-stale'),
      selId: $('sel-id'), selName: $('sel-name'), selFreshness: $('sel-freshness'), selWorker: $('sel-worker'), selModel: $('sel-model'),
      selectedObserved: $('selected-observed'), selObservedTime: $('sel-observed-time'),
      selectedForecastTime: $('selected-forecast-time'), selForecastQuality: $('sel-forecast-quality'),
      selNextMean: $('sel-next-mean'), selNextBand: $('sel-next-band'), selForecastSource: $('sel-forecast-source'), selEstimate: $('sel-estimate'), staleAlert: $('stale-alert'), selCycle: $('sel-cycle'), selCycleNote: $('sel-cycle-note'),
      chart: $('chart'), chartEmpty: $('chart-empty'), chartReadoutBox: $('chart-readout'),
      recBody: $('rec-body'), approachBody: $('approach-body'),
      recExplain: $('rec-explain'), automaticBadge: $('automatic-badge'), automaticToggle: $('automatic-toggle'),
      login: $('login'), loginForm: $('login-form'), loginUsername: $('login-username'), loginPassword: $('login-password'),
      loginSubmit: $('login-submit'), loginError: $('login-error'),
      userBox: $('user-box'), userName: $('user-name'), userRole: $('user-role'), logout: $('logout'),
      decisionBox: $('decision-box'), decisionTarget: $('decision-target'), decisionReason: $('decision-reason'),
      acceptRec: $('accept-rec'), rejectRec: $('reject-rec'), decisionResult: $('decision-result'), auditList: $('audit-list'),
    };

    els.loginForm.addEventListener('submit', submitLogin);
    els.logout.addEventListener('click', function () { signOut(null); });
    els.acceptRec.addEventListener('click', function () { decide('accept'); });
    els.automaticToggle.addEventListener('click', toggleAutomatic);
    els.rejectRec.addEventListener('click', function () { decide('reject'); });

    els.map.addEventListener('click', function (e) { var id = mapNodeId(e.target); if (id) selectCrossing(id); });
    els.map.addEventListener('keydown', function (e) {
      if (e.key !== 'Enter' && e.key !== ' ') return;
      var id = mapNodeId(e.target);
      if (id) { e.preventDefault(); selectCrossing(id); }
    });
    els.map.addEventListener('mouseover', function (e) { describeHover(mapNodeId(e.target)); });
    els.map.addEventListener('focusin', function (e) { describeHover(mapNodeId(e.target)); });
    els.map.addEventListener('mouseleave', function () { describeHover(null); });

    document.addEventListener('click', function (e) {
      var b = e.target.closest && e.target.closest('[data-select]');
      if (b) selectCrossing(b.getAttribute('data-select'));
    });

    document.querySelectorAll('.range-buttons button').forEach(function (btn) {
      btn.addEventListener('click', function () {
        state.chartHours = Number(btn.getAttribute('data-hours')) || 6;
        document.querySelectorAll('.range-buttons button').forEach(function (b) { b.classList.toggle('active', b === btn); });
        invalidate('crossing');
      });
    });

    els.chart.addEventListener('mousemove', function (e) {
      var r = chartReadout ? chartReadout(e.clientX) : null;
      if (!r) { els.chartReadoutBox.hidden = true; return; }
      els.chartReadoutBox.hidden = false;
      els.chartReadoutBox.innerHTML = r.html;
      var boxW = els.chartReadoutBox.offsetWidth;
      var left = r.x + 12 + boxW > els.chart.clientWidth ? r.x - 12 - boxW : r.x + 12;
      els.chartReadoutBox.style.left = Math.max(0, left) + 'px';
    });
    els.chart.addEventListener('mouseleave', function () {
      if (chartReadout) chartReadout(null);
      els.chartReadoutBox.hidden = true;
    });

    var resizeTimer = null;
    window.addEventListener('resize', function () {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(function () { invalidate('crossing'); }, 100);
    });
    window.addEventListener('hashchange', function () {
      var id = crossingFromHash();
      if (id && state.byId.has(id)) selectCrossing(id);
    });
  }

  /** After sign-in: show who is signed in, then load and subscribe. */
  function begin() {
    els.login.hidden = true;
    els.userBox.hidden = false;
    els.userName.textContent = auth.user.displayName || auth.user.username;
    els.userRole.textContent = auth.user.role;
    if (started) return;
    started = true;
    invalidate('header', 'map', 'city', 'crossing');
    connectSocket();
    loadCrossings();
    loadCity();
    loadSimulation();
  }

  function start() {
    bind();
    loadSession();
    var message = sessionStorage.getItem(TOKEN_KEY + '.message');
    sessionStorage.removeItem(TOKEN_KEY + '.message');
    if (auth.token) begin();
    else showLogin(message);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
