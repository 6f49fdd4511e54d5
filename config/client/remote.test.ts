import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  authorization,
  ConfigServerError,
  environmentPath,
  fetchRemoteEnvironment,
  retryDelay,
  withRetry,
} from './remote.ts';
import type { ConfigServerSettings } from './shared-schema.ts';

const retry = { attempts: 4, initialDelayMs: 1, maxDelayMs: 3, multiplier: 2 };

function settings(url: string, extra: Partial<ConfigServerSettings> = {}): ConfigServerSettings {
  return {
    enabled: true,
    url,
    label: 'main',
    username: 'svc',
    password: 'pa:ss',
    token: '',
    failFast: false,
    timeoutMs: 2_000,
    retry,
    ...extra,
  };
}

let server: http.Server | undefined;
afterEach(
  () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())),
);

/** A throwaway HTTP server answering every request with `answer`. */
async function serve(
  answer: (req: http.IncomingMessage, res: http.ServerResponse) => void,
): Promise<string> {
  server = http.createServer(answer);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('environmentPath', () => {
  it('builds the Spring path, default profile when none, (_) for a slash in the label', () => {
    expect(environmentPath('gateway', [], 'main')).toBe('/config/gateway/default/main');
    expect(environmentPath('gateway', ['prod', 'eu'], 'release/1.2')).toBe(
      '/config/gateway/prod%2Ceu/release(_)1.2',
    );
  });
});

describe('retry', () => {
  it('waits longer each attempt, up to the maximum', () => {
    expect([1, 2, 3, 4, 5].map((n) => retryDelay(retry, n))).toEqual([0, 1, 2, 3, 3]);
  });

  it('retries retryable failures and stops at the first non-retryable one', async () => {
    let calls = 0;
    await expect(
      withRetry(retry, () => {
        calls++;
        return Promise.reject(new ConfigServerError('down', true));
      }),
    ).rejects.toThrow('down');
    expect(calls).toBe(4);
    calls = 0;
    await expect(
      withRetry(retry, () => {
        calls++;
        return Promise.reject(new ConfigServerError('refused', false));
      }),
    ).rejects.toThrow('refused');
    expect(calls).toBe(1);
    calls = 0;
    expect(
      await withRetry(retry, () =>
        ++calls < 3 ? Promise.reject(new ConfigServerError('x', true)) : Promise.resolve('ok'),
      ),
    ).toBe('ok');
  });
});

describe('authorization', () => {
  it('sends Basic credentials as Spring clients do, the bearer token instead when set', () => {
    expect(authorization(settings('http://x'))).toEqual({
      authorization: `Basic ${Buffer.from('svc:pa:ss').toString('base64')}`,
    });
    expect(authorization(settings('http://x', { token: 't0k' }))).toEqual({
      authorization: 'Bearer t0k',
    });
    expect(authorization(settings('http://x', { username: '', password: '' }))).toEqual({});
  });
});

describe('fetchRemoteEnvironment', () => {
  it('reads the Spring answer and returns its sources lowest precedence first', async () => {
    let seen: { url?: string | undefined; authorization?: string | undefined } = {};
    const url = await serve((req, res) => {
      seen = { url: req.url, authorization: req.headers.authorization };
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          name: 'gateway',
          profiles: ['prod'],
          label: 'main',
          version: 'abc',
          state: null,
          propertySources: [
            { name: 'file:///r/gateway-prod.yml', source: { http: { port: 3 } } },
            { name: 'file:///r/application.yml', source: { http: { port: 1 } } },
          ],
        }),
      );
    });
    const answer = await fetchRemoteEnvironment(settings(url, { token: 't0k' }), 'gateway', [
      'prod',
    ]);
    expect(seen).toEqual({
      url: '/config/gateway/prod/main?nested=true',
      authorization: 'Bearer t0k',
    });
    expect(answer).toEqual({
      version: 'abc',
      sources: [
        { name: 'file:///r/application.yml', source: { http: { port: 1 } } },
        { name: 'file:///r/gateway-prod.yml', source: { http: { port: 3 } } },
      ],
    });
  });

  it('marks 4xx answers final and 5xx or no answer retryable', async () => {
    let status = 404;
    const url = await serve((_req, res) => {
      res.statusCode = status;
      res.end(JSON.stringify({ error: 'no branch, tag or commit named "nope"' }));
    });
    status = 401;
    await expect(fetchRemoteEnvironment(settings(url), 'gateway', [])).rejects.toMatchObject({
      retryable: false,
      message: expect.stringContaining('check configServer.username') as unknown,
    });
    status = 404;
    await expect(fetchRemoteEnvironment(settings(url), 'gateway', [])).rejects.toMatchObject({
      retryable: false,
      message: expect.stringContaining('404') as unknown,
    });
    status = 503;
    await expect(fetchRemoteEnvironment(settings(url), 'gateway', [])).rejects.toMatchObject({
      retryable: true,
    });
    await expect(
      fetchRemoteEnvironment(settings('http://127.0.0.1:1'), 'gateway', []),
    ).rejects.toMatchObject({
      retryable: true,
      message: expect.stringContaining('unreachable') as unknown,
    });
  });
});
