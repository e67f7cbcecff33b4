import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';

/** What this controller uses of Express's request and response. */
interface PagedRequest {
  originalUrl: string;
}
interface PagedResponse {
  setHeader(name: string, value: string): unknown;
}
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/decorators';
import { ErrorResponseDto } from '../dtos/common.view.dto';
import { CrossingIdParams, CrossingListQuery, ForecastRangeQuery } from '../dtos/crossing.dto';
import { CrossingQueryService } from '../services/crossing-query.service';
import { CrossingDetailDto, CrossingForecastsDto, CrossingListItemDto } from '../dtos/crossing.view.dto';

@ApiTags('crossings')
@ApiBearerAuth()
@Roles('viewer')
@Controller('api/crossings')
export class CrossingsController {
  constructor(private readonly crossings: CrossingQueryService) {}

  @Get()
  @ApiOperation({ summary: 'Crossings (a page of them, in id order; filter by freshness, bounding box and corridor) with their approaches, live status and, for stale, offline or degraded ones, the estimate fusion serves instead' })
  @ApiOkResponse({
    type: [CrossingListItemDto],
    headers: {
      Link: { description: '`<…?offset=…&limit=…>; rel="next"` when more crossings match', schema: { type: 'string' } },
      'X-Total-Count': { description: 'How many crossings match', schema: { type: 'integer' } },
    },
    description:
      'Array of crossings (at most `limit`, default 100; filters given together must all match; `Link: <...>; rel="next"` when more match, `X-Total-Count` the number that match), each with `status` (freshness, worker status, last forecast interval, model) and `estimate`: null while the worker\'s own forecast is usable, else `{source: "estimated", reason, horizons[{intervalStart, total{mean, lower80, upper80, lower95, upper95}}]}` from the crossing\'s historical profile and its neighbours.',
  })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No corridor of that name (`corridor`)' })
  async list(@Query() query: CrossingListQuery, @Req() request: PagedRequest, @Res({ passthrough: true }) response: PagedResponse): Promise<CrossingListItemDto[]> {
    const page = await this.crossings.page(query);
    response.setHeader('X-Total-Count', String(page.total));
    if (page.nextOffset !== null) response.setHeader('Link', `<${nextPageUrl(request.originalUrl, page.nextOffset, page.limit)}>; rel="next"`);
    return page.items;
  }

  @Get(':id')
  @ApiOperation({ summary: 'One crossing: status, latest forecast, latest recommendation, last 96 observed intervals, fusion\'s values (`fused`) and, when the worker is not usable, its `estimate`' })
  @ApiOkResponse({ type: CrossingDetailDto })
  detail(@Param() params: CrossingIdParams): Promise<CrossingDetailDto> {
    return this.crossings.detail(params.id);
  }

  @Get(':id/forecasts')
  @ApiOperation({
    summary: "A crossing's own stored forecasts (based-on interval in [from, to], oldest first) and, beside them, fusion's series for the newest interval with each horizon's source: own, fused or estimated",
  })
  @ApiOkResponse({ type: CrossingForecastsDto, description: '`{crossingId, forecasts: ForecastView[], fused: {asOfIntervalStart, freshness, source, reason, horizons[{source, total, weights?}]} | null}`' })
  forecasts(@Param() params: CrossingIdParams, @Query() query: ForecastRangeQuery): Promise<CrossingForecastsDto> {
    return this.crossings.forecasts(params.id, query.from, query.to, query.limit);
  }
}

/** The same request with the next offset (and the page size it used). */
function nextPageUrl(originalUrl: string, offset: number, limit: number): string {
  const url = new URL(originalUrl, 'http://local');
  url.searchParams.set('offset', String(offset));
  url.searchParams.set('limit', String(limit));
  return `${url.pathname}${url.search}`;
}
