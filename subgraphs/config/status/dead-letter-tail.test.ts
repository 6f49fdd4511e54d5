import { describe, expect, it } from 'vitest';
import { DEAD_LETTER_HEADERS } from '../../../lib/kafka/dead-letter.ts';
import { createLatestLetters, decodeDeadLetter } from './dead-letter-tail.ts';

describe('dead letters in the status', () => {
  it('decode their reason and source from the headers, at the time they were written', () => {
    const letter = decodeDeadLetter({
      timestamp: String(Date.parse('2026-12-01T10:00:00.000Z')),
      headers: {
        [DEAD_LETTER_HEADERS.reason]: Buffer.from('invalid event: userId: required'),
        [DEAD_LETTER_HEADERS.sourceTopic]: Buffer.from('user-activity-events'),
        [DEAD_LETTER_HEADERS.sourcePartition]: Buffer.from('4'),
        [DEAD_LETTER_HEADERS.sourceOffset]: Buffer.from('1234'),
      },
    });
    expect(letter).toEqual({
      reason: 'invalid event: userId: required',
      at: new Date('2026-12-01T10:00:00.000Z'),
      topic: 'user-activity-events',
      partition: 4,
      offset: '1234',
    });
  });

  it('decode a letter without the headers as what is known of it', () => {
    expect(decodeDeadLetter({ timestamp: '0', headers: {} })).toEqual({
      reason: 'unknown',
      at: new Date(0),
      topic: null,
      partition: null,
      offset: null,
    });
  });

  it('keep the newest ones, newest first, each offset once', () => {
    const latest = createLatestLetters(3);
    const letter = (ms: number) => decodeDeadLetter({ timestamp: String(ms), headers: {} });
    for (let offset = 0; offset < 5; offset++)
      latest.add(0, String(offset), letter(1_000 + offset));
    latest.add(0, '4', letter(1_004));
    expect(latest.latest().map((l) => l.at.getTime())).toEqual([1_004, 1_003, 1_002]);
  });
});
