import Bowser from 'bowser';
import type { Device, DeviceType } from '../schema/profile.ts';
import { LruCache } from './lru-cache.ts';

const PLATFORM_TYPES: Record<string, DeviceType> = {
  mobile: 'mobile',
  tablet: 'tablet',
  desktop: 'desktop',
  bot: 'bot',
};

/** Distinct user agents are few compared to events: parsing each once saves most of the work. */
const cache = new LruCache<string, Device>(10_000);

/** The device class, OS and browser of a user agent (bowser, MIT), cached by user agent. */
export function parseDevice(userAgent: string): Device {
  const cached = cache.get(userAgent);
  if (cached) return cached;
  const parsed = Bowser.parse(userAgent);
  const device: Device = {
    type: PLATFORM_TYPES[parsed.platform.type ?? ''] ?? 'unknown',
    os: parsed.os.name || null,
    browser: parsed.browser.name || null,
  };
  cache.set(userAgent, device);
  return device;
}
