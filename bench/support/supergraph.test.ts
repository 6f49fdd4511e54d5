import { describe, expect, it } from 'vitest';
import { supergraphSdl } from '../../schema/sdl.ts';
import { withSubgraphUrls } from './supergraph.ts';

describe('withSubgraphUrls', () => {
  it('re-points the named subgraphs of the checked-in supergraph and leaves the rest', () => {
    const sdl = withSubgraphUrls(supergraphSdl(), {
      profile: 'http://127.0.0.1:5001/graphql',
      activity: 'http://127.0.0.1:5002/graphql',
    });
    expect(sdl).toContain('@join__graph(name: "profile", url: "http://127.0.0.1:5001/graphql")');
    expect(sdl).toContain('@join__graph(name: "activity", url: "http://127.0.0.1:5002/graphql")');
    expect(sdl).toMatch(
      /@join__graph\(name: "config", url: "http:\/\/127\.0\.0\.1:\d+\/graphql"\)/,
    );
  });

  it('refuses a subgraph the supergraph does not have', () => {
    expect(() => withSubgraphUrls(supergraphSdl(), { billing: 'http://x/graphql' })).toThrow(
      'the supergraph has no subgraph "billing"',
    );
  });
});
