import { buildSchema, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { supergraphSdl } from '../../schema/sdl.ts';
import { createSubscriptionPlanner } from './planner.ts';
import { accessRulesOf, checkAccess, type AccessRule } from './scopes.ts';

const schema = buildSchema(`
  type Query { profile: Profile, open: String }
  type Profile { id: ID! secret: String activities: [Activity!]! }
  type Activity { name: String }
`);
const rules = new Map<string, AccessRule>([
  ['Query.profile', { authenticated: false, scopes: [['profiles:read']] }],
  ['Profile.secret', { authenticated: true, scopes: [] }],
  ['Activity', { authenticated: false, scopes: [['activities:read'], ['admin', 'audit']] }],
]);
const reader = (...scopes: string[]) => ({ subject: 'u', scopes: new Set(scopes) });
const codeOf = (query: string, identity: ReturnType<typeof reader> | undefined) =>
  checkAccess(schema, rules, parse(query), identity)?.extensions['code'];

describe('checkAccess', () => {
  it('lets through operations whose fields need nothing or what the caller holds', () => {
    expect(codeOf('{ open }', undefined)).toBeUndefined();
    expect(codeOf('{ profile { id } }', reader('profiles:read'))).toBeUndefined();
    expect(
      codeOf('{ profile { activities { name } } }', reader('profiles:read', 'admin', 'audit')),
    ).toBeUndefined();
  });

  it('tells anonymous callers from callers lacking a scope, on fields and on returned types', () => {
    expect(codeOf('{ profile { id } }', undefined)).toBe('UNAUTHENTICATED');
    expect(codeOf('{ profile { id } }', reader('activities:read'))).toBe('FORBIDDEN');
    expect(codeOf('{ profile { activities { name } } }', reader('profiles:read', 'admin'))).toBe(
      'FORBIDDEN',
    );
    expect(
      codeOf('{ profile { ...F } } fragment F on Profile { secret }', reader('profiles:read')),
    ).toBeUndefined();
  });

  it('reads @requiresScopes from the supergraph', () => {
    const planner = createSubscriptionPlanner(supergraphSdl());
    expect(accessRulesOf(planner.supergraph.schema).get('Subscription.profileUpdated')).toEqual({
      authenticated: false,
      scopes: [['profiles:read']],
    });
  });
});
