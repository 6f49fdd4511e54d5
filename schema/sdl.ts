import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parse, type DocumentNode } from 'graphql';
import { repoPath } from './repo-root.ts';

export const SUBGRAPH_NAMES = ['profile', 'activity', 'config'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

export function subgraphSdl(name: SubgraphName): string {
  return readFileSync(repoPath('schema', 'subgraphs', `${name}.graphql`), 'utf8');
}

export function subgraphTypeDefs(name: SubgraphName): DocumentNode {
  return parse(subgraphSdl(name));
}

export const SUPERGRAPH_PATH = pathToFileURL(repoPath('schema', 'supergraph.graphql'));

export function supergraphSdl(): string {
  return readFileSync(SUPERGRAPH_PATH, 'utf8');
}
