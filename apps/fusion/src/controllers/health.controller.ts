import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/decorators';
/** The one method of express's response this controller uses. */
interface StatusSettable {
  status(code: number): unknown;
}
import { HealthService } from '../services/health.service';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @ApiOperation({ summary: 'PostgreSQL, Redis and queue state; 503 when a dependency is down' })
  async check(@Res({ passthrough: true }) response: StatusSettable) {
    const report = await this.health.report();
    response.status(report.status === 'ok' ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return report;
  }
}
