import { describe, expect, it } from 'vitest';
import { schemaAccessFromSdl } from '../../lib/graphql/access-policy.ts';
import { supergraphSdl } from '../../schema/sdl.ts';
import { SCOPES } from './identity.ts';
import { supergraphForGateway } from './supergraph-security.ts';

describe('the supergraph the gateway enforces', () => {
  it('uses only the documented scopes', () => {
    const access = schemaAccessFromSdl(supergraphSdl());
    const used = new Set<string>();
    for (const coordinate of access.coordinates())
      for (const requirement of access.get(coordinate) ?? [])
        for (const set of requirement.scopes) for (const scope of set) used.add(scope);
    expect([...used].filter((scope) => !(SCOPES as readonly string[]).includes(scope))).toEqual([]);
  });

  it('loses the SECURITY marker of the features the gateway enforces itself', () => {
    const sdl = `schema @link(url: "https://specs.apollo.dev/link/v1.0")
      @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", as: "scopes", for: SECURITY) { query: Query }
      type Query { a: Int @scopes(scopes: [["x", "y"], ["z"]]) b: Int @requiresScopes(scopes: [["q"]]) }`;
    expect(supergraphForGateway(sdl)).not.toContain('SECURITY');
  });
});
