import { AssignerProtocol, Kafka, logLevel } from 'kafkajs';
import { parseBrokers } from '../../lib/kafka/client.ts';
import type { Sandbox } from './isolation.ts';

export interface GroupMember {
  memberId: string;
  /** Partitions of each topic assigned to this member. */
  partitions: Record<string, number[]>;
}

/** A consumer group as the broker describes it: its state and each member's assignment. */
export async function describeGroup(
  sandbox: Sandbox,
  groupId: string,
): Promise<{ state: string; members: GroupMember[] }> {
  const admin = new Kafka({
    clientId: `${sandbox.id}-test-groups`,
    brokers: parseBrokers(sandbox.kafkaBrokers),
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    const group = groups[0];
    return {
      state: group?.state ?? 'Dead',
      members: (group?.members ?? []).map((member) => ({
        memberId: member.memberId,
        partitions:
          member.memberAssignment.length === 0
            ? {}
            : (AssignerProtocol.MemberAssignment.decode(member.memberAssignment)?.assignment ?? {}),
      })),
    };
  } finally {
    await admin.disconnect();
  }
}
