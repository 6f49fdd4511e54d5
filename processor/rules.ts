import type { SegmentDefinition } from '../schema/segments.ts';
import type { IdentityPolicy } from './identity-policy.ts';
import type { ProfileLimits } from './limits.ts';

export type { IdentityPolicy, ProfileLimits };

/**
 * The settings `applyEvent` depends on. They are an argument (never read inside), so the
 * processor and a rebuild from the archive compute identical profiles from identical rules, and
 * a live configuration reload takes effect by handing in new rules.
 */
export interface ProfileRules {
  /** A gap longer than this between event times starts a new session. */
  sessionTimeoutMs: number;
  segments: readonly SegmentDefinition[];
  /** The bounds of everything in a profile that grows with input (processor.yml `limits`). */
  limits: ProfileLimits;
  /** Which merges of profiles are made and which refused (processor.yml `identity`). */
  identity: IdentityPolicy;
}

/**
 * The rules from the processor's configuration (`sessions`, `segments`, `limits`, `identity` in
 * processor.yml).
 */
export function profileRulesFromConfig(config: {
  sessions: { timeoutMinutes: number };
  segments: readonly SegmentDefinition[];
  limits: ProfileLimits;
  identity: IdentityPolicy;
}): ProfileRules {
  return {
    sessionTimeoutMs: config.sessions.timeoutMinutes * 60_000, // minutes -> ms
    segments: config.segments,
    limits: config.limits,
    identity: config.identity,
  };
}
