import type { UserProfile } from '../schema/profile.ts';
import type { Comparison, SegmentDefinition, SegmentRule } from '../schema/segments.ts';

/** The value at a rule's field path; see schema/segments.ts for the path rules. */
export function fieldValue(profile: UserProfile, field: string): unknown {
  const [head = '', ...rest] = field.split('.');
  if (head === 'eventCounts' && rest.length > 0) return profile.eventCounts[rest.join('.')] ?? 0;
  let value: unknown = (profile as unknown as Record<string, unknown>)[head];
  for (const key of rest) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** Ordering comparisons apply to two numbers or two strings (ISO dates compare as strings). */
function ordered(a: unknown, b: unknown): a is number | string {
  return (
    (typeof a === 'number' && typeof b === 'number') ||
    (typeof a === 'string' && typeof b === 'string')
  );
}

function compare(profile: UserProfile, { field, op, value }: Comparison): boolean {
  const actual = fieldValue(profile, field);
  switch (op) {
    case 'eq':
      return actual === value;
    case 'neq':
      return actual !== value;
    case 'gt':
      return ordered(actual, value) && actual > (value as typeof actual);
    case 'gte':
      return ordered(actual, value) && actual >= (value as typeof actual);
    case 'lt':
      return ordered(actual, value) && actual < (value as typeof actual);
    case 'lte':
      return ordered(actual, value) && actual <= (value as typeof actual);
    case 'in':
      return Array.isArray(value) && value.some((candidate) => candidate === actual);
    case 'contains':
      if (typeof actual === 'string' && typeof value === 'string') return actual.includes(value);
      return Array.isArray(actual) && actual.some((item) => item === value);
    case 'exists':
      return (actual !== undefined && actual !== null) === value;
    default: {
      const unknownOp: never = op;
      throw new Error(`unknown comparison ${String(unknownOp)}`);
    }
  }
}

export function matches(profile: UserProfile, rule: SegmentRule): boolean {
  if ('all' in rule) return rule.all.every((r) => matches(profile, r));
  if ('any' in rule) return rule.any.some((r) => matches(profile, r));
  if ('not' in rule) return !matches(profile, rule.not);
  return compare(profile, rule);
}

/** The sorted names of the segments whose rule the profile matches. */
export function evaluateSegments(
  profile: UserProfile,
  segments: readonly SegmentDefinition[],
): string[] {
  return segments
    .filter((segment) => matches(profile, segment.rule))
    .map((segment) => segment.name)
    .sort();
}
