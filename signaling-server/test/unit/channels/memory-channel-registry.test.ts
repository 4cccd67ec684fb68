import { MemoryChannelRegistry } from '../../../src/channels/channel-registry.js';
import { describeChannelRegistry } from '../../channel-registry-contract.js';

describeChannelRegistry('memory', (seed) => Promise.resolve(new MemoryChannelRegistry(seed)));
