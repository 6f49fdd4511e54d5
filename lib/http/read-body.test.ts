import type http from 'node:http';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  contentCodingOf,
  CorruptBodyError,
  encodedLimitFor,
  PayloadTooLargeError,
  readBody,
  UnsupportedEncodingError,
} from './read-body.ts';

const json = Buffer.from(JSON.stringify({ userId: 'u', event: 'e', properties: { n: 1 } }));

/** A request whose body arrives as `chunks`, read lazily (a generator is pulled on demand). */
function request(
  chunks: Iterable<Buffer> | AsyncIterable<Buffer>,
  headers: http.IncomingHttpHeaders = {},
): http.IncomingMessage {
  return Object.assign(Readable.from(chunks), { headers }) as unknown as http.IncomingMessage;
}

/** Splits a buffer into chunks, as a socket delivers it. */
function* chunksOf(buffer: Buffer, size = 1_024): Generator<Buffer> {
  for (let at = 0; at < buffer.length; at += size) yield buffer.subarray(at, at + size);
}

describe('readBody', () => {
  it('returns the bytes as sent unless asked to decode, whatever the header says', async () => {
    const gzipped = zlib.gzipSync(json);
    expect(await readBody(request([json]), 1_000)).toEqual(json);
    expect(await readBody(request([gzipped], { 'content-encoding': 'gzip' }), 1_000)).toEqual(
      gzipped,
    );
  });

  it.each([
    ['absent', undefined, (b: Buffer) => b],
    ['identity', 'identity', (b: Buffer) => b],
    ['gzip', 'gzip', (b: Buffer) => zlib.gzipSync(b)],
    ['gzip in capitals', 'GZIP', (b: Buffer) => zlib.gzipSync(b)],
    ['x-gzip', 'x-gzip', (b: Buffer) => zlib.gzipSync(b)],
    ['gzip with identity', 'gzip, identity', (b: Buffer) => zlib.gzipSync(b)],
    ['deflate (zlib format)', 'deflate', (b: Buffer) => zlib.deflateSync(b)],
  ])('decodes a body sent %s', async (_name, encoding, encode) => {
    const headers = encoding === undefined ? {} : { 'content-encoding': encoding };
    const body = encode(json);
    expect(await readBody(request(chunksOf(body, 7), headers), 1_000, { decode: true })).toEqual(
      json,
    );
  });

  it('applies the limit to the decompressed body, exactly at the limit included', async () => {
    const body = zlib.gzipSync(json);
    const headers = { 'content-encoding': 'gzip' };
    expect(await readBody(request([body], headers), json.length, { decode: true })).toEqual(json);
    await expect(
      readBody(request([body], headers), json.length - 1, { decode: true }),
    ).rejects.toThrow(new PayloadTooLargeError(json.length - 1, 'decompressed'));
  });

  it('stops inflating a gzip bomb as soon as it passes the limit', async () => {
    // 1 GiB of zeros as 1,024 gzip members of 1 MiB each (one stream, RFC 1952 §2.2): ~1 MiB.
    const member = zlib.gzipSync(Buffer.alloc(1_024 * 1_024));
    let pulled = 0; // compressed bytes the reader asked for
    async function* bomb() {
      for (let i = 0; i < 1_024; i++)
        for (const chunk of chunksOf(member)) {
          pulled += chunk.length;
          yield chunk;
        }
    }
    const error = await readBody(request(bomb(), { 'content-encoding': 'gzip' }), 512_000, {
      decode: true,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect((error as Error).message).toBe('request body exceeds 512000 bytes once decompressed');
    // 512,000 inflated bytes need under 1 KiB of input; the rest is stream read-ahead.
    expect(pulled).toBeLessThan(32 * 1_024); // of ~1 MiB
  });

  it('bounds the compressed bytes, declared or counted', async () => {
    const headers = { 'content-encoding': 'gzip' };
    await expect(
      readBody(request([], { ...headers, 'content-length': '5000' }), 1_000, { decode: true }),
    ).rejects.toThrow(new PayloadTooLargeError(encodedLimitFor(1_000), 'compressed'));
    // A gzip header whose file name never ends inflates to nothing, however long it is.
    const header = Buffer.from([0x1f, 0x8b, 0x08, 0x08, 0, 0, 0, 0, 0, 0xff]);
    const name = Buffer.alloc(10_000, 'a');
    await expect(
      readBody(request(chunksOf(Buffer.concat([header, name])), headers), 1_000, { decode: true }),
    ).rejects.toThrow('compressed request body exceeds 1065 bytes');
  });

  it.each([
    ['garbage', 'gzip', Buffer.from('{"userId":"u"}'), 'incorrect header check'],
    ['truncated', 'gzip', zlib.gzipSync(json).subarray(0, 20), 'unexpected end of file'],
    ['empty', 'gzip', Buffer.alloc(0), 'unexpected end of file'],
    ['raw deflate', 'deflate', zlib.deflateRawSync(json), 'incorrect header check'],
  ])('refuses a corrupt body: %s', async (_name, encoding, body, reason) => {
    const error = await readBody(request(chunksOf(body), { 'content-encoding': encoding }), 1_000, {
      decode: true,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptBodyError);
    expect((error as Error).message).toBe(
      `the request body is not valid ${encoding} data: ${reason}`,
    );
  });
});

describe('contentCodingOf', () => {
  it.each(['br', 'zstd', 'foo', 'compress', 'gzip, gzip', 'deflate, gzip', 'gzip;q=1'])(
    'refuses %s, listing the accepted encodings',
    (header) => {
      expect(() => contentCodingOf(header)).toThrow(new UnsupportedEncodingError(header).message);
      expect(new UnsupportedEncodingError(header).message).toBe(
        `unsupported Content-Encoding "${header}": use one of gzip, deflate, identity`,
      );
    },
  );
});
