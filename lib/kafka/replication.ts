// How many copies of a topic the cluster keeps, and how many must hold a write before the
// producer (acks=all) hears it succeeded.

export interface Replication {
  replicationFactor: number;
  /** Topic settings that go with the factor (min.insync.replicas), added to the topic's own. */
  configEntries: Array<{ name: string; value: string }>;
}

/**
 * Three copies when the cluster has at least three brokers (fewer when it has fewer: a single
 * local broker keeps one). With three, a write must reach two of them: an acknowledged record
 * survives the loss of any one broker, and the topic keeps taking writes while one broker is
 * down; with only one in sync left the broker refuses writes (NOT_ENOUGH_REPLICAS) rather than
 * acknowledging a record that a single failure could still lose. Below three copies, requiring
 * two would stop all writes whenever one broker restarts, so the broker default (1) stays.
 */
export function replicationFor(brokers: number): Replication {
  if (!Number.isInteger(brokers) || brokers < 1)
    throw new Error(`a Kafka cluster has at least one broker, not ${brokers}`);
  const replicationFactor = Math.min(3, brokers);
  return {
    replicationFactor,
    configEntries:
      replicationFactor >= 3 ? [{ name: 'min.insync.replicas', value: String(2) }] : [],
  };
}
