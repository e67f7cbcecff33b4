import { ApiProperty } from '@nestjs/swagger';
import { CrossingSettingsView, LoginView, ROLES, Role, UserView, WorkerKeyView } from '@crosscast/contracts';
import type { AuthenticatedUser } from '../auth/roles';
import type { AdminAuditView } from '../repositories/admin-audit.repository';

/** Who a token belongs to (GET /api/auth/me; the `user` of a login). */
export class AuthenticatedUserDto implements AuthenticatedUser {
  @ApiProperty() id: string;
  @ApiProperty({ example: 'operator1' }) username: string;
  @ApiProperty() displayName: string;
  @ApiProperty({ enum: ROLES }) role: Role;
}

/** POST /api/auth/login. */
export class LoginDto implements LoginView {
  @ApiProperty({ description: 'HS256 JWT: send as `Authorization: Bearer <token>`' }) token: string;
  @ApiProperty({ enum: ['Bearer'] }) tokenType: 'Bearer';
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
  @ApiProperty({ type: () => AuthenticatedUserDto }) user: AuthenticatedUserDto;
}

/** A user as the API shows it: never the password hash. */
export class UserDto implements UserView {
  @ApiProperty() id: string;
  @ApiProperty() username: string;
  @ApiProperty() displayName: string;
  @ApiProperty({ enum: ROLES }) role: Role;
  @ApiProperty() disabled: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class CrossingSettingsDto implements CrossingSettingsView {
  @ApiProperty() crossingId: string;
  @ApiProperty() name: string;
  @ApiProperty({ description: 'When false, operators cannot accept plans for this crossing' }) plansEnabled: boolean;
  @ApiProperty({ type: String, nullable: true }) adminNote: string | null;
  @ApiProperty({ type: String, nullable: true }) settingsUpdatedBy: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) settingsUpdatedAt: string | null;
}

export class WorkerKeyDto implements WorkerKeyView {
  @ApiProperty() crossingId: string;
  @ApiProperty({ type: String, nullable: true, description: 'First 16 hex digits of SHA-256 over the key; null when none is provisioned' }) fingerprint: string | null;
}

/** GET /api/admin/keys. */
export class WorkerKeysDto {
  @ApiProperty({ description: 'Where the keys come from (a file, or derived from a seed)' }) source: string;
  @ApiProperty({ type: () => [WorkerKeyDto] }) keys: WorkerKeyDto[];
}

export class AdminAuditDto implements AdminAuditView {
  @ApiProperty() id: string;
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty() actor: string;
  @ApiProperty({ example: 'user.create' }) action: string;
  @ApiProperty() target: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) details: Record<string, unknown>;
}

export class SequenceSeqsDto {
  @ApiProperty({ type: Number, nullable: true }) forecastSeq: number | null;
  @ApiProperty({ type: Number, nullable: true }) heartbeatSeq: number | null;
}

/** POST /api/admin/crossings/:id/reset-sequence. */
export class ResetSequenceDto {
  @ApiProperty() crossingId: string;
  @ApiProperty({ type: () => SequenceSeqsDto, description: 'The highest accepted seqs that were forgotten' }) previous: SequenceSeqsDto;
}
