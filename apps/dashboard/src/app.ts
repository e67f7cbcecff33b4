import 'leaflet/dist/leaflet.css';
import { SERVER_EVENT_NAMES as EV, unpackSummaries } from '@crosscast/contracts';
import type { CorridorView } from '@crosscast/contracts';
import { ApiError, FusionApi } from './api/client';
import { takeEarlyCityMap, takeEarlySocket } from './api/early';
import { type Session, clearSession, hasRole, loadSession, saveSession, takeSignInMessage } from './api/session';
import { type ConnectionState, LiveLink } from './live/socket';
import { Acknowledgements, deriveAlerts } from './state/alerts';
import { type MeasuresWindow, cityLocalToIso, follows, isoToCityLocal, measuresQuery, rangeProblem, sameWindow } from './state/measures-window';
import { unpackCityMap } from './state/city-map';
import { STATUS_FILTERS, type StatusFilter, matchesQuery, matchesStatus, searchText } from './state/search';
import { type Region, type Selection, Store, addDecision, addForecast, addObservation, addRecommendation, addSimulated, latestObservation, newSelection, SIM_SERIES } from './state/store';
import { byId, fill, h } from './ui/dom';
import { HOUR, TIME_ZONE, fmtDataTime, fmtWallClock, ms } from './ui/format';
import { renderAlerts, renderStaleAlert } from './views/alerts';
import type { Readout } from './views/chart';
import { renderCity } from './views/city';
import { renderCrossing } from './views/crossing';
import { renderCrossingList } from './views/crossing-list';
import { CityMap } from './views/map';
import { describeDecision, renderRecommendationPanel } from './views/recommendations';
import { renderCorridorPanel } from './views/corridor';
import { renderMeasures } from './views/measures';

const RETRY_MS = 5000;
/** The measures are fetched again at most this often while the simulator reports intervals. */
const MEASURES_REFRESH_MS = 10_000;
/** The map re-indexes at most this often while summaries stream in. */
const MAP_REFRESH_MS = 1000;
/** The page's other requests wait at most this long for the socket's sign-in (see `socketFirst`). */
const SOCKET_HEAD_START_MS = 1500;

/**
 * The operator dashboard: REST gives the starting picture, socket.io keeps it current.
 * Events only change the store and mark regions dirty; one batched render per frame
 * redraws them.
 */
export class DashboardApp {
  private readonly store = new Store();
  private session: Session | null = loadSession();
  private readonly api = new FusionApi(() => this.session, () => this.signOut('Your session ended: sign in again.'));
  private live: LiveLink | null = null;
  private map: CityMap | null = null;
  private readonly acks = new Acknowledgements();
  /** Alert keys whose acknowledgement is on its way to the server. */
  private readonly acking = new Set<string>();
  private readonly dirty = new Set<Region>();
  private frame: number | null = null;
  private readonly errors = new Map<string, string>();
  private readout: Readout | null = null;
  private query = '';
  private readonly filters = new Set<StatusFilter>();
  /** Crossings with an open (not acknowledged) alert, and whether the map shows only those. */
  private alerted = new Set<string>();
  private onlyAlerted = false;
  /** The corridor filter: the crossings of the chosen corridor (or of a corridor plan), or null for all. */
  private corridor: Set<string> | null = null;
  private searchIndex = new Map<string, string>();
  private started = false;
  /**
   * Settled once the socket has first connected or been refused, or SOCKET_HEAD_START_MS
   * after the start: the requests besides the map's wait for it, so a busy fusion answers the
   * socket's sign-in and sends the snapshot (every crossing's status) before it works through
   * the corridors, the pending recommendations, the acknowledgements and the selected
   * crossing's detail, which used to be asked for in the same moment.
   */
  private socketFirst: Promise<void>;
  private socketFirstDone: () => void = () => undefined;
  /** The operator changed the search or filters: redraw the map at once, not with the live batch. */
  private mapNow = false;
  private decidingCorridor = false;

  constructor() {
    this.socketFirst = new Promise<void>((resolve) => (this.socketFirstDone = resolve));
  }

  start(): void {
    this.bind();
    const message = takeSignInMessage();
    if (this.session) this.begin();
    else this.showLogin(message);
  }

  // ---------------------------------------------------------------- rendering

  private invalidate(...regions: Region[]): void {
    for (const r of regions) this.dirty.add(r);
    if (this.frame === null) this.frame = requestAnimationFrame(() => this.render());
  }

  private render(): void {
    this.frame = null;
    const regions = [...this.dirty];
    this.dirty.clear();
    for (const region of regions) {
      try {
        this.renderRegion(region);
      } catch (error) {
        console.error(`render ${region} failed`, error);
        this.showError(`render-${region}`, `Display error in ${region}: ${(error as Error).message}`);
      }
    }
  }

