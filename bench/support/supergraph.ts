import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { supergraphSdl } from '../../schema/sdl.ts';

/**
 * The supergraph with each named subgraph's routing URL replaced, so gateways that take their
 * subgraph addresses from the supergraph itself (Hive Gateway, a stock Apollo gateway) reach
 * the subgraphs this benchmark started on free ports. Throws for a subgraph it cannot find.
 */
export function withSubgraphUrls(sdl: string, urls: Record<string, string>): string {
  let result = sdl;
  for (const [name, url] of Object.entries(urls)) {
    const pattern = new RegExp(`(@join__graph\\(name: "${name}", url: )"[^"]*"`);
    if (!pattern.test(result)) throw new Error(`the supergraph has no subgraph "${name}"`);
    result = result.replace(pattern, `$1${JSON.stringify(url)}`);
  }
  return result;
}

/** Writes the checked-in supergraph, re-pointed at `urls`, to a temporary file; returns its path. */
export async function writeSupergraph(urls: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pulsehub-bench-'));
  const file = path.join(dir, 'supergraph.graphql');
  await writeFile(file, withSubgraphUrls(supergraphSdl(), urls));
  return file;
}
