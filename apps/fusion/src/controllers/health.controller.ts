import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/decorators';
/** The one method of express's response this controller uses. */
interface StatusSettable {
  status(code: number): unknown;
}
import { HealthService } from '../services/health.service';
import { HealthReportDto } from '../dtos/health.view.dto';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @ApiOperation({ summary: 'PostgreSQL, Redis and queue state; 503 when a dependency is down' })
  @ApiOkResponse({ type: HealthReportDto, description: 'PostgreSQL and Redis answer' })
  @ApiServiceUnavailableResponse({ type: HealthReportDto, description: 'PostgreSQL or Redis does not answer (`status: unhealthy`)' })
  async check(@Res({ passthrough: true }) response: StatusSettable): Promise<HealthReportDto> {
    const report = await this.health.report();
    response.status(report.status === 'ok' ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return report;
  }
}