  private renderRegion(region: Region): void {
    const store = this.store;
    switch (region) {
      case 'header': {
        byId('data-time').textContent = store.city?.asOfIntervalStart ? fmtDataTime(store.city.asOfIntervalStart) : 'waiting for the first forecasts…';
        const counts = { fresh: 0, stale: 0, offline: 0 };
        for (const id of store.allCrossingIds()) {
          const f = store.freshnessOf(id);
          counts[f === 'fresh' || f === 'stale' ? f : 'offline']++;
        }
        byId('count-fresh').textContent = String(counts.fresh);
        byId('count-stale').textContent = String(counts.stale);
        byId('count-offline').textContent = String(counts.offline);
        return;
      }
      case 'map':
        this.map?.refresh(this.mapNow ? 0 : MAP_REFRESH_MS);
        this.mapNow = false;
        this.renderList();
        return;
      case 'city':
        renderCity(byId('city-body'), byId('city-included'), store.city);
        return;
      case 'alerts': {
        const alerts = deriveAlerts({ statuses: store.statuses.values(), pending: store.pending.values(), nameOf: (id) => store.nameOf(id) });
        renderAlerts(byId('alerts-list'), byId('alerts-summary'), alerts, (key) => this.acks.get(key), hasRole(this.session, 'operator'), this.acking);
        const alerted = new Set(alerts.filter((a) => !this.acks.has(a.key)).map((a) => a.crossingId));
        const changed = alerted.size !== this.alerted.size || [...alerted].some((id) => !this.alerted.has(id));
        this.alerted = alerted;
        if (changed && this.onlyAlerted) this.invalidate('map');
        const down = store.allCrossingIds().map((id) => ({ id, freshness: store.freshnessOf(id) })).filter((d): d is { id: string; freshness: 'stale' | 'offline' } => d.freshness === 'stale' || d.freshness === 'offline').sort((a, b) => (a.id < b.id ? -1 : 1));
        renderStaleAlert(byId('stale-alert'), down, down.filter((d) => store.isEstimated(d.id)).length);
        return;
      }
      case 'crossing': {
        this.readout = renderCrossing(store, store.sel);
        if (store.sel) {
          renderMeasures(byId('measures-body'), byId('measures-head'), store.sel.measures, (approachId) => this.approachLabel(store.sel!.id, approachId));
          this.renderMeasuresWindow();
        }
        if (store.sel) renderRecommendationPanel(store.definitions.get(store.sel.id), store.sel, { operator: hasRole(this.session, 'operator'), admin: hasRole(this.session, 'admin') });
        renderCorridorPanel(store.sel ? store.corridorFor(store.sel.id) : null, (id) => store.nameOf(id), hasRole(this.session, 'operator'), this.decidingCorridor);
        return;
      }
    }
  }

  private visible(id: string): boolean {
    const text = this.searchIndex.get(id) ?? id.toLowerCase();
    return (
      matchesQuery(text, this.query) &&
      matchesStatus(this.filters, this.store.freshnessOf(id), this.store.isEstimated(id)) &&
      (!this.onlyAlerted || this.alerted.has(id)) &&
      (!this.corridor || this.corridor.has(id))
    );
  }

  /** The corridor filter's options: the city's corridors (GET /api/corridors), the chosen one selected. */
  private renderCorridorOptions(): void {
    const select = byId<HTMLSelectElement>('corridor-filter');
    const names = this.store.corridors.map((c) => c.name);
    const key = names.join('|');
    if (select.dataset.corridors !== key) {
      select.dataset.corridors = key;
      fill(select, h('option', { value: '' }, 'all corridors'), ...this.store.corridors.map((c) => h('option', { value: c.name, title: `${c.crossingIds.length} crossings: ${c.crossingIds.join(', ')}` }, c.name)));
    }
    select.value = this.store.selectedCorridor ?? '';
  }

  /**
   * Chooses a corridor (from its line on the map, the corridor filter or a corridor plan's
   * "Show on map"), or none: its line is highlighted and the map and the list keep just its
   * crossings, at once.
   */
  private chooseCorridor(name: string | null, fit = true): void {
    const corridor = name === null ? undefined : this.store.corridors.find((c) => c.name === name);
    // A corridor chosen from the filter or a plan is brought into view (one clicked on the map is in view already).
    if (corridor && fit && corridor.name !== this.store.selectedCorridor) this.map?.fitCorridor(corridor.name);
    this.store.selectedCorridor = corridor?.name ?? null;
    this.corridor = corridor ? new Set(corridor.crossingIds) : null;
    this.renderCorridorOptions();
    this.mapNow = true;
    this.invalidate('map');
  }

  private renderList(): void {
    const store = this.store;
    const rows = store.crossings.filter((c) => this.visible(c.id)).map((c) => ({ c, freshness: store.freshnessOf(c.id), estimated: store.isEstimated(c.id), flow: store.statuses.get(c.id)?.lastObservedTotal ?? null }));
    renderCrossingList(byId('crossing-list'), byId('crossing-count'), rows, store.crossings.length, store.selectedId);
  }

  // ---------------------------------------------------------------- errors and connection

  private showError(key: string, message: string): void {
    this.errors.set(key, message);
    this.renderBanner();
  }

