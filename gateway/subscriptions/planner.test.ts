import type { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { supergraphSdl } from '../../schema/sdl.ts';
import { createSubscriptionPlanner, type SubscriptionPlan } from './planner.ts';

const planner = createSubscriptionPlanner(supergraphSdl());
const codes = (planned: SubscriptionPlan | GraphQLError[]) =>
  (planned as GraphQLError[]).map((error) => error.extensions['code']);

describe('subscription planner', () => {
  it('streams the root field from its subgraph and adds other subgraphs by entity fetches', () => {
    const plan = planner.plan(
      'subscription W($id: ID!) { profileUpdated(id: $id) { eventCount activities(first: 3) { edges { node { name } } } } }',
      'W',
    ) as SubscriptionPlan;
    expect(plan.primary.serviceName).toBe('profile');
    expect(plan.primary.operation).toContain('profileUpdated(id:$id)');
    expect(JSON.stringify(plan.rest)).toContain('"serviceName":"activity"');
    expect(plan.rootField).toBe('profileUpdated');
  });

  it('needs no entity fetch when one subgraph owns every field', () => {
    const plan = planner.plan('subscription { profilesUpdated { id version } }', undefined);
    expect((plan as SubscriptionPlan).rest).toBeUndefined();
  });

  it('gives identical operations the same canonical text and plans each text once', () => {
    const a = planner.plan('subscription { profilesUpdated { id } }', undefined);
    const b = planner.plan('subscription {\n  profilesUpdated {\n    id\n  }\n}', undefined);
    expect((a as SubscriptionPlan).canonical).toBe((b as SubscriptionPlan).canonical);
    expect(planner.plan('subscription { profilesUpdated { id } }', undefined)).toBe(a);
  });

  it('refuses what it cannot serve, with error codes', () => {
    expect(codes(planner.plan('subscription {', undefined))).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(codes(planner.plan('subscription { nothing }', undefined))).toEqual([
      'GRAPHQL_VALIDATION_FAILED',
    ]);
    expect(codes(planner.plan('query { profile(id: "1") { id } }', undefined))).toEqual([
      'BAD_REQUEST',
    ]);
    expect(codes(planner.plan('subscription A { profilesUpdated { id } }', 'B'))).toEqual([
      'BAD_REQUEST',
    ]);
  });
});
