import { fileURLToPath } from 'node:url';

/** The repository root, against which relative paths in the gateway's settings resolve. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