  private clearError(key: string): void {
    if (this.errors.delete(key)) this.renderBanner();
  }

  private renderBanner(): void {
    const banner = byId('banner');
    banner.hidden = !this.errors.size;
    fill(banner, ...[...this.errors.values()].map((m) => h('div', { class: 'banner-row' }, h('span', { class: 'banner-icon', 'aria-hidden': 'true' }, '!'), m)));
  }

  private setConnection(state: ConnectionState, text: string): void {
    const el = byId('connection');
    el.dataset.state = state;
    el.className = `conn conn-${state}`;
    el.textContent = text;
  }

  /** Updated at once (not batched), so it changes on every event. */
  private liveEvent(kind: string, crossingId: string | null): void {
    this.store.liveEvents++;
    const el = byId('last-update');
    el.textContent = `last update ${fmtWallClock(new Date())} · ${kind}${crossingId ? ` ${crossingId}` : ''} · #${this.store.liveEvents}`;
    el.dataset.count = String(this.store.liveEvents);
  }

  // ---------------------------------------------------------------- sign-in

  private showLogin(message: string | null): void {
    byId('login').hidden = false;
    byId('user-box').hidden = true;
    const error = byId('login-error');
    error.hidden = !message;
    error.textContent = message ?? '';
    byId('login-username').focus();
  }

  private signOut(message: string | null): void {
    clearSession(message);
    this.live?.close();
    location.reload();
  }

  private async submitLogin(): Promise<void> {
    const submit = byId<HTMLButtonElement>('login-submit');
    submit.disabled = true;
    try {
      const login = await FusionApi.login(byId<HTMLInputElement>('login-username').value.trim(), byId<HTMLInputElement>('login-password').value);
      this.session = saveSession(login);
      byId<HTMLInputElement>('login-password').value = '';
      this.begin();
    } catch (error) {
      const status = error instanceof ApiError ? error.status : 0;
      this.showLogin(status === 429 ? 'Too many attempts: wait a minute and try again.' : status === 401 ? 'Unknown username or wrong password.' : `Sign-in failed: ${(error as Error).message}`);
    } finally {
      submit.disabled = false;
    }
  }

  private begin(): void {
    const session = this.session!;
    byId('login').hidden = true;
    byId('user-box').hidden = false;
    byId('user-name').textContent = session.user.displayName || session.user.username;
    byId('user-role').textContent = session.user.role;
    if (this.started) return;
    this.started = true;
    // The map's request and the socket first, so they are on their way while the map is set up
    // (what they bring is drawn once it is there: `this.map` exists before any answer arrives);
    // the other requests once the socket has signed in (`socketFirst`).
    void this.loadCrossings();
    const replayEarly = this.connect(session.token);
    window.setTimeout(() => this.socketFirstDone(), SOCKET_HEAD_START_MS);
    void this.socketFirst.then(() => {
      void this.loadCorridors();
      // The city overview comes with the socket snapshot (GET /api/city/forecast, with its
      // per-crossing lists, is 0.35 MB at 4,096 crossings: not asked for here).
      void this.loadPending();
      void this.loadAcknowledgements();
      void this.api.simulationLatest().then((b) => {
        if (b.latest) { this.store.simulation = b.latest; this.invalidate('crossing'); }
      }, () => undefined);
    });
    this.map = new CityMap(byId('map'), () => ({
      crossings: this.store.crossings,
      freshnessOf: (id) => this.store.freshnessOf(id),
      isEstimated: (id) => this.store.isEstimated(id),
      flowOf: (id) => this.store.statuses.get(id)?.lastObservedTotal ?? null,
      visible: (id) => this.visible(id),
      selectedId: this.store.selectedId,
      corridors: this.store.corridors,
      selectedCorridor: this.store.selectedCorridor,
    }), {
      select: (id) => this.select(id),
      hover: (id, count, bad) => this.describeHover(id, count, bad),
      chooseCorridor: (name) => {
        this.chooseCorridor(name === this.store.selectedCorridor ? null : name, false);
        this.describeCorridor(this.store.corridors.find((c) => c.name === name) ?? null);
      },
      hoverCorridor: (c) => this.describeCorridor(c),
    });
    this.invalidate('header', 'map', 'city', 'crossing', 'alerts');
    // What preload.js's socket received before the handlers were on (its snapshot, typically), in order, now that the map is there.
    replayEarly();
  }

  // ---------------------------------------------------------------- REST

  private async loadCrossings(): Promise<void> {
    try {
      // The first time, the request preload.js started before this bundle ran (asked again if it failed).
      const early = takeEarlyCityMap();
      const list = unpackCityMap(await (early ? early.catch(() => this.api.cityMap()) : this.api.cityMap()));
      if (!performance.getEntriesByName('crosscast:crossings').length) performance.mark('crosscast:crossings');
      this.clearError('crossings');
      this.store.setCrossings(list);
      this.searchIndex = new Map(list.map((c) => [c.id, searchText(c)]));
      this.mapNow = true; // the first picture (or a changed city) at once, not with the live batch
      if (!this.store.selectedId || !this.store.byId.has(this.store.selectedId)) {
        const wanted = crossingFromHash();
        this.select(wanted && this.store.byId.has(wanted) ? wanted : (list[0]?.id ?? null), !!wanted);
      }
      this.invalidate('header', 'map', 'city', 'crossing', 'alerts');
    } catch (error) {
      this.showError('crossings', `Could not load the crossings: ${(error as Error).message}`);
      setTimeout(() => void this.loadCrossings(), RETRY_MS);
    }
  }

