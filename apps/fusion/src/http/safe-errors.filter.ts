import { ArgumentsHost, Catch, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { isDataException } from '../repositories/forecast-store.repository';

/**
 * Unexpected errors, answered and logged without what they carry: Nest's default handler
 * logs a QueryFailedError with its SQL and parameters (a password hash, a user's text) and
 * may show a stack. Here a data exception is a 400 and anything else a plain 500, and the
 * log line has the error's class, message and (for the database) its code only.
 * HttpExceptions pass through unchanged.
 */
@Catch()
export class SafeErrorsFilter extends BaseExceptionFilter {
  private readonly logger = new Logger('UnexpectedError');

  override catch(exception: unknown, host: ArgumentsHost): void {
    if (exception instanceof HttpException || host.getType() !== 'http') return super.catch(exception, host);
    const response = host.switchToHttp().getResponse<{ status(code: number): { json(body: unknown): void }; headersSent?: boolean }>();
    const request = host.switchToHttp().getRequest<{ method?: string; route?: { path?: string }; url?: string }>();
    const error = exception instanceof Error ? exception : new Error(String(exception));
    if (response.headersSent) return;
    // Client errors raised before a route runs (the body parser's 413 for a too-large body,
    // 400 for malformed JSON) follow the http-errors convention: a 4xx status and expose.
    const clientStatus = clientErrorStatus(error);
    if (clientStatus !== undefined) {
      response.status(clientStatus).json({ statusCode: clientStatus, message: error.message.slice(0, 200) });
      return;
    }
    const code = (error as { code?: unknown }).code ?? (error as { driverError?: { code?: unknown } }).driverError?.code;
    // The route pattern, not the URL: a URL may carry what the caller typed.
    const where = `${request.method ?? '?'} ${request.route?.path ?? '(no route)'}`;
    this.logger.error(`${where}: ${error.name}${code ? ` (${String(code)})` : ''}: ${error.message.slice(0, 300)}`);
    // PostgreSQL's data exceptions (22xxx): the values, not the server, are at fault.
    if (isDataException(error)) {
      response.status(HttpStatus.BAD_REQUEST).json({ statusCode: 400, error: 'Bad Request', message: 'a value in the request cannot be stored' });
      return;
    }
    response.status(HttpStatus.INTERNAL_SERVER_ERROR).json({ statusCode: 500, message: 'Internal server error' });
  }
}

/** The status of an http-errors style client error (4xx, marked as safe to show), if it is one. */
function clientErrorStatus(error: Error): number | undefined {
  const { status, statusCode, expose } = error as { status?: unknown; statusCode?: unknown; expose?: unknown };
  const candidate = typeof status === 'number' ? status : statusCode;
  return expose === true && typeof candidate === 'number' && candidate >= 400 && candidate < 500 ? candidate : undefined;
}
