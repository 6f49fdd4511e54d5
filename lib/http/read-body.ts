import type http from 'node:http';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';

/** The `Content-Encoding`s a decoding read accepts (`x-gzip` is taken as gzip, RFC 9110). */
export const ACCEPTED_ENCODINGS = ['gzip', 'deflate', 'identity'] as const;

type ContentCoding = (typeof ACCEPTED_ENCODINGS)[number];

/** Which size passed its limit: the body as sent, or its compressed or decompressed form. */
export type BodyMeasure = 'plain' | 'compressed' | 'decompressed';

export class PayloadTooLargeError extends Error {
  override readonly name = 'PayloadTooLargeError';
  constructor(
    readonly limitBytes: number,
    readonly measure: BodyMeasure = 'plain',
  ) {
    super(
      measure === 'plain'
        ? `request body exceeds ${limitBytes} bytes`
        : measure === 'compressed'
          ? `compressed request body exceeds ${limitBytes} bytes`
          : `request body exceeds ${limitBytes} bytes once decompressed`,
    );
  }
}

export class UnsupportedEncodingError extends Error {
  override readonly name = 'UnsupportedEncodingError';
  constructor(readonly encoding: string) {
    super(
      `unsupported Content-Encoding "${encoding}": use one of ${ACCEPTED_ENCODINGS.join(', ')}`,
    );
  }
}

/** The body does not decode as its `Content-Encoding` says (corrupt or truncated). */
export class CorruptBodyError extends Error {
  override readonly name = 'CorruptBodyError';
  constructor(coding: ContentCoding, reason: string) {
    super(`the request body is not valid ${coding} data: ${reason}`);
  }
}

export interface ReadBodyOptions {
  /**
   * Decode a gzip or deflate `Content-Encoding`, applying `limitBytes` to the decompressed
   * body; any other encoding is refused with {@link UnsupportedEncodingError}. When false the
   * bytes are returned as sent, whatever the header says.
   * @default false
   */
  decode?: boolean;
  /**
   * The most compressed bytes read before refusing, so a body that inflates to nothing (a
   * stream of gzip header bytes) cannot be endless.
   * @default encodedLimitFor(limitBytes)
   */
  maxEncodedBytes?: number;
}

/**
 * The most bytes a compressed body can need while inflating to at most `limitBytes`: deflate's
 * worst case is stored blocks, 5 bytes per 64 KiB, plus the gzip or zlib wrapper (18 bytes).
 * The margin is generous; the decompressed limit is the one that matters.
 */
export function encodedLimitFor(limitBytes: number): number {
  return limitBytes + Math.ceil(limitBytes / 1_024) + 64; // bytes
}

/** The single coding a `Content-Encoding` header names; stacked codings are refused. */
export function contentCodingOf(header: string | undefined): ContentCoding {
  const codings = (header ?? '')
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  if (codings.length === 0) return 'identity';
  const [only] = codings;
  if (codings.length === 1 && (only === 'gzip' || only === 'x-gzip')) return 'gzip';
  if (codings.length === 1 && only === 'deflate') return 'deflate';
  throw new UnsupportedEncodingError(header ?? '');
}

/**
 * Reads a request body, refusing (without buffering the rest) once it passes `limitBytes`.
 * A compressed body is inflated as a stream and refused as soon as its inflated bytes pass
 * the limit, so an archive bomb costs a few kilobytes of memory, not its inflated size.
 */
export async function readBody(
  req: http.IncomingMessage,
  limitBytes: number,
  options: ReadBodyOptions = {},
): Promise<Buffer> {
  const coding =
    options.decode === true ? contentCodingOf(req.headers['content-encoding']) : 'identity';
  if (coding === 'identity') {
    refuseDeclaredLength(req, limitBytes, 'plain');
    return collect(req, limitBytes, 'plain');
  }
  const encodedLimit = options.maxEncodedBytes ?? encodedLimitFor(limitBytes);
  refuseDeclaredLength(req, encodedLimit, 'compressed');
  // zlib's 'gzip'/'deflate' streams are the RFC 1952 and RFC 1950 formats HTTP names.
  const decoder = coding === 'gzip' ? zlib.createGunzip() : zlib.createInflate();
  let body: Buffer = Buffer.alloc(0);
  try {
    // On any refusal pipeline destroys every stage, so the decoder stops inflating at once.
    await pipeline(
      req,
      (source: AsyncIterable<Buffer>) => countEncoded(source, encodedLimit),
      decoder,
      async (decoded: AsyncIterable<Buffer>) => {
        body = await collect(decoded, limitBytes, 'decompressed');
      },
    );
  } catch (error) {
    if (isZlibError(error)) throw new CorruptBodyError(coding, error.message);
    throw error;
  }
  return body;
}

function refuseDeclaredLength(
  req: http.IncomingMessage,
  limitBytes: number,
  measure: BodyMeasure,
): void {
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (declared > limitBytes) throw new PayloadTooLargeError(limitBytes, measure);
}

async function* countEncoded(source: AsyncIterable<Buffer>, limitBytes: number) {
  let size = 0;
  for await (const chunk of source) {
    size += chunk.length;
    if (size > limitBytes) throw new PayloadTooLargeError(limitBytes, 'compressed');
    yield chunk;
  }
}

async function collect(
  source: AsyncIterable<Buffer>,
  limitBytes: number,
  measure: BodyMeasure,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of source) {
    size += chunk.length;
    if (size > limitBytes) throw new PayloadTooLargeError(limitBytes, measure);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** zlib's own failures (Z_DATA_ERROR, Z_BUF_ERROR for a truncated stream …). */
function isZlibError(error: unknown): error is Error & { code: string } {
  return (
    error instanceof Error &&
    'code' in error &&
    typeof error.code === 'string' &&
    error.code.startsWith('Z_')
  );
}
