import { Controller, Get, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { FEDERATION_PATHS, WarmStartResponse } from '@crosscast/contracts';
import { Public } from '../auth/decorators';
import { FederationService } from './federation.service';
import { WarmStartQuery, WarmStartResponseDto } from './warm-start.dto';
import { ErrorResponseDto } from '../dtos/common.view.dto';

/**
 * Workers, not operators, call this: no user token, the request is signed with the
 * crossing's own key instead (checked by FederationService), like every worker message.
 */
@ApiTags('federation')
@Public()
@Controller()
export class FederationController {
  constructor(private readonly federation: FederationService) {}

  @Get(FEDERATION_PATHS.warmStart.slice(1))
  @ApiOperation({
    summary:
      "A new crossing's warm start: the FedAvg of the other crossings' newest model snapshots (network weights, normalised interval widths and a unit-free week shape; never counts). Signed by the worker (sig = HMAC of warmStartRequestPayload with its key); 401 unsigned or stale, 404 while too few crossings have shared a snapshot",
  })
  @ApiOkResponse({ type: WarmStartResponseDto })
  @ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Unsigned, badly signed or stale request' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'Too few crossings have shared a snapshot yet' })
  warmStart(@Query() query: WarmStartQuery): Promise<WarmStartResponseDto> {
    return this.federation.warmStart(query);
  }
}
