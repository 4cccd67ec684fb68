import { describe, expect, it } from 'vitest';
import { DEMO_CHANNEL } from '../../../src/channels/channel.js';
import { MemoryChannelRegistry } from '../../../src/channels/channel-registry.js';
import { ChannelCache } from '../../../src/signaling/channel-cache.js';

/** A registry that counts its lookups. */
function counted(registry: MemoryChannelRegistry): {
  lookups: () => number;
  source: Pick<MemoryChannelRegistry, 'get' | 'watch'>;
} {
  let n = 0;
  return {
    lookups: () => n,
    source: {
      get: (id) => {
        n++;
        return registry.get(id);
      },
      watch: (listener) => registry.watch(listener),
    },
  };
}

describe('ChannelCache', () => {
  it('asks the registry once per channel until the channel changes', async () => {
    const registry = new MemoryChannelRegistry([DEMO_CHANNEL]);
    const { lookups, source } = counted(registry);
    const cache = new ChannelCache(source);
    expect(await cache.get('demo')).toMatchObject({ enabled: true });
    expect(await cache.get('demo')).toMatchObject({ enabled: true });
    expect(await cache.get('nope')).toBeUndefined();
    expect(await cache.get('nope')).toBeUndefined();
    expect(lookups()).toBe(2);

    await registry.update('demo', { enabled: false });
    expect(await cache.get('demo')).toMatchObject({ enabled: false });
    await registry.create({ ...DEMO_CHANNEL, id: 'nope' });
    expect(await cache.get('nope')).toMatchObject({ id: 'nope' });
    await registry.delete('demo');
    expect(await cache.get('demo')).toBeUndefined();
    expect(lookups()).toBe(5);

    cache.destroy();
    cache.destroy();
    await registry.update('nope', { name: 'after destroy' });
    expect(lookups()).toBe(5);
  });

  it('remembers a bounded number of channels and never a failed lookup', async () => {
    let n = 0;
    let fail = true;
    const cache = new ChannelCache(
      {
        get: (id) => {
          n++;
          if (fail && id === 'flaky') return Promise.reject(new Error('store down'));
          return Promise.resolve(undefined);
        },
        watch: () => () => undefined,
      },
      2,
    );
    await expect(cache.get('flaky')).rejects.toThrow('store down');
    fail = false;
    expect(await cache.get('flaky')).toBeUndefined();
    expect(n).toBe(2);
    await cache.get('a');
    await cache.get('b'); // evicts 'flaky', the oldest
    await cache.get('flaky');
    expect(n).toBe(5);
    expect(
      () => new ChannelCache({ get: cache.get.bind(cache), watch: () => () => undefined }, 0),
    ).toThrow(RangeError);
  });
});
