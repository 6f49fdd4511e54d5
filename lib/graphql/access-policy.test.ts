import { composeServices } from '@apollo/composition';
import { parse, Kind } from 'graphql';
import { describe, expect, it } from 'vitest';
import { supergraphSdl, subgraphSdl, SUBGRAPH_NAMES } from '../../schema/sdl.ts';
import { accessDenial, satisfies, schemaAccessFromSdl } from './access-policy.ts';

describe('access requirements of the supergraph', () => {
  const access = schemaAccessFromSdl(supergraphSdl());

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
    const renamed = schemaAccessFromSdl(sdl);
    const [requirement] = renamed.get('Query.a') ?? [];
    expect(renamed.get('Query.b')).toBeUndefined();
    expect(satisfies(requirement!, new Set(['x', 'y']))).toBe(true);
    expect(satisfies(requirement!, new Set(['z']))).toBe(true);
    expect(satisfies(requirement!, new Set(['x']))).toBe(false);
    expect(satisfies(requirement!, undefined)).toBe(false);
  });

  it('reads a directive renamed by an import on its spec link, as composition writes it', () => {
    const sdl = `schema @link(url: "https://specs.apollo.dev/link/v1.0")
      @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY,
        import: [{ name: "@requiresScopes", as: "@scopes" }]) { query: Query }
      type Query { a: Int @scopes(scopes: [["x"]]) }`;
    expect(schemaAccessFromSdl(sdl).get('Query.a')).toEqual([
      { authenticated: true, scopes: [['x']] },
    ]);
  });

  it('reads the renames of a supergraph composed from a subgraph that renames both directives', () => {
    const composed = composeServices([
      {
        name: 'renaming',
        url: 'http://127.0.0.1:1/graphql',
        typeDefs: parse(`extend schema @link(url: "https://specs.apollo.dev/federation/v2.7",
            import: [{ name: "@requiresScopes", as: "@scopes" }, { name: "@authenticated", as: "@signedIn" }])
          type Query { a: Int @scopes(scopes: [["x"]]) b: Int @signedIn }`),
      },
    ]);
    if (composed.errors) throw composed.errors[0];
    const access = schemaAccessFromSdl(composed.supergraphSdl);
    expect(access.get('Query.a')).toEqual([{ authenticated: true, scopes: [['x']] }]);
    expect(access.get('Query.b')).toEqual([{ authenticated: true, scopes: [] }]);
  });

  it('requires every directive on an element, not any one', () => {
    const sdl = `schema @link(url: "https://specs.apollo.dev/link/v1.0")
      @link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY)
      @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY) { query: Query }
      type Query { a: Int @requiresScopes(scopes: [["x"]]) @requiresScopes(scopes: [["y"]]) @authenticated }`;
    const requirements = new Map([['Query.a', schemaAccessFromSdl(sdl).get('Query.a') ?? []]]);
    expect(requirements.get('Query.a')).toHaveLength(3);
    expect(accessDenial(requirements, new Set(['x', 'y']))).toBeUndefined();
    expect(accessDenial(requirements, new Set(['x']))?.code).toBe('FORBIDDEN');
    expect(accessDenial(requirements, new Set(['x']))?.message).toContain('Query.a needs y');
    expect(accessDenial(requirements, undefined)?.code).toBe('UNAUTHENTICATED');
  });
});

describe('access requirements of a subgraph SDL', () => {
  it('reads the directives its federation link imports, renamed or namespaced', () => {
    const sdl = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7",
        import: ["@key", { name: "@requiresScopes", as: "@needs" }])
      type Query {
        a: Int @needs(scopes: [["x"]])
        b: Int @federation__authenticated
        c: Int @requiresScopes(scopes: [["not-imported-under-this-name"]])
      }`;
    const access = schemaAccessFromSdl(sdl);
    expect(access.get('Query.a')).toEqual([{ authenticated: true, scopes: [['x']] }]);
    expect(access.get('Query.b')).toEqual([{ authenticated: true, scopes: [] }]);
    expect(access.get('Query.c')).toBeUndefined();
  });

  it.each(SUBGRAPH_NAMES)(
    'the %s subgraph requires what the supergraph requires of its fields',
    (name) => {
      const supergraph = schemaAccessFromSdl(supergraphSdl());
      const own = schemaAccessFromSdl(subgraphSdl(name));
      const coordinates = [...own.coordinates()];
      expect(coordinates.length).toBeGreaterThan(0);
      for (const coordinate of coordinates)
        expect(supergraph.get(coordinate), coordinate).toEqual(
          expect.arrayContaining([...(own.get(coordinate) ?? [])]),
        );
    },
  );
});
