import { fullBucket, takeTokens, type Bucket, type BucketShape } from '../../lib/token-bucket.ts';
import type { SubscriptionLimits } from './settings.ts';

export type AddressLimits = Pick<
  SubscriptionLimits,
  'maxConnectionsPerAddress' | 'connectionsPerAddressPerSecond' | 'connectionBurstPerAddress'
>;

/** Why a connection was refused: the label of `pulsehub_subscription_rejected_total`. */
export type AddressRefusalCode = 'TOO_MANY_CONNECTIONS_PER_ADDRESS' | 'CONNECTION_RATE_LIMITED';

export type AddressAdmission =
  /** Admitted: `release` (idempotent) gives the open-connection slot back once it closes. */
  | { ok: true; release(): void }
  | { ok: false; code: AddressRefusalCode; message: string; retryAfterSeconds: number };

export interface AddressLimiter {
  /** Admits one new connection from `address`, or says why not and when to retry. */
  admit(address: string): AddressAdmission;
  /** Addresses with state held: those with open connections, and rate buckets not yet full. */
  trackedAddresses(): number;
}

export interface AddressLimiterOptions {
  /** The limits in force; a function so a live config change applies to the next connection. */
  limits(): AddressLimits;
  /** Milliseconds on a monotonic clock; default `performance.now()`. Tests inject their own. */
  now?(): number;
  /**
   * The most rate buckets held; past it the least recently used is forgotten (that address
   * starts again with a full burst). A guard for a flood from very many addresses only: idle
   * buckets are forgotten long before. Default 100,000 (some 10 MB).
   */
  maxBuckets?: number;
}

/**
 * A refused address must wait for one of its connections to close, which no one can predict;
 * clients back off on top of this.
 */
const OPEN_CAP_RETRY_AFTER_SECONDS = 5;

/**
 * Per-client-address connection limits of the graphql-ws endpoint: at most
 * `maxConnectionsPerAddress` open at once, and new connections through a token bucket
 * (`connectionsPerAddressPerSecond`, `connectionBurstPerAddress`).
 *
 * Memory is bounded: an address's open count exists only while it is above zero (so at most
 * one entry per open socket), and rate buckets are kept in least-recently-used order, each
 * forgotten once it has been idle long enough to be full again (a forgotten bucket and a full
 * one admit alike), and past `maxBuckets` the oldest regardless.
 */
export function createAddressLimiter(options: AddressLimiterOptions): AddressLimiter {
  const now = options.now ?? (() => performance.now());
  const maxBuckets = options.maxBuckets ?? 100_000;
  const openByAddress = new Map<string, number>();
  // Insertion order is last-use order: an admitted or refused address is moved to the end.
  const buckets = new Map<string, Bucket>();

  /** Drops the buckets idle for the time a bucket needs to refill from empty, oldest first. */
  function forgetIdle(shape: BucketShape, nowMs: number): void {
    const refillMs = (shape.burst / shape.perSecond) * 1_000;
    for (const [address, bucket] of buckets) {
      if (nowMs - bucket.updatedAtMs < refillMs && buckets.size < maxBuckets) break;
      buckets.delete(address);
    }
  }

  function release(address: string): void {
    const open = (openByAddress.get(address) ?? 0) - 1;
    if (open > 0) openByAddress.set(address, open);
    else openByAddress.delete(address);
  }

  return {
    admit(address) {
      const limits = options.limits();
      const shape: BucketShape = {
        perSecond: limits.connectionsPerAddressPerSecond,
        burst: limits.connectionBurstPerAddress,
      };
      const nowMs = now();
      forgetIdle(shape, nowMs);
      const open = openByAddress.get(address) ?? 0;
      if (open >= limits.maxConnectionsPerAddress)
        return {
          ok: false,
          code: 'TOO_MANY_CONNECTIONS_PER_ADDRESS',
          message: `at most ${limits.maxConnectionsPerAddress} open connections per client address`,
          retryAfterSeconds: OPEN_CAP_RETRY_AFTER_SECONDS,
        };
      const bucket = buckets.get(address) ?? fullBucket(shape, nowMs);
      buckets.delete(address);
      buckets.set(address, bucket);
      const admission = takeTokens(bucket, shape, 1, nowMs);
      if (!admission.ok)
        return {
          ok: false,
          code: 'CONNECTION_RATE_LIMITED',
          message: `at most ${limits.connectionsPerAddressPerSecond} new connections per second per client address (burst ${limits.connectionBurstPerAddress})`,
          retryAfterSeconds: admission.retryAfterSeconds,
        };
      openByAddress.set(address, open + 1);
      let released = false;
      return {
        ok: true,
        release: () => {
          if (released) return;
          released = true;
          release(address);
        },
      };
    },
    trackedAddresses: () => new Set([...openByAddress.keys(), ...buckets.keys()]).size,
  };
}
