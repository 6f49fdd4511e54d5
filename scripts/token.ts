// `npm run -s token -- [--scopes profiles:read,activities:read] [--subject me] [--expires 24h]`
// prints a development bearer token for the gateway on stdout (all scopes by default).
import { parseArgs } from 'node:util';
import { SCOPES } from '../gateway/auth/identity.ts';
import { ADMIN_TOKEN, mintDevToken } from './dev-auth.ts';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };

/** `90`, `30m`, `24h` or `7d` as seconds. */
function seconds(value: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(value.trim());
  if (match === null)
    throw new Error(`--expires: expected e.g. 3600, 30m, 24h or 7d, got "${value}"`);
  return Number(match[1]) * (UNITS[match[2] || 's'] ?? 1);
}

try {
  const { values } = parseArgs({
    options: {
      scopes: { type: 'string', default: SCOPES.join(',') },
      subject: { type: 'string', default: ADMIN_TOKEN.subject },
      expires: { type: 'string', default: '24h' },
    },
  });
  const token = await mintDevToken({
    subject: values.subject,
    scopes: values.scopes
      .split(',')
      .map((scope) => scope.trim())
      .filter((scope) => scope !== ''),
    expiresInSeconds: seconds(values.expires),
  });
  process.stdout.write(`${token}\n`);
} catch (error) {
  process.stderr.write(`npm run token: ${(error as Error).message}\n`);
  process.exit(1);
}