  /** The city's corridors: fixed for a city, loaded once (retried until they come). */
  private async loadCorridors(): Promise<void> {
    try {
      this.store.corridors = await this.api.corridors();
      this.clearError('corridors');
      this.renderCorridorOptions();
      // Their lines only: the crossings shown do not change (a chosen corridor's filter does, chooseCorridor).
      this.map?.refreshCorridors();
    } catch (error) {
      this.showError('corridors', `Could not load the corridors: ${(error as Error).message}`);
      setTimeout(() => void this.loadCorridors(), RETRY_MS);
    }
  }

  private async loadPending(): Promise<void> {
    // Both at once (they were asked one after the other); a failed one is left to the live events.
    const [pending, corridorPlans] = await Promise.allSettled([this.api.recommendations({ status: 'pending', limit: 1000 }), this.api.corridorRecommendations({ status: 'pending', limit: 500 })]);
    if (pending.status === 'fulfilled') for (const r of pending.value) this.store.notePending(r);
    if (corridorPlans.status === 'fulfilled') for (const r of corridorPlans.value) this.store.noteCorridor(r);
    this.invalidate('alerts');
  }

  private async loadAcknowledgements(): Promise<void> {
    try {
      let added = false;
      for (const a of await this.api.alertAcknowledgements()) added = this.acks.add(a) || added;
      this.clearError('acknowledgements');
      if (added) this.invalidate('alerts');
    } catch (error) {
      this.showError('acknowledgements', `Could not load the acknowledged alerts: ${(error as Error).message}`);
    }
  }

  /**
   * The selected crossing's performance measures over the chosen window (the last 1 h, 4 h or
   * 24 h of its controller event log, or a from–to). A newer request wins: an answer for a
   * window no longer chosen is dropped.
   */
  private async loadMeasures(sel: Selection): Promise<void> {
    const request = ++sel.measures.request;
    sel.measures.loading = true;
    sel.measures.loadedAtMs = Date.now();
    this.invalidate('crossing');
    try {
      const view = await this.api.crossingMeasures(sel.id, measuresQuery(this.store.measuresWindow));
      if (request !== sel.measures.request) return;
      sel.measures = { view, loading: false, error: null, loadedAtMs: sel.measures.loadedAtMs, request };
    } catch (error) {
      if (request !== sel.measures.request) return;
      sel.measures = { ...sel.measures, loading: false, error: (error as Error).message };
    }
    if (this.store.sel === sel) this.invalidate('crossing');
  }

  /** The operator picked another window for the measures charts. */
  private setMeasuresWindow(window: MeasuresWindow): void {
    byId('measures-range-error').hidden = true;
    if (sameWindow(window, this.store.measuresWindow) && this.store.sel?.measures.view) return;
    this.store.measuresWindow = window;
    if (this.store.sel) void this.loadMeasures(this.store.sel);
    this.renderMeasuresWindow();
  }

  /** The picker shows the chosen window; the from–to inputs show the window drawn (city time). */
  private renderMeasuresWindow(): void {
    const window = this.store.measuresWindow;
    const box = byId('measures-window');
    box.dataset.window = window.kind === 'last' ? String(window.minutes) : 'range';
    box.querySelectorAll<HTMLButtonElement>('button[data-minutes]').forEach((b) => {
      const on = window.kind === 'last' && Number(b.dataset.minutes) === window.minutes;
      b.classList.toggle('active', on);
      b.setAttribute('aria-pressed', String(on));
    });
    const view = this.store.sel?.measures.view;
    const from = byId<HTMLInputElement>('measures-from');
    const to = byId<HTMLInputElement>('measures-to');
    // Not while the operator is typing a window.
    if (view && document.activeElement !== from && document.activeElement !== to) {
      from.value = isoToCityLocal(view.from, TIME_ZONE);
      to.value = isoToCityLocal(view.to, TIME_ZONE);
    }
  }

  /** "N (Warrigal Rd)" for an approach of the crossing, else its id. */
  private approachLabel(crossingId: string, approachId: string): string {
    const a = this.store.definitions.get(crossingId)?.approaches.find((x) => x.id === approachId);
    return a ? `${a.direction}${a.road ? ` (${a.road})` : ''}` : approachId;
  }

