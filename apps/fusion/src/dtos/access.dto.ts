import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';
import { ROLES, Role } from '@crosscast/contracts';

const USERNAME = /^[A-Za-z0-9_.-]{1,64}$/;
const USERNAME_MESSAGE = 'username must be 1-64 letters, digits, ".", "-" or "_"';

export class LoginBody {
  @ApiProperty({ example: 'operator' })
  @IsString({ message: 'username must be a string' })
  @Matches(USERNAME, { message: USERNAME_MESSAGE })
  username: string;

  @ApiProperty({ example: 'crosscast-operator' })
  @IsString({ message: 'password must be a string' })
  @MinLength(1)
  @MaxLength(256)
  password: string;
}

export class DecisionBody {
  @ApiPropertyOptional({ example: 'school event: keep the current plan', description: 'Why (kept in the audit trail), at most 500 characters' })
  @IsOptional()
  @IsString({ message: 'reason must be a string' })
  @MaxLength(500, { message: 'reason must be at most 500 characters' })
  reason?: string;
}

export class RecommendationIdParams {
  @ApiProperty({ example: '42' })
  @Matches(/^\d{1,18}$/, { message: 'id must be a recommendation id (digits)' })
  id: string;
}

export class UserIdParams {
  @ApiProperty({ example: '1' })
  @Matches(/^\d{1,18}$/, { message: 'id must be a user id (digits)' })
  id: string;
}

export class AuditQuery {
  @ApiPropertyOptional({ example: '0970', description: 'Only this crossing' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,32}$/, { message: 'crossing must be 1-32 letters, digits, "-" or "_"' })
  crossing?: string;

  @ApiPropertyOptional({ default: 100, minimum: 1, maximum: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be a whole number' })
  @Min(1)
  @Max(1000)
  limit?: number;
}

export class RunningPlansQuery {
  @ApiPropertyOptional({ example: '0970', description: 'Only this crossing' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,32}$/, { message: 'crossing must be 1-32 letters, digits, "-" or "_"' })
  crossing?: string;
}

export class CreateUserBody {
  @ApiProperty({ example: 'jsmith' })
  @IsString({ message: 'username must be a string' })
  @Matches(USERNAME, { message: USERNAME_MESSAGE })
  username: string;

  @ApiProperty({ minLength: 12, maxLength: 256 })
  @IsString({ message: 'password must be a string' })
  @MinLength(12, { message: 'password must be at least 12 characters' })
  @MaxLength(256)
  password: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES, { message: 'role must be viewer, operator or admin' })
  role: Role;

  @ApiPropertyOptional({ example: 'Jo Smith' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  displayName?: string;
}

export class UpdateUserBody {
  @ApiPropertyOptional({ enum: ROLES })
  @IsOptional()
  @IsIn(ROLES, { message: 'role must be viewer, operator or admin' })
  role?: Role;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean({ message: 'disabled must be true or false' })
  disabled?: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  displayName?: string;

  @ApiPropertyOptional({ minLength: 12 })
  @IsOptional()
  @IsString({ message: 'password must be a string' })
  @MinLength(12, { message: 'password must be at least 12 characters' })
  @MaxLength(256)
  password?: string;
}

export class UpdateCrossingBody {
  @ApiPropertyOptional({ description: 'When false, operators cannot accept plans for this crossing' })
  @IsOptional()
  @IsBoolean({ message: 'plansEnabled must be true or false' })
  plansEnabled?: boolean;

  @ApiPropertyOptional({ nullable: true, example: 'detector 3 under repair until Friday' })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsString({ message: 'adminNote must be a string or null' })
  @MaxLength(500)
  adminNote?: string | null;
}

export class ResetSequenceBody {
  @ApiProperty({ example: 'worker 0970 replaced after a faulty seq; key rotated', description: 'Why (kept in the admin audit log)' })
  @IsString({ message: 'reason must be a string' })
  @MinLength(3, { message: 'reason must say why, in at least 3 characters' })
  @MaxLength(500, { message: 'reason must be at most 500 characters' })
  reason: string;
}

export class AdminAuditQuery {
  @ApiPropertyOptional({ default: 100, minimum: 1, maximum: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be a whole number' })
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ description: 'Only entries older than this id (paging)' })
  @IsOptional()
  @Matches(/^\d{1,18}$/, { message: 'before must be an audit entry id (digits)' })
  before?: string;
}
