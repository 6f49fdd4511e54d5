import RequestQueue from 'kafkajs/src/network/requestQueue/index.js';

/** The kafkajs release whose request queue this replaces a method of (its last, 2.2.4). */
export const FIXED_KAFKAJS_VERSION = '2.2.4';

/** How soon a request held back by the in-flight limit is looked at again (kafkajs' own 10 ms). */
const PENDING_RECHECK_MS = 10;

/**
 * kafkajs 2.2.4 re-arms a timer on every broker connection after each check of its pending
 * requests, even when nothing is pending and the broker throttles nothing: every connection
 * then runs a callback about every millisecond for as long as it is open (tulios/kafkajs#1556,
 * #1704; unreleased upstream). Each PulseHub process holds several connections, so on a 2-core
 * machine the loops alone cost a few percent of a core per process, idle or busy.
 *
 * This replacement arms the timer only when a check has something to wait for: requests held
 * back by a throttle (checked when it ends) or by the in-flight limit (checked again shortly,
 * as before, though a response also checks at once). With nothing pending and no throttle
 * there is nothing to check: the next request is sent on push, and every response checks
 * the queue itself.
 */
function scheduleCheckPendingRequests(this: RequestQueue): void {
  if (this.throttleCheckTimeoutId !== null) return;
  const untilUnthrottled = this.throttledUntil - Date.now();
  if (this.pending.length === 0 && untilUnthrottled <= 0) return;
  const delay = untilUnthrottled > 0 ? untilUnthrottled : PENDING_RECHECK_MS;
  this.throttleCheckTimeoutId = setTimeout(() => {
    this.throttleCheckTimeoutId = null;
    this.checkPendingRequests();
  }, delay);
}

if (typeof RequestQueue.prototype.scheduleCheckPendingRequests !== 'function')
  throw new Error('kafkajs internals changed: review lib/kafka/request-queue-fix.ts');
RequestQueue.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