  /** Acknowledges an alert for every operator; the server's event marks it on every dashboard. */
  private async acknowledge(key: string): Promise<void> {
    if (this.acking.has(key) || this.acks.has(key)) return;
    this.acking.add(key);
    this.invalidate('alerts');
    try {
      this.acks.add(await this.api.acknowledgeAlert(key));
      this.clearError('acknowledge');
    } catch (error) {
      const body = error instanceof ApiError ? (error.body as { acknowledgement?: Parameters<Acknowledgements['add']>[0] } | null) : null;
      // Someone else was first: show theirs.
      if (error instanceof ApiError && error.status === 409 && body?.acknowledgement) this.acks.add(body.acknowledgement);
      else this.showError('acknowledge', `Could not acknowledge the alert: ${(error as Error).message}`);
    } finally {
      this.acking.delete(key);
      this.invalidate('alerts');
    }
  }

  private select(id: string | null, zoom = false): void {
    const store = this.store;
    if (id === null) {
      store.selectedId = null;
      store.sel = null;
      this.invalidate('map', 'crossing');
      return;
    }
    if (zoom) this.map?.zoomTo(id);
    if (id === store.selectedId && store.sel) return;
    store.selectedId = id;
    store.sel = newSelection(id);
    if (crossingFromHash() !== id) history.replaceState(null, '', `#crossing=${encodeURIComponent(id)}`);
    this.live?.follow(id);
    this.invalidate('map', 'crossing');
    void this.loadSelection(store.sel);
  }

  /** Detail, forecast history, recommendations, audit and simulated street of the selected crossing. */
  private async loadSelection(sel: Selection): Promise<void> {
    await this.socketFirst;
    const still = () => this.store.sel === sel;
    if (!still()) return;
    const api = this.api;
    const id = sel.id;
    const soft = <T>(p: Promise<T>, key: string, use: (value: T) => void) =>
      p.then((v) => { this.clearError(key); if (still()) { use(v); this.invalidate('crossing'); } }, (e: Error) => this.showError(key, `Could not load ${key}: ${e.message}`));
    if (hasRole(this.session, 'operator')) void soft(api.audit(id, 20), 'audit', (list) => list.forEach((d) => addDecision(sel, d)));
    void soft(api.simulationCrossing(id, SIM_SERIES), 'simulation', (list) => addSimulated(sel, list));
    void this.loadMeasures(sel);
    void soft(api.recommendations({ crossing: id, limit: 12 }), 'recommendations', (list) => list.forEach((r) => addRecommendation(sel, r)));
    void soft(api.crossingRecommendation(id), 'recommendation panel', (panel) => {
      if (panel.latest) addRecommendation(sel, panel.latest);
      if (panel.pending) addRecommendation(sel, panel.pending);
      sel.lastEvaluation = panel.lastEvaluation;
      sel.automatic = panel.automatic;
      sel.hysteresis = panel.hysteresis;
    });
    try {
      const detail = await api.crossing(id);
      this.clearError('detail');
      if (!still()) return;
      this.store.setStatus(detail.status);
      this.store.setDefinition(detail);
      if (detail.fused) this.store.setCrossingFused(detail.fused);
      detail.recentObservations.forEach((o) => addObservation(sel, o));
      if (detail.latestForecast) addForecast(sel, detail.latestForecast);
      if (detail.latestRecommendation) addRecommendation(sel, detail.latestRecommendation);
      sel.loading = false;
      this.invalidate('map', 'crossing', 'header');
      // 1-step-ahead history over the observed window.
      const anchor = sel.latestForecast ? ms(sel.latestForecast.basedOnIntervalStart) : ms(latestObservation(sel)?.intervalStart ?? this.store.city?.asOfIntervalStart);
      if (!Number.isFinite(anchor)) return;
      const history = await api.crossingForecasts(id, new Date(anchor - 26 * HOUR).toISOString(), new Date(anchor + 2 * HOUR).toISOString(), 200);
      if (!still()) return;
      history.forecasts.forEach((f) => addForecast(sel, f));
      this.invalidate('crossing');
    } catch (error) {
      this.showError('detail', `Could not load crossing ${id}: ${(error as Error).message}`);
      if (!still()) return;
      sel.loading = false;
      this.invalidate('crossing');
      setTimeout(() => { if (still()) void this.loadSelection(sel); }, RETRY_MS);
    }
  }

  // ---------------------------------------------------------------- socket.io

