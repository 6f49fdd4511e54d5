import { storedDocument, type StoredProfile } from '../schema/profile.ts';
import { applyEvents, type EventPosition, type PositionedEvent } from './apply-event.ts';
import type { ProfileRules } from './rules.ts';

/** An event the processor could not apply, for the dead-letter topic. */
export interface SetAside {
  position: EventPosition;
  reason: string;
  kind: 'apply_failed' | 'document_too_large';
}

export interface GuardedApply {
  after: StoredProfile;
  /** `after`'s document (storedDocument): the text stored in Redis and sent to the changelog. */
  document: string;
  /** The events left out of `after`, in order. */
  setAside: SetAside[];
}

type Attempt =
  | { ok: true; after: StoredProfile; document: string }
  | { ok: false; reason: string; kind: SetAside['kind'] };

function attempt(
  before: StoredProfile,
  events: readonly PositionedEvent[],
  rules: ProfileRules,
): Attempt {
  let after: StoredProfile;
  try {
    after = applyEvents(before, events, rules);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, kind: 'apply_failed', reason: `event could not be applied: ${message}` };
  }
  const document = storedDocument(after);
  const { documentBytes } = rules.limits;
  // A UTF-16 unit takes at most 3 bytes in UTF-8: most documents need no measuring.
  if (document.length * 3 > documentBytes) {
    const bytes = Buffer.byteLength(document);
    // A profile already above a lowered bound may still take events that do not grow it.
    if (bytes > documentBytes && bytes > Buffer.byteLength(storedDocument(before)))
      return {
        ok: false,
        kind: 'document_too_large',
        reason: `the profile document would be ${bytes} bytes, above limits.documentBytes (${documentBytes})`,
      };
  }
  return { ok: true, after, document };
}

/**
 * `applyEvents` with the processor's last line of defence, so that no single event or profile
 * stops the consumer: if applying a profile's events throws, or makes its document larger than
 * `limits.documentBytes` (the bounds make that impossible under a validated configuration; this
 * guards against what they do not foresee), the events are applied one at a time and each one
 * that fails is set aside with the reason, for the dead-letter topic. Every other event applies
 * as it would have; the result is the same as applying the good events alone.
 */
export function applyGuarded(
  before: StoredProfile,
  events: readonly PositionedEvent[],
  rules: ProfileRules,
): GuardedApply {
  const whole = attempt(before, events, rules);
  if (whole.ok) return { after: whole.after, document: whole.document, setAside: [] };
  let after = before;
  let document: string | undefined;
  const setAside: SetAside[] = [];
  for (const event of events) {
    const one = attempt(after, [event], rules);
    if (one.ok) {
      after = one.after;
      document = one.document;
    } else setAside.push({ position: event.position, reason: one.reason, kind: one.kind });
  }
  return { after, document: document ?? storedDocument(after), setAside };
}
