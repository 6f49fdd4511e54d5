import { describe, expect, it } from 'vitest';
import { composeSupergraph } from './compose.ts';
import { supergraphSdl } from './sdl.ts';

describe('supergraph', () => {
  it('composes without errors and matches the checked-in schema/supergraph.graphql (run `npm run compose`)', () => {
    expect(composeSupergraph()).toBe(supergraphSdl());
  });
});