  /** Opens the socket (or takes preload.js's) and puts the handlers on; returns what hands over the events an early socket kept. */
  private connect(token: string): () => void {
    let connectedOnce = false;
    // The socket preload.js opened before this bundle ran, when there is one (its kept events are replayed below).
    const early = takeEarlySocket(token);
    const live = (this.live = new LiveLink(token, (state, unauthorized) => {
      // Signed in (the snapshot is on its way) or refused: the other requests go now.
      if (state === 'connected' || unauthorized) this.socketFirstDone();
      if (unauthorized) return this.signOut('Your session ended: sign in again.');
      this.setConnection(state, state === 'connected' ? 'connected' : 'reconnecting…');
      if (state !== 'connected') return;
      this.clearError('socket');
      // After a reconnect events may have been missed: reload what the snapshot does not cover.
      if (connectedOnce) {
        void this.loadCrossings();
        void this.loadPending();
        void this.loadAcknowledgements();
        if (this.store.sel) { this.store.sel = newSelection(this.store.sel.id); void this.loadSelection(this.store.sel); }
      }
      connectedOnce = true;
    }, early));
    live.follow(this.store.selectedId);
    const store = this.store;
    const socket = live.socket;
    socket.on(EV.snapshot, (snap) => {
      for (const s of unpackSummaries(snap.summaries)) store.setSummary(s);
      store.setCity(snap.city);
      if (!performance.getEntriesByName('crosscast:snapshot').length) performance.mark('crosscast:snapshot');
      this.liveEvent('snapshot', null);
      this.invalidate('header', 'map', 'city', 'crossing', 'alerts');
    });
    socket.on(EV.crossingStatus, (s) => {
      store.setStatus(s);
      this.liveEvent('status', s.crossingId);
      this.invalidate('header', 'map', 'alerts', ...(s.crossingId === store.selectedId ? (['crossing'] as const) : []));
    });
    socket.on(EV.crossingSummaries, (columns) => {
      const list = unpackSummaries(columns);
      for (const s of list) store.setSummary(s);
      this.liveEvent('status', null);
      // (A summary also says whether fusion estimates the crossing: the map marks it, the offline banner counts it.)
      this.invalidate('header', 'map', 'alerts', ...(list.some((s) => s.crossingId === store.selectedId) ? (['crossing'] as const) : []));
    });
    socket.on(EV.observation, (o) => {
      if (store.noteObservation(o)) this.invalidate('map');
      if (store.sel && o.crossingId === store.sel.id) { addObservation(store.sel, o); this.invalidate('crossing'); }
      this.liveEvent('observation', o.crossingId);
    });
    socket.on(EV.forecast, (f) => {
      if (store.sel && f.crossingId === store.sel.id) { addForecast(store.sel, f); this.invalidate('crossing'); }
      this.liveEvent('forecast', f.crossingId);
    });
    socket.on(EV.recommendation, (r) => {
      store.notePending(r);
      if (store.sel && r.crossingId === store.sel.id) { addRecommendation(store.sel, r); this.invalidate('crossing'); }
      this.invalidate('alerts');
      this.liveEvent('recommendation', r.crossingId);
    });
    socket.on(EV.corridorRecommendation, (r) => {
      store.noteCorridor(r);
      this.invalidate('crossing');
      this.liveEvent('corridor plan', null);
    });
    socket.on(EV.corridorDecided, (d) => {
      store.applyCorridorDecision(d);
      this.invalidate('crossing');
      this.liveEvent('corridor decision', null);
    });
    socket.on(EV.recommendationStatus, (change) => {
      store.applyStatusChange(change);
      this.invalidate('alerts', 'crossing');
      this.liveEvent(`recommendation ${change.status}`, change.crossingId);
    });
    socket.on(EV.recommendationDecided, (d) => {
      store.applyDecision(d);
      if (store.sel && d.crossingId === store.sel.id && hasRole(this.session, 'operator')) addDecision(store.sel, d);
      this.invalidate('alerts', 'crossing');
      this.liveEvent('decision', d.crossingId);
    });
    socket.on(EV.simulationReport, (report) => {
      store.simulation = report;
      if (store.sel) {
        const mine = report.crossings.filter((c) => c.crossingId === store.sel!.id);
        if (mine.length) { addSimulated(store.sel, mine); this.invalidate('crossing'); }
        // A new interval of the simulated street: its controller event log follows (one interval late).
        // (Only a window that follows the log: a fixed from–to stays as it is.)
        if (follows(store.measuresWindow) && !store.sel.measures.loading && Date.now() - store.sel.measures.loadedAtMs >= MEASURES_REFRESH_MS) void this.loadMeasures(store.sel);
      }
      this.liveEvent('simulation', null);
    });
    socket.on(EV.automaticMode, (view) => {
      if (!store.sel || view.crossingId !== store.sel.id) return;
      store.sel.automatic = view;
      this.invalidate('crossing');
    });
    socket.on(EV.alertAcknowledged, (ack) => {
      if (this.acks.add(ack)) this.invalidate('alerts');
      this.liveEvent('acknowledged', ack.crossingId);
    });
    socket.on(EV.crossingFused, (view) => {
      store.setCrossingFused(view);
      this.liveEvent('fused values', view.crossingId);
      if (view.crossingId === store.selectedId) this.invalidate('crossing');
    });
    socket.on(EV.cityForecast, (city) => {
      store.setCity(city);
      this.clearError('city');
      this.liveEvent('city forecast', null);
      this.invalidate('header', 'city');
    });
    return () => early?.replay();
  }

  // ---------------------------------------------------------------- operator actions

