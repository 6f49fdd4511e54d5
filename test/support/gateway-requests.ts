/** One raw HTTP exchange with a GraphQL endpoint, for asserting status codes and error codes. */
export interface RawAnswer {
  status: number;
  headers: Headers;
  body: {
    data?: unknown;
    errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
  };
}

/** Sends `body` as is (a string is sent verbatim), JSON content type unless `headers` say otherwise. */
export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<RawAnswer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: RawAnswer['body'];
  try {
    parsed = JSON.parse(text) as RawAnswer['body'];
  } catch {
    parsed = { errors: [{ message: `not JSON: ${text.slice(0, 200)}` }] };
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/** The `extensions.code` of the first error of an answer. */
export function errorCode(answer: RawAnswer): unknown {
  return answer.body.errors?.[0]?.extensions?.['code'];
}
