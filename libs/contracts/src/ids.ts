import { z } from 'zod/v4';

/** A crossing id is the SCATS site number in the seed data ("0970"); any short token works. */
export const CrossingIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,32}$/, 'crossing id must be 1-32 letters, digits, "-" or "_"');

/** An approach id is "<crossing>:<detector>" in the seed data ("0970:1"). */
export const ApproachIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_:.-]{1,48}$/, 'approach id must be 1-48 letters, digits, ":", ".", "-" or "_"');

/** An absolute instant, ISO 8601 in UTC with a "Z" or an explicit offset. */
export const InstantSchema = z.string().datetime({ offset: true, message: 'must be an ISO 8601 date-time with a zone' });

export type CrossingId = z.infer<typeof CrossingIdSchema>;
export type ApproachId = z.infer<typeof ApproachIdSchema>;
