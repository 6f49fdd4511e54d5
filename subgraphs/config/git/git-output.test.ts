import { describe, expect, it } from 'vitest';
import {
  formatIdentity,
  formatMktree,
  parseCatFileBatch,
  parseLog,
  parseLsTree,
} from './git-output.ts';

describe('git output parsers', () => {
  it('reads cat-file --batch, skipping missing objects, binary-safe by size', () => {
    const output = Buffer.concat([
      Buffer.from('aaa blob 6\nab\ncd\n\n'),
      Buffer.from('c:missing.yml missing\n'),
      Buffer.from('bbb blob 0\n\n'),
    ]);
    const found = parseCatFileBatch(output, ['c:a.yml', 'c:missing.yml', 'c:empty.yml']);
    expect([...found.keys()]).toEqual(['c:a.yml', 'c:empty.yml']);
    expect(found.get('c:a.yml')?.toString()).toBe('ab\ncd\n');
    expect(found.get('c:empty.yml')?.toString()).toBe('');
  });

  it('reads a log with multi-line messages and the files of each commit', () => {
    const output =
      '\x1eabc\x1fAlice\x1falice@x\x1f2026-01-01T00:00:00+00:00\x1fSubject\n\nBody line\n\x1d\n\ngateway.yml\napplication.yml\n' +
      '\x1edef\x1fBob\x1f\x1f2026-01-02T00:00:00+00:00\x1fFirst\n\x1d\n\nprocessor.yml\n';
    expect(parseLog(output)).toEqual([
      {
        version: 'abc',
        authorName: 'Alice',
        authorEmail: 'alice@x',
        date: '2026-01-01T00:00:00+00:00',
        message: 'Subject\n\nBody line',
        files: ['gateway.yml', 'application.yml'],
      },
      {
        version: 'def',
        authorName: 'Bob',
        authorEmail: '',
        date: '2026-01-02T00:00:00+00:00',
        message: 'First',
        files: ['processor.yml'],
      },
    ]);
  });

  it('round-trips tree entries between ls-tree -z and mktree -z', () => {
    const text = '100644 blob 1111\tapplication.yml\x00100644 blob 2222\tgateway.yml\x00';
    const entries = parseLsTree(text);
    expect(entries[1]).toEqual({ mode: '100644', type: 'blob', oid: '2222', name: 'gateway.yml' });
    expect(formatMktree(entries)).toBe(text);
  });

  it('formats identities without the characters git reserves', () => {
    expect(formatIdentity({ name: 'Eve <evil>\n', email: 'e@x>' }, new Date(1_000_000))).toBe(
      'Eve evil <e@x> 1000 +0000',
    );
  });
});
