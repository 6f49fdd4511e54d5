/** Parsers of git plumbing output: pure, so they are tested without a repository. */

/**
 * The contents of `git cat-file --batch` for the requested objects, in request order:
 * `<oid> <type> <size>\n<bytes>\n` per object, or `<name> missing\n`. Missing objects are
 * left out of the map.
 */
export function parseCatFileBatch(
  output: Buffer,
  requested: readonly string[],
): Map<string, Buffer> {
  const found = new Map<string, Buffer>();
  let offset = 0;
  for (const name of requested) {
    const lineEnd = output.indexOf(0x0a, offset);
    if (lineEnd === -1) throw new Error(`cat-file output ended before ${name}`);
    const header = output.subarray(offset, lineEnd).toString('utf8');
    offset = lineEnd + 1;
    if (header.endsWith(' missing') || header.endsWith(' ambiguous')) continue;
    const size = Number(header.split(' ')[2]);
    if (!Number.isInteger(size)) throw new Error(`unexpected cat-file header: ${header}`);
    found.set(name, output.subarray(offset, offset + size));
    offset += size + 1; // the object's bytes, then a newline
  }
  return found;
}

/** One commit as `configHistory` shows it. */
export interface CommitInfo {
  version: string;
  authorName: string;
  authorEmail: string;
  date: string;
  message: string;
  files: string[];
}

/** The `--format` that parseLog reads: record, field and files separators git never prints. */
export const LOG_FORMAT = '--format=%x1e%H%x1f%an%x1f%ae%x1f%aI%x1f%B%x1d';

/** Parses `git log <LOG_FORMAT> --name-only`. */
export function parseLog(output: string): CommitInfo[] {
  return output
    .split('\x1e')
    .slice(1)
    .map((record) => {
      const [header = '', files = ''] = record.split('\x1d');
      const [version = '', authorName = '', authorEmail = '', date = '', message = ''] =
        header.split('\x1f');
      return {
        version,
        authorName,
        authorEmail,
        date,
        message: message.trim(),
        files: files
          .split('\n')
          .map((f) => f.trim())
          .filter((f) => f !== ''),
      };
    });
}

/** A tree entry of `git ls-tree -z`: `<mode> <type> <oid>\t<name>`. */
export interface TreeEntry {
  mode: string;
  type: string;
  oid: string;
  name: string;
}

export function parseLsTree(output: string): TreeEntry[] {
  return output
    .split('\0')
    .filter((line) => line !== '')
    .map((line) => {
      const tab = line.indexOf('\t');
      const [mode = '', type = '', oid = ''] = line.slice(0, tab).split(' ');
      return { mode, type, oid, name: line.slice(tab + 1) };
    });
}

/** The NUL-terminated input `git mktree -z` reads. */
export function formatMktree(entries: readonly TreeEntry[]): string {
  return entries.map((e) => `${e.mode} ${e.type} ${e.oid}\t${e.name}\0`).join('');
}

export interface GitIdentity {
  name: string;
  email: string;
}

/** `Name <email> <seconds> +0000` with the characters git would choke on removed. */
export function formatIdentity(identity: GitIdentity, at: Date): string {
  const clean = (text: string) => text.replace(/[<>\n\r\0]/g, '').trim();
  return `${clean(identity.name) || 'unknown'} <${clean(identity.email)}> ${Math.floor(at.getTime() / 1000)} +0000`;
}
