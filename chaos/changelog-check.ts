// The changelog after the faults: its latest snapshot of every profile must be the version Redis
// holds. A kill between the Redis write and the changelog send leaves it behind unless the
// redelivered round sends the snapshots again (processor.ts sends every touched profile).
import type { Namespace } from '../test/support/namespace.ts';
import { readTopic } from '../test/support/kafka.ts';
import { sandboxProfiles } from '../test/support/profiles.ts';

const READ_TIMEOUT_MS = 60_000;

/** Profiles whose latest changelog snapshot is not the version in Redis (0 when all agree). */
export async function changelogBehind(
  namespace: Namespace,
  ids: readonly string[],
): Promise<number> {
  const profiles = sandboxProfiles(namespace);
  try {
    const stored = await profiles.store.readMany(ids);
    const want = new Map(ids.map((id, index) => [id, stored[index]?.profile.version ?? 0]));
    const latest = new Map<string, number>();
    const behind = () => [...want].filter(([id, version]) => latest.get(id) !== version).length;
    await readTopic(
      namespace,
      namespace.topics.changelog,
      (messages) => {
        for (const message of messages.splice(0)) {
          const id = message.key?.toString() ?? '';
          if (!want.has(id) || message.value === null) continue;
          const snapshot = JSON.parse(message.value.toString()) as {
            profile?: { version?: number };
          };
          latest.set(id, snapshot.profile?.version ?? 0);
        }
        return behind() === 0;
      },
      READ_TIMEOUT_MS,
    ).catch(() => undefined); // the count below is the finding
    return behind();
  } finally {
    profiles.close();
  }
}
