import { writeFileSync } from 'node:fs';
import { composeSupergraph } from '../schema/compose.ts';
import { SUPERGRAPH_PATH } from '../schema/sdl.ts';

writeFileSync(SUPERGRAPH_PATH, composeSupergraph());
console.log(`wrote ${SUPERGRAPH_PATH.pathname}`);
