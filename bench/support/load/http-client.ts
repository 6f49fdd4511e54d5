import http from 'node:http';

export interface HttpAnswer {
  status: number;
  body: string;
}

/**
 * A keep-alive HTTP client with at most `sockets` connections: a load generator's fixed
 * concurrency maps onto that many persistent connections, as a real client pool would.
 */
export function createHttpClient(sockets: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  return {
    post(url: URL, body: string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
      return new Promise((resolve, reject) => {
        const request = http.request(
          url,
          {
            method: 'POST',
            agent,
            headers: {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
              ...headers,
            },
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () =>
              resolve({
                status: response.statusCode ?? 0,
                body: Buffer.concat(chunks).toString('utf8'),
              }),
            );
            response.on('error', reject);
          },
        );
        request.on('error', reject);
        request.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

/** Throws with the answer when it is not a 200 JSON answer free of GraphQL errors. */
export function expectGraphQLData(answer: HttpAnswer, what: string): void {
  if (answer.status !== 200 || answer.body.includes('"errors"'))
    throw new Error(`${what} answered ${answer.status}: ${answer.body.slice(0, 500)}`);
}