  /** One decision for every crossing of the corridor plan shown. */
  private async decideCorridor(kind: 'accept' | 'reject'): Promise<void> {
    const id = byId('accept-corridor').dataset.corridorId;
    if (!id || this.decidingCorridor) return;
    const reasonBox = byId<HTMLInputElement>('corridor-reason');
    const result = byId('corridor-result');
    this.decidingCorridor = true;
    this.invalidate('crossing');
    try {
      const decision = await this.api.decideCorridor(id, kind, reasonBox.value.trim());
      this.store.applyCorridorDecision(decision);
      result.textContent = `${decision.decision === 'accepted' ? 'Accepted' : 'Rejected'} corridor plan #${decision.corridorRecommendationId} for ${decision.crossingIds.join(', ')} by ${decision.decidedBy}${decision.decision === 'accepted' ? (decision.publishedAt ? ': sent for the next common cycle boundary.' : ': not sent yet (retrying).') : '.'}`;
      reasonBox.value = '';
    } catch (error) {
      result.textContent = `Could not ${kind} the corridor plan: ${(error as Error).message}`;
    } finally {
      this.decidingCorridor = false;
      this.invalidate('crossing');
    }
  }

  private async decide(kind: 'accept' | 'reject'): Promise<void> {
    const sel = this.store.sel;
    const recId = byId('accept-rec').dataset.recId;
    if (!sel || !recId || sel.deciding) return;
    const reasonBox = byId<HTMLInputElement>('decision-reason');
    sel.deciding = true;
    this.invalidate('crossing');
    try {
      const decision = await this.api.decide(recId, kind, reasonBox.value.trim());
      addDecision(sel, decision);
      this.store.applyDecision(decision);
      sel.lastResult = { kind: decision.decision, text: describeDecision(decision) };
      reasonBox.value = '';
    } catch (error) {
      const body = error instanceof ApiError ? (error.body as { decision?: unknown } | null) : null;
      if (error instanceof ApiError && error.status === 409 && body?.decision) addDecision(sel, body.decision as Parameters<typeof addDecision>[1]);
      const status = error instanceof ApiError ? ` (HTTP ${error.status})` : '';
      sel.lastResult = { kind: 'error', text: `Not recorded${status}: ${(error as Error).message.replace(/^HTTP \d+: /, '')}` };
    } finally {
      sel.deciding = false;
      // A reconnect meanwhile reloaded the crossing (a new selection): its outcome is still the one to show.
      const shown = this.store.sel;
      if (shown && shown !== sel && shown.id === sel.id) {
        shown.lastResult = sel.lastResult;
        for (const d of sel.decisions.values()) addDecision(shown, d);
      }
      this.invalidate('crossing', 'alerts');
    }
  }

  private async toggleAutomatic(): Promise<void> {
    const sel = this.store.sel;
    if (!sel?.automatic || sel.togglingAutomatic) return;
    sel.togglingAutomatic = true;
    this.invalidate('crossing');
    try {
      sel.automatic = await this.api.setAutomatic(sel.id, !sel.automatic.enabled);
    } catch (error) {
      sel.lastResult = { kind: 'error', text: `Automatic mode not changed: ${(error as Error).message}` };
    } finally {
      sel.togglingAutomatic = false;
      this.invalidate('crossing');
    }
  }

  private describeCorridor(c: CorridorView | null): void {
    if (!c) return this.describeHover(null, null);
    const chosen = c.name === this.store.selectedCorridor;
    fill(byId('map-hover'), h('strong', undefined, c.name), h('span', { class: 'muted' }, ` · ${c.crossingIds.length} crossings · coordinated ${c.coordinatedPhase} · click to ${chosen ? 'show every crossing again' : 'show just this corridor'}`));
  }

  private describeHover(id: string | null, count: number | null, bad = 0): void {
    const box = byId('map-hover');
    if (count) return fill(box, `${count} crossings here${bad ? `, ${bad} stale or offline (shape and colour: the worst of them)` : ''} · click to zoom in`);
    if (!id) return fill(box, 'Hover a crossing for details · click to select · search by id, name or road');
    const s = this.store.statuses.get(id);
    const f = this.store.freshnessOf(id);
    fill(box, h('strong', undefined, id), ` ${this.store.nameOf(id)} `, h('span', { class: 'muted' }, `· ${f}${this.store.isEstimated(id) ? ' · estimated from neighbours and profile' : ''} · ${s?.lastObservedTotal != null ? `${Math.round(s.lastObservedTotal)} veh / 15 min` : 'no observation'}`));
  }

  // ---------------------------------------------------------------- wiring

