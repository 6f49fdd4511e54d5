import Bowser from 'bowser';
import type { Device, DeviceType } from '../schema/profile.ts';
import { MAX_DEVICE_NAME_LENGTH } from './limits.ts';
import { LruCache } from './lru-cache.ts';

const PLATFORM_TYPES: Record<string, DeviceType> = {
  mobile: 'mobile',
  tablet: 'tablet',
  desktop: 'desktop',
  bot: 'bot',
};

/** Distinct user agents are few compared to events: parsing each once saves most of the work. */
const cache = new LruCache<string, Device>(10_000);

/** A name bowser found, cut to a bounded length: for unknown agents it echoes their text. */
function nameOf(name: string | undefined): string | null {
  return name ? name.slice(0, MAX_DEVICE_NAME_LENGTH) : null;
}

/** The device class, OS and browser of a user agent (bowser, MIT), cached by user agent. */
export function parseDevice(userAgent: string): Device {
  const cached = cache.get(userAgent);
  if (cached) return cached;
  const parsed = Bowser.parse(userAgent);
  const device: Device = {
    type: PLATFORM_TYPES[parsed.platform.type ?? ''] ?? 'unknown',
    os: nameOf(parsed.os.name),
    browser: nameOf(parsed.browser.name),
  };
  cache.set(userAgent, device);
  return device;
}
