import { z } from 'zod';

/**
 * Segments are declarative: a rule is a tree of field comparisons combined with `all` / `any`
 * (and `not`), evaluated against the profile after every applied event. No code is evaluated.
 *
 * ```yaml
 * segments:
 *   - name: power-users
 *     rule:
 *       all:
 *         - { field: eventCount, op: gte, value: 100 }
 *         - any:
 *             - { field: traits.plan, op: eq, value: pro }
 *             - { field: eventCounts.Order Completed, op: gte, value: 3 }
 * ```
 *
 * `field` is a dotted path into the profile (`eventCount`, `device.type`, `traits.address.city`);
 * under `eventCounts.` the rest of the path is the event name as sent (dots included), and a
 * name never seen counts 0.
 */
export const COMPARISON_OPS = [
  'eq',
  'neq',
  'gt',
  'gte',
  'lt',
  'lte',
  'in',
  'contains',
  'exists',
] as const;
export type ComparisonOp = (typeof COMPARISON_OPS)[number];

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export interface Comparison {
  field: string;
  op: ComparisonOp;
  /** `in`: a list; `exists`: true or false; otherwise a string, number, boolean or null. */
  value: string | number | boolean | null | Array<string | number | boolean | null>;
}

export type SegmentRule =
  Comparison | { all: SegmentRule[] } | { any: SegmentRule[] } | { not: SegmentRule };

const comparisonSchema = z
  .object({
    field: z.string().min(1),
    op: z.enum(COMPARISON_OPS),
    value: z.union([scalar, z.array(scalar)]),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.op === 'in' && !Array.isArray(c.value))
      ctx.addIssue({ code: 'custom', message: '`in` needs a list value', path: ['value'] });
    if (c.op === 'exists' && typeof c.value !== 'boolean')
      ctx.addIssue({ code: 'custom', message: '`exists` needs true or false', path: ['value'] });
    if (c.op !== 'in' && Array.isArray(c.value))
      ctx.addIssue({
        code: 'custom',
        message: `\`${c.op}\` needs a single value`,
        path: ['value'],
      });
  });

export const segmentRuleSchema: z.ZodType<SegmentRule> = z.lazy(() =>
  z.union([
    comparisonSchema,
    z.object({ all: z.array(segmentRuleSchema).min(1) }).strict(),
    z.object({ any: z.array(segmentRuleSchema).min(1) }).strict(),
    z.object({ not: segmentRuleSchema }).strict(),
  ]),
);

export const segmentDefinitionSchema = z
  .object({
    /** Also the Redis set's name: letters, digits, `-`, `_`, `.`. */
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/, 'letters, digits, "-", "_" or "." (at most 100)'),
    description: z.string().optional(),
    rule: segmentRuleSchema,
  })
  .strict();

export type SegmentDefinition = z.infer<typeof segmentDefinitionSchema>;

export const segmentsSchema = z.array(segmentDefinitionSchema).superRefine((segments, ctx) => {
  const seen = new Set<string>();
  segments.forEach((segment, index) => {
    if (seen.has(segment.name))
      ctx.addIssue({
        code: 'custom',
        message: `duplicate segment name "${segment.name}"`,
        path: [index, 'name'],
      });
    seen.add(segment.name);
  });
});