  private bind(): void {
    byId('login-form').addEventListener('submit', (e) => { e.preventDefault(); void this.submitLogin(); });
    byId('logout').addEventListener('click', () => this.signOut(null));
    byId('accept-rec').addEventListener('click', () => void this.decide('accept'));
    byId('accept-corridor').addEventListener('click', () => void this.decideCorridor('accept'));
    byId('reject-corridor').addEventListener('click', () => void this.decideCorridor('reject'));
    byId('show-corridor').addEventListener('click', () => {
      // The corridor plan's corridor, highlighted; the map and the list keep just its crossings.
      const button = byId('show-corridor');
      const name = button.dataset.corridor ?? '';
      if (this.store.corridors.some((c) => c.name === name)) return this.chooseCorridor(name);
      // Not among the corridors loaded (yet): its crossings still make the filter.
      const ids = (button.dataset.crossings ?? '').split(',').filter(Boolean);
      this.store.selectedCorridor = null;
      this.corridor = ids.length ? new Set(ids) : null;
      this.mapNow = true;
      this.invalidate('map');
    });
    byId('reject-rec').addEventListener('click', () => void this.decide('reject'));
    byId('automatic-toggle').addEventListener('click', () => void this.toggleAutomatic());
    document.addEventListener('click', (e) => {
      const target = e.target as Element | null;
      const ack = target?.closest?.('[data-ack]');
      if (ack) {
        void this.acknowledge(ack.getAttribute('data-ack')!);
        return;
      }
      const b = target?.closest?.('[data-select]');
      if (b) this.select(b.getAttribute('data-select'), true);
    });
    const search = byId<HTMLInputElement>('map-search');
    let searchTimer: number | undefined;
    search.addEventListener('input', () => {
      clearTimeout(searchTimer);
      searchTimer = window.setTimeout(() => { this.query = search.value.trim(); this.mapNow = true; this.invalidate('map'); }, 120);
    });
    search.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter') return;
      // Whatever was typed counts now, not after the typing pause.
      clearTimeout(searchTimer);
      this.query = search.value.trim();
      this.mapNow = true;
      this.invalidate('map');
      const first = this.store.crossings.find((c) => this.visible(c.id));
      if (first) this.select(first.id, true);
    });
    const filterBox = byId('status-filters');
    for (const f of STATUS_FILTERS) {
      const input = h('input', { type: 'checkbox', value: f, 'data-filter': f });
      input.addEventListener('change', () => { if (input.checked) this.filters.add(f); else this.filters.delete(f); this.mapNow = true; this.invalidate('map'); });
      filterBox.appendChild(h('label', { class: `filter filter-${f}` }, input, h('span', { class: `shape shape-${f}`, 'aria-hidden': 'true' }), f));
    }
    const alertedBox = h('input', { type: 'checkbox', value: 'alerted', 'data-filter': 'alerted' });
    alertedBox.addEventListener('change', () => { this.onlyAlerted = alertedBox.checked; this.mapNow = true; this.invalidate('map'); });
    filterBox.appendChild(h('label', { class: 'filter filter-alerted' }, alertedBox, 'with alert'));
    const corridorSelect = byId<HTMLSelectElement>('corridor-filter');
    corridorSelect.addEventListener('change', () => this.chooseCorridor(corridorSelect.value || null));
    byId('measures-window').querySelectorAll<HTMLButtonElement>('button[data-minutes]').forEach((btn) => {
      btn.addEventListener('click', () => this.setMeasuresWindow({ kind: 'last', minutes: Number(btn.dataset.minutes) }));
    });
    byId('measures-range').addEventListener('submit', (e) => {
      e.preventDefault();
      const from = cityLocalToIso(byId<HTMLInputElement>('measures-from').value, TIME_ZONE);
      const to = cityLocalToIso(byId<HTMLInputElement>('measures-to').value, TIME_ZONE);
      const problem = rangeProblem(from, to);
      const error = byId('measures-range-error');
      error.hidden = !problem;
      error.textContent = problem ? `Measures window: ${problem}.` : '';
      if (!problem) this.setMeasuresWindow({ kind: 'range', from: from!, to: to! });
    });
    document.querySelectorAll<HTMLButtonElement>('.chart-range button').forEach((btn) => {
      btn.addEventListener('click', () => {
        this.store.chartHours = Number(btn.dataset.hours) || 6;
        document.querySelectorAll('.chart-range button').forEach((b) => b.classList.toggle('active', b === btn));
        this.invalidate('crossing');
      });
    });
    const chart = byId('chart');
    const readoutBox = byId('chart-readout');
    chart.addEventListener('mousemove', (e) => {
      const r = this.readout?.(e.clientX);
      if (!r) { readoutBox.hidden = true; return; }
      readoutBox.hidden = false;
      fill(readoutBox, ...r.rows);
      const w = readoutBox.offsetWidth;
      readoutBox.style.left = `${Math.max(0, r.x + 12 + w > chart.clientWidth ? r.x - 12 - w : r.x + 12)}px`;
    });
    chart.addEventListener('mouseleave', () => { this.readout?.(null); readoutBox.hidden = true; });
    let resizeTimer: number | undefined;
    window.addEventListener('resize', () => { clearTimeout(resizeTimer); resizeTimer = window.setTimeout(() => this.invalidate('crossing'), 100); });
    window.addEventListener('hashchange', () => {
      const id = crossingFromHash();
      if (id && this.store.byId.has(id)) this.select(id, true);
    });
  }
}

function crossingFromHash(): string | null {
  const m = /crossing=([^&]+)/.exec(location.hash);
  return m ? decodeURIComponent(m[1]) : null;
}
