import type {
  AlertAcknowledgementView,
  AutomaticModeView,
  CityForecastView,
  CityMapView,
  CorridorDecisionView,
  CorridorRecommendationView,
  CorridorView,
  CrossingDetailView,
  CrossingForecastsView,
  CrossingListItemView,
  CrossingMeasuresView,
  CrossingRecommendationView,
  DecisionView,
  LoginView,
  RecommendationView,
  SimulatedCrossingView,
  SimulationSnapshotView,
} from '@crosscast/contracts';
import type { ApiResponse } from './generated';

/**
 * Compile-time only (`npm run typecheck`; nothing here reaches the bundle): the answer
 * each client method reads, as the OpenAPI document describes it (generated.ts), has the
 * same property names with the same required-ness, all the way down, as the
 * @crosscast/contracts view the dashboard uses. Assignability alone (client.ts) would let
 * the document describe a property the view lacks, or make optional what the view requires
 * in a nested object the dashboard only reads.
 */
type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];
/** Every property path of T: `.latestForecast.horizons[].total.mean`, with `?` after an optional one; `{}` for a record's values. */
type Paths<T, P extends string = ''> = T extends null | undefined
  ? never
  : T extends readonly (infer E)[]
    ? Paths<E, `${P}[]`>
    : T extends object
      ? string extends keyof T
        ? Paths<T[string], `${P}{}`>
        : { [K in keyof T & string]-?: `${P}.${K}${K extends OptionalKeys<T> ? '?' : ''}` | Paths<T[K], `${P}.${K}`> }[keyof T & string]
      : never;
/** true, or the paths that differ (the compiler's message names them). */
type Same<A, B> = [Exclude<Paths<A>, Paths<B>>, Exclude<Paths<B>, Paths<A>>] extends [never, never] ? true : { onlyInSchema: Exclude<Paths<A>, Paths<B>>; onlyInView: Exclude<Paths<B>, Paths<A>> };

export const SAME_SHAPES: {
  login: Same<ApiResponse<'AuthController_login'>, LoginView>;
  crossings: Same<ApiResponse<'CrossingsController_list'>, CrossingListItemView[]>;
  cityMap: Same<ApiResponse<'CityController_map'>, CityMapView>;
  crossing: Same<ApiResponse<'CrossingsController_detail'>, CrossingDetailView>;
  crossingMeasures: Same<ApiResponse<'MeasuresController_measures'>, CrossingMeasuresView>;
  crossingForecasts: Same<ApiResponse<'CrossingsController_forecasts'>, CrossingForecastsView>;
  crossingRecommendation: Same<ApiResponse<'RecommendationsController_forCrossing'>, CrossingRecommendationView>;
  cityForecast: Same<ApiResponse<'CityController_forecast'>, CityForecastView>;
  recommendations: Same<ApiResponse<'RecommendationsController_list'>, RecommendationView[]>;
  audit: Same<ApiResponse<'DecisionsController_audit'>, DecisionView[]>;
  simulationLatest: Same<ApiResponse<'SimulationController_latest'>, { latest: SimulationSnapshotView | null }>;
  simulationCrossing: Same<ApiResponse<'SimulationController_crossing'>, SimulatedCrossingView[]>;
  accept: Same<ApiResponse<'DecisionsController_accept'>, DecisionView>;
  reject: Same<ApiResponse<'DecisionsController_reject'>, DecisionView>;
  corridors: Same<ApiResponse<'CorridorsController_corridors'>, CorridorView[]>;
  corridorRecommendations: Same<ApiResponse<'CorridorsController_list'>, CorridorRecommendationView[]>;
  acceptCorridor: Same<ApiResponse<'CorridorsController_accept'>, CorridorDecisionView>;
  rejectCorridor: Same<ApiResponse<'CorridorsController_reject'>, CorridorDecisionView>;
  setAutomatic: Same<ApiResponse<'RecommendationsController_setAutomatic'>, AutomaticModeView>;
  alertAcknowledgements: Same<ApiResponse<'AlertsController_list'>, AlertAcknowledgementView[]>;
  acknowledgeAlert: Same<ApiResponse<'AlertsController_acknowledge'>, AlertAcknowledgementView>;
} = {
  login: true,
  crossings: true,
  cityMap: true,
  crossing: true,
  crossingMeasures: true,
  crossingForecasts: true,
  crossingRecommendation: true,
  cityForecast: true,
  recommendations: true,
  audit: true,
  simulationLatest: true,
  simulationCrossing: true,
  accept: true,
  reject: true,
  corridors: true,
  corridorRecommendations: true,
  acceptCorridor: true,
  rejectCorridor: true,
  setAutomatic: true,
  alertAcknowledgements: true,
  acknowledgeAlert: true,
};
