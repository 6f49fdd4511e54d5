import { z } from 'zod';

/**
 * The bounds of everything in a stored profile that grows with input (processor.yml
 * `limits`). They are part of the ProfileRules, so the processor and a rebuild from the archive
 * refuse and evict exactly the same things. The policy at each bound is in docs/profiles.md
 * "Bounds".
 */
export interface ProfileLimits {
  /** Trait keys a profile remembers: its traits plus the removed keys whose time it keeps. */
  traitKeys: number;
  /** JSON bytes of every remembered trait key plus the values of the traits it holds. */
  traitBytes: number;
  /** Distinct event names with a counter in `eventCounts`. */
  eventNames: number;
  /** JSON bytes of those names. */
  eventNameBytes: number;
  /** Anonymous ids kept (the most recently added). */
  anonymousIds: number;
  /** Sessions remembered to place out-of-order events. */
  sessions: number;
  /** Recent messageIds remembered to drop duplicates. */
  messageIdWindow: number;
  /** The stored document (JSON, UTF-8): the Redis value and the changelog record. */
  documentBytes: number;
}

/** Kafka's default broker `message.max.bytes` (1 MiB), which every changelog record must fit. */
export const BROKER_MESSAGE_BYTES = 1_048_576; // 1 MiB
/**
 * The largest documentBytes the configuration accepts: half the broker limit leaves room for
 * the record's key, headers and batch framing, and for a broker configured a little lower.
 */
export const MAX_DOCUMENT_BYTES = BROKER_MESSAGE_BYTES / 2; // 512 KiB

export const limitsSchema = z
  .object({
    traitKeys: z.number().int().min(1).max(10_000).default(200),
    traitBytes: z.number().int().min(1_024).default(49_152), // 48 KiB
    eventNames: z.number().int().min(1).max(10_000).default(300),
    eventNameBytes: z.number().int().min(1_024).default(16_384), // 16 KiB
    anonymousIds: z.number().int().min(1).max(10_000).default(50),
    sessions: z.number().int().min(1).max(1_000).default(20),
    messageIdWindow: z.number().int().min(1).max(100_000).default(1_000),
    documentBytes: z.number().int().min(16_384).max(MAX_DOCUMENT_BYTES).default(393_216), // 384 KiB
  })
  // An installation whose processor.yml predates `limits` gets every default.
  .prefault({});

/** Bytes of a value as JSON in UTF-8, as it is stored. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '');
}

/**
 * The worst-case JSON bytes of what a client can put in one string field that ingest caps at
 * 200 characters (ids, event names): every UTF-16 unit escaped as `\uXXXX`, plus the quotes.
 */
export const MAX_ID_JSON_BYTES = 200 * 6 + 2;
/** Longest device os or browser name kept (characters); bowser can echo a user agent's text. */
export const MAX_DEVICE_NAME_LENGTH = 100;
/** Partitions of the events topic whose watermarks the worst case makes room for. */
const WATERMARK_PARTITIONS = 1_000;

/**
 * What the document holds besides the bounded collections, at worst: id and userId, the device,
 * the field names, four times, the counters, the refusal counters and the watermarks (up to
 * WATERMARK_PARTITIONS partitions of `"999":9007199254740991,`).
 */
const FIXED_BYTES =
  2 * MAX_ID_JSON_BYTES +
  2 * (MAX_DEVICE_NAME_LENGTH * 6 + 2) +
  1_024 + // field names, times, counters, device type, refusal counters
  WATERMARK_PARTITIONS * 24;

/**
 * An upper bound of the serialised stored profile under `limits` and the identity policy's
 * `maxIdentifiers` (see limits.test.ts).
 */
export function worstCaseDocumentBytes(
  limits: Omit<ProfileLimits, 'documentBytes'>,
  segmentNames: readonly string[],
  maxIdentifiers: number,
): number {
  // traits: key:value, per key; traitTimes: key:"<24-char time>", per key (removed ones too).
  const traits = 2 * limits.traitBytes + limits.traitKeys * (2 + 28);
  // name:<counter up to 16 digits>,
  const eventCounts = limits.eventNameBytes + limits.eventNames * 18;
  const anonymousIds = limits.anonymousIds * (MAX_ID_JSON_BYTES + 1);
  // [<epoch ms, up to 15 characters>,<same>],
  const sessions = limits.sessions * 34;
  const segments = segmentNames.reduce((sum, name) => sum + jsonBytes(name) + 1, 0);
  // identifiers and mergedFrom: "<id>", each; identityWatermarks: "<id>":{"999":<offset>},
  // each (an identifier's events are keyed by it, so they come from one partition).
  const identity = maxIdentifiers * (2 * (MAX_ID_JSON_BYTES + 1) + MAX_ID_JSON_BYTES + 32);
  return FIXED_BYTES + traits + eventCounts + anonymousIds + sessions + segments + identity;
}
