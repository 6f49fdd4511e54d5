import { parse, Kind } from 'graphql';
import { describe, expect, it } from 'vitest';
import { supergraphSdl } from '../../schema/sdl.ts';
import { SCOPES } from './identity.ts';
import {
  satisfies,
  schemaAccessFromSupergraph,
  supergraphForGateway,
} from './access-requirements.ts';

describe('access requirements of the supergraph', () => {
  const access = schemaAccessFromSupergraph(supergraphSdl());

  it('protects every root field with @authenticated or @requiresScopes', () => {
    const document = parse(supergraphSdl());
    const unprotected: string[] = [];
    for (const definition of document.definitions)
      if (
        definition.kind === Kind.OBJECT_TYPE_DEFINITION &&
        ['Query', 'Mutation', 'Subscription'].includes(definition.name.value)
      )
        for (const field of definition.fields ?? [])
          if (access.get(`${definition.name.value}.${field.name.value}`) === undefined)
            unprotected.push(`${definition.name.value}.${field.name.value}`);
    expect(unprotected).toEqual([]);
  });

  it('uses only the documented scopes', () => {
    const used = new Set<string>();
    for (const coordinate of access.coordinates())
      for (const requirement of access.get(coordinate) ?? [])
        for (const set of requirement.scopes) for (const scope of set) used.add(scope);
    expect([...used].filter((scope) => !(SCOPES as readonly string[]).includes(scope))).toEqual([]);
  });

  it('reads type and field requirements', () => {
    expect(access.get('Query.profile')).toEqual([
      { authenticated: true, scopes: [['profiles:read']] },
    ]);
    expect(access.get('Profile')).toEqual([{ authenticated: true, scopes: [['profiles:read']] }]);
    expect(access.get('Query.viewer')).toEqual([{ authenticated: true, scopes: [] }]);
  });

  it('reads renamed directives and alternative scope sets', () => {
    const sdl = `schema @link(url: "https://specs.apollo.dev/link/v1.0")
      @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", as: "scopes", for: SECURITY) { query: Query }
      type Query { a: Int @scopes(scopes: [["x", "y"], ["z"]]) b: Int @requiresScopes(scopes: [["q"]]) }`;
    const renamed = schemaAccessFromSupergraph(sdl);
    const [requirement] = renamed.get('Query.a') ?? [];
    expect(renamed.get('Query.b')).toBeUndefined();
    expect(satisfies(requirement!, new Set(['x', 'y']))).toBe(true);
    expect(satisfies(requirement!, new Set(['z']))).toBe(true);
    expect(satisfies(requirement!, new Set(['x']))).toBe(false);
    expect(satisfies(requirement!, undefined)).toBe(false);
    expect(supergraphForGateway(sdl)).not.toContain('SECURITY');
  });
});
