import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { ALERT_KINDS, ROLES } from '@crosscast/contracts';
import type { AlertAcknowledgementView, AlertKind, Role } from '@crosscast/contracts';

/** `<kind>:<crossingId>[:<since what>]`, as the dashboard keys an alert on its condition. */
export const ALERT_KEY = new RegExp(`^(${ALERT_KINDS.join('|')}):([A-Za-z0-9_-]{1,32})(?::[A-Za-z0-9:.+_-]{1,120})?$`);

export class AcknowledgeAlertBody {
  @ApiProperty({ example: 'congestion:0970:2006-10-10T07:00:00.000Z', description: "The alert's condition key: `<kind>:<crossingId>[:<since what>]`, kind one of " + ALERT_KINDS.join(', ') })
  @IsString({ message: 'alertKey must be a string' })
  @MaxLength(200, { message: 'alertKey must be at most 200 characters' })
  @Matches(ALERT_KEY, { message: `alertKey must be <kind>:<crossingId>[:<since what>] with kind one of ${ALERT_KINDS.join(', ')}` })
  alertKey: string;

  @ApiPropertyOptional({ example: 'crew on site', description: 'Why (kept with the acknowledgement), at most 500 characters' })
  @IsOptional()
  @IsString({ message: 'note must be a string' })
  @MaxLength(500, { message: 'note must be at most 500 characters' })
  note?: string;
}

export class AlertAcknowledgementsQuery {
  @ApiPropertyOptional({ example: '0970', description: 'Only this crossing' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,32}$/, { message: 'crossing must be 1-32 letters, digits, "-" or "_"' })
  crossing?: string;

  @ApiPropertyOptional({ default: 500, minimum: 1, maximum: 2000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be a whole number' })
  @Min(1)
  @Max(2000)
  limit?: number;
}

/** The OpenAPI description of AlertAcknowledgementView (libs/contracts). */
export class AlertAcknowledgementDto implements AlertAcknowledgementView {
  @ApiProperty({ example: '7' }) id: string;
  @ApiProperty({ example: 'congestion:0970:2006-10-10T07:00:00.000Z' }) alertKey: string;
  @ApiProperty({ enum: ALERT_KINDS }) kind: AlertKind;
  @ApiProperty({ example: '0970' }) crossingId: string;
  @ApiProperty({ type: String, nullable: true }) note: string | null;
  @ApiProperty({ example: 'operator', description: 'Username (copied: stays after a rename)' }) acknowledgedBy: string;
  @ApiProperty({ enum: ROLES, example: 'operator' }) acknowledgedByRole: Role;
  @ApiProperty({ format: 'date-time' }) acknowledgedAt: string;
}
