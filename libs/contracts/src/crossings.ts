import { z } from 'zod';
import { ApproachIdSchema, CrossingIdSchema } from './ids';

export const CompassDirectionSchema = z.enum(['N', 'NE', 'E', 'SE', 'S', 'SW', 'W', 'NW']);
export type CompassDirection = z.infer<typeof CompassDirectionSchema>;

/** One approach into a crossing: the side it comes from ("N" = traffic arriving from the north). */
export const ApproachDefinitionSchema = z
  .object({
    id: ApproachIdSchema,
    direction: CompassDirectionSchema,
    road: z.string().min(1),
    location: z.string().min(1),
    lat: z.number().min(-90).max(90).nullable(),
    lon: z.number().min(-180).max(180).nullable(),
  })
  .strict();
export type ApproachDefinition = z.infer<typeof ApproachDefinitionSchema>;

export const CrossingDefinitionSchema = z
  .object({
    id: CrossingIdSchema,
    name: z.string().min(1),
    lat: z.number().min(-90).max(90),
    lon: z.number().min(-180).max(180),
    approaches: z.array(ApproachDefinitionSchema).min(1),
  })
  .strict();
export type CrossingDefinition = z.infer<typeof CrossingDefinitionSchema>;

/** `seed-data/<city>/crossings.json`. */
export const CityDefinitionSchema = z
  .object({
    city: z.string().min(1),
    timeZone: z.string().min(1),
    intervalMinutes: z.number().int().min(1).max(60),
    firstIntervalStart: z.string(),
    lastIntervalStart: z.string(),
    source: z.string(),
    crossings: z.array(CrossingDefinitionSchema).min(1),
  })
  .strict();
export type CityDefinition = z.infer<typeof CityDefinitionSchema>;
