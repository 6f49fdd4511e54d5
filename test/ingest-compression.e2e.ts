import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import Analytics from '@rudderstack/rudder-sdk-node';
import { describe, expect, it } from 'vitest';
import { basicAuth, eventually } from './support/http.ts';
import { useSystem } from './support/use-system.ts';

const PROFILE_QUERY = `query ($id: ID!) { profile(id: $id) {
  userId eventCount pageViews traits eventCounts { name count } } }`;

interface ProfileAnswer {
  userId: string | null;
  eventCount: number;
  pageViews: number;
  traits: Record<string, unknown>;
  eventCounts: Array<{ name: string; count: number }>;
}

const MiB = 1_024 * 1_024;

/** Streams `totalBytes` zeros through gzip, so the bomb never exists inflated in memory. */
function gzipOfZeros(totalBytes: number): Readable {
  const zeros = Buffer.alloc(MiB);
  async function* source() {
    for (let sent = 0; sent < totalBytes; sent += zeros.length) yield zeros;
  }
  return Readable.from(source()).pipe(zlib.createGzip({ level: 9 }));
}

async function bufferOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * Runs `action` while sampling this process's RSS (the gateway runs in it) every 5 ms, and
 * returns the action's result with the highest RSS seen above the level before it.
 */
async function withPeakRss<T>(action: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage().rss);
  };
  const sampler = setInterval(sample, 5); // 5 ms
  try {
    const result = await action();
    sample();
    return { result, growth: peak - before };
  } finally {
    clearInterval(sampler);
  }
}

describe('ingest: compressed request bodies', () => {
  const { sandbox, system } = useSystem();

  /** POSTs `body` (bytes, or a stream sent chunked) to `/v1/{path}` with the dev write key. */
  async function post(
    path: string,
    body: Buffer | Readable,
    encoding?: string,
  ): Promise<{ status: number; headers: Headers; body: unknown }> {
    const response = await fetch(`${system().gatewayUrl}/v1/${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: basicAuth('dev-write-key'),
        ...(encoding === undefined ? {} : { 'content-encoding': encoding }),
      },
      body: body instanceof Readable ? Readable.toWeb(body) : body,
      duplex: 'half',
    } as RequestInit);
    return { status: response.status, headers: response.headers, body: await response.json() };
  }

  const profileWhen = (id: string, done: (p: ProfileAnswer) => boolean) =>
    eventually(async () => {
      const answer = await system().query<{ profile: ProfileAnswer | null }>(PROFILE_QUERY, { id });
      expect(answer.errors).toBeUndefined();
      const profile = answer.data?.profile;
      return profile && done(profile) ? profile : undefined;
    });

  it('takes identify, track and page from @rudderstack/rudder-sdk-node, which gzips by default', async () => {
    const userId = `${sandbox().id}-rudder`;
    const errors: unknown[] = [];
    // Defaults (gzip on, flushAt 20, flushInterval 10 s, path /v1/batch, retries) but the host;
    // the explicit flush() below sends what the 10 s timer would.
    const client = new Analytics('dev-write-key', {
      dataPlaneUrl: system().gatewayUrl,
      logLevel: 'error',
      errorHandler: (error: unknown) => errors.push(error),
    });
    client.identify({ userId, traits: { name: 'Grace', plan: 'team' } });
    client.track({ userId, event: 'Report Exported', properties: { format: 'csv' } });
    client.page({ userId, name: 'Pricing', properties: { path: '/pricing' } });
    await client.flush();
    expect(errors).toEqual([]);
    const profile = await profileWhen(userId, (p) => p.eventCount === 3);
    expect(profile).toMatchObject({
      userId,
      eventCount: 3,
      pageViews: 1,
      traits: { name: 'Grace', plan: 'team' },
      eventCounts: [{ name: 'Report Exported', count: 1 }],
    });
  });

  it('decodes gzip and deflate, refuses other encodings with 415 and corrupt bodies with 400', async () => {
    const userId = `${sandbox().id}-codings`;
    const call = (event: string) => Buffer.from(JSON.stringify({ userId, event }));
    expect((await post('track', zlib.gzipSync(call('Gzipped')), 'gzip')).status).toBe(200);
    expect((await post('track', zlib.deflateSync(call('Deflated')), 'deflate')).status).toBe(200);
    expect((await post('track', call('Plain'), 'identity')).status).toBe(200);
    await profileWhen(userId, (p) => p.eventCount === 3);

    for (const encoding of ['br', 'zstd', 'foo', 'gzip, gzip']) {
      const answer = await post('track', zlib.gzipSync(call('Never')), encoding);
      expect({ encoding, status: answer.status, body: answer.body }).toEqual({
        encoding,
        status: 415,
        body: {
          success: false,
          error: `unsupported Content-Encoding "${encoding}": use one of gzip, deflate, identity`,
        },
      });
      expect(answer.headers.get('accept-encoding')).toBe('gzip, deflate, identity');
    }
    expect(await post('batch', call('Corrupt'), 'gzip')).toMatchObject({
      status: 400,
      body: {
        success: false,
        error: 'the request body is not valid gzip data: incorrect header check',
      },
    });
    // 40 KB of JSON compresses far below the 32 KB limit of a single call: the inflated size counts.
    const large = JSON.stringify({ userId, event: 'Large', properties: { x: 'x'.repeat(40_000) } });
    expect(await post('track', zlib.gzipSync(large), 'gzip')).toMatchObject({
      status: 413,
      body: { success: false, error: 'the request body exceeds 32768 bytes once decompressed' },
    });
    const profile = await profileWhen(userId, (p) => p.eventCount >= 3);
    expect(profile.eventCount).toBe(3);
  });

  it('refuses gzip bombs with 413 without inflating them: the gateway memory stays flat', async () => {
    // A buffering reader would hold at least the 450 MiB it inflated; a streaming one holds
    // the 500 KB limit and zlib's window. 50 MiB leaves room for the in-process system's noise.
    const flat = 50 * MiB;
    const refused = {
      status: 413,
      body: { success: false, error: 'the request body exceeds 512000 bytes once decompressed' },
    };
    // Within the compressed-size bound (it has a Content-Length), so only inflating finds it.
    const bomb = await bufferOf(gzipOfZeros(450 * MiB));
    expect(bomb.length).toBeLessThan(512_000);
    const sized = await withPeakRss(() => post('batch', bomb, 'gzip'));
    expect(sized.result).toMatchObject(refused);
    expect(sized.growth).toBeLessThan(flat);

    // 1 GiB inflated, sent chunked as it is compressed: answered long before its end.
    const stream = gzipOfZeros(1_024 * MiB);
    const chunked = await withPeakRss(() => post('batch', stream, 'gzip'));
    stream.destroy();
    expect(chunked.result).toMatchObject(refused);
    expect(chunked.growth).toBeLessThan(flat);
    console.info(
      `RSS growth while refusing: ${(sized.growth / MiB).toFixed(1)} MiB (450 MiB bomb, ${bomb.length} bytes), ` +
        `${(chunked.growth / MiB).toFixed(1)} MiB (1 GiB bomb, chunked)`,
    );

    // The gateway still answers.
    const userId = `${sandbox().id}-after-bomb`;
    const call = JSON.stringify({ userId, event: 'Still Here' });
    expect((await post('track', zlib.gzipSync(call), 'gzip')).status).toBe(200);
    await profileWhen(userId, (p) => p.eventCount === 1);
  });
});
