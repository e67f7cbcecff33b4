import { z } from 'zod/v4';
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

/**
 * The plan a crossing's controller runs until an operator accepts one here (an imported
 * network's own program, say): the plan fusion's recommendations must beat instead of an
 * assumed one. Phases by the planner's two-phase names (`north-south`, `east-west`), green
 * as shown to drivers; the cycle includes every phase's amber and all-red.
 */
export const BasePlanSchema = z
  .object({
    planId: z.string().min(1).max(96),
    cycleSeconds: z.number().positive().max(600),
    phases: z.array(z.object({ name: z.string().min(1), greenSeconds: z.number().positive().max(600) }).strict()).min(1),
  })
  .strict()
  .refine((plan) => plan.phases.reduce((s, p) => s + p.greenSeconds, 0) < plan.cycleSeconds, { message: 'the greens must leave room in the cycle for the clearances' });
export type BasePlan = z.infer<typeof BasePlanSchema>;

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
    /** Optional: per crossing id, the plan its controller runs (`npm run sim:import` writes the imported programs). */
    basePlans: z.record(CrossingIdSchema, BasePlanSchema).optional(),
  })
  .strict()
  .superRefine((city, ctx) => {
    const ids = new Set(city.crossings.map((c) => c.id));
    for (const id of Object.keys(city.basePlans ?? {})) {
      if (!ids.has(id)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['basePlans', id], message: `base plan for ${id}, which is not one of the crossings` });
    }
  });
export type CityDefinition = z.infer<typeof CityDefinitionSchema>;
