// The Kafka topics PulseHub runs on, as configured (`topics.*` in config/application.yml, or
// environment overrides such as TOPICS_EVENTS): the one source `npm start`, the test sandboxes
// and the benchmarks take names and partitions from, so a renamed topic is created and used.
import { z } from 'zod';
import { validateConfig } from '../../config/client/load.ts';
import { sharedSettings } from '../../config/client/shared-schema.ts';
import { SHARED_APPLICATION } from '../../config/client/sources.ts';
import { topicSpecs, type TopicNames, type TopicSpec } from '../../schema/topics.ts';
import { settingsTree, type LoadSettingsOptions } from './service-settings.ts';

export interface TopicSettings {
  names: TopicNames;
  /** Partitions of the events and changelog topics when created. */
  partitions: number;
}

const topicsSchema = z.object({ topics: sharedSettings.topics });

/** The configured topic names and partition count, resolved as every service resolves them. */
export async function loadTopicSettings(options: LoadSettingsOptions): Promise<TopicSettings> {
  const tree = await settingsTree(SHARED_APPLICATION, options);
  const { partitions, ...names } = validateConfig(SHARED_APPLICATION, topicsSchema, tree).topics;
  return { names, partitions };
}

/** The configured topics as they are created (schema/topics.ts topicSpecs). */
export function specsOf(settings: TopicSettings): TopicSpec[] {
  return topicSpecs(settings.names, settings.partitions);
}
