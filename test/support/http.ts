/** POSTs a GraphQL operation and returns the parsed answer. */
export async function graphql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<{ data?: T; errors?: Array<{ message: string; extensions?: { code?: string } }> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as {
    data?: T;
    errors?: Array<{ message: string; extensions?: { code?: string } }>;
  };
}

export function basicAuth(writeKey: string): string {
  return `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
}

/** Sends one Segment call to `/v1/{type}` with the development write key. */
export async function sendSegment(
  gatewayUrl: string,
  type: string,
  body: Record<string, unknown>,
  writeKey = 'dev-write-key',
): Promise<Response> {
  return fetch(`${gatewayUrl}/v1/${type}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basicAuth(writeKey) },
    body: JSON.stringify(body),
  });
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(
    `condition not met within ${timeoutMs} ms${lastError ? `: ${String(lastError)}` : ''}`,
  );
}

/** Waits until the Activity subgraph (the archive) holds at least `count` events of a profile. */
export async function waitUntilArchived(
  system: { graphqlUrl: string; adminToken: string },
  profileId: string,
  count: number,
): Promise<void> {
  await eventually(async () => {
    const answer = await graphql<{ profile: { activities: { edges: unknown[] } } | null }>(
      system.graphqlUrl,
      'query ($id: ID!) { profile(id: $id) { activities(first: 100) { edges { cursor } } } }',
      { id: profileId },
      { authorization: `Bearer ${system.adminToken}` },
    );
    return (answer.data?.profile?.activities.edges.length ?? 0) >= count ? true : undefined;
  });
}
