import { z } from 'zod';

/**
 * Which merges of two profiles the processor performs (processor.yml `identity`, applied live;
 * docs/identity.md "Merge policy"). Part of the ProfileRules, so a rebuild decides as the
 * processor did.
 */
export interface IdentityPolicy {
  /**
   * Identifiers one profile may have (its id, linked userIds, anonymousIds, alias
   * previousIds, merged profiles' ids): a link or merge beyond it is refused.
   */
  maxIdentifiers: number;
  /**
   * Whether an `alias` may merge two profiles that both have a userId. Never through an
   * anonymousId: a shared device or a logged-out browser must not join two known users.
   */
  mergeIdentifiedByAlias: boolean;
}

export const identityPolicySchema = z
  .object({
    maxIdentifiers: z.number().int().min(1).max(1_000).default(25),
    mergeIdentifiedByAlias: z.boolean().default(false),
  })
  // An installation whose processor.yml predates `identity` gets every default.
  .prefault({});
