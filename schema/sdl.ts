import { readFileSync } from 'node:fs';
import { parse, type DocumentNode } from 'graphql';

export const SUBGRAPH_NAMES = ['profile', 'activity', 'config'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

export function subgraphSdl(name: SubgraphName): string {
  return readFileSync(new URL(`./subgraphs/${name}.graphql`, import.meta.url), 'utf8');
}

export function subgraphTypeDefs(name: SubgraphName): DocumentNode {
  return parse(subgraphSdl(name));
}

export const SUPERGRAPH_PATH = new URL('./supergraph.graphql', import.meta.url);

export function supergraphSdl(): string {
  return readFileSync(SUPERGRAPH_PATH, 'utf8');
}
