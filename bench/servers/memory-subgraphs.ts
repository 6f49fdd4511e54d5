// Benchmark server (its own process): PulseHub's three subgraphs answering from fixed
// in-memory data (memory-schemas.ts) at negligible cost, so that a gateway in front of them is
// the bottleneck. One port, one path per subgraph: /profile/graphql, /activity/graphql,
// /config/graphql; `GET /stats` counts the requests answered and how many of them were
// executed rather than served from memory.
// Usage: memory-subgraphs.ts <port> <profiles>
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { graphql, type GraphQLSchema } from 'graphql';
import { memoryData } from './memory-data.ts';
import { memorySubgraphSchemas } from './memory-schemas.ts';

/** Answers kept; the load repeats a few bodies per profile, far fewer than this. */
const MAX_CACHED_ANSWERS = 200_000;

const [port, profileCount] = process.argv.slice(2).map(Number);
if (port === undefined || profileCount === undefined || !(profileCount > 0))
  throw new Error('usage: memory-subgraphs.ts <port> <profiles>');

const schemas = new Map<string, GraphQLSchema>(
  Object.entries(memorySubgraphSchemas(memoryData(profileCount))).map(([name, schema]) => [
    `/${name}/graphql`,
    schema,
  ]),
);

interface GraphQLRequest {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

// The data never changes, so an answer depends on the path and body alone: each distinct
// request is executed once and then served from memory, as the subgraphs of The Guild's
// gateway benchmark serve theirs; what is left per request is HTTP, alike for every gateway.
const answers = new Map<string, string>();
const stats = { requests: 0, executed: 0 };

async function answer(schema: GraphQLSchema, key: string, body: string): Promise<string> {
  stats.requests++;
  const cached = answers.get(key);
  if (cached !== undefined) return cached;
  stats.executed++;
  const request = JSON.parse(body) as GraphQLRequest;
  const result = await graphql({
    schema,
    source: request.query,
    variableValues: request.variables ?? null,
    operationName: request.operationName ?? null,
  });
  const text = JSON.stringify(result);
  if (result.errors === undefined && answers.size < MAX_CACHED_ANSWERS) answers.set(key, text);
  return text;
}

function reply(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = request.url ?? '';
  if (path === '/stats' && request.method === 'GET') {
    reply(response, 200, JSON.stringify(stats));
    return;
  }
  const schema = schemas.get(path);
  if (schema === undefined || request.method !== 'POST') {
    reply(response, 404, JSON.stringify({ errors: [{ message: `no subgraph at ${path}` }] }));
    return;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  reply(response, 200, await answer(schema, `${path}\n${body}`, body));
}

createServer((request, response) => {
  handle(request, response).catch((error: unknown) =>
    reply(response, 400, JSON.stringify({ errors: [{ message: String(error) }] })),
  );
}).listen(port, '127.0.0.1');
