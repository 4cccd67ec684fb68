import { describe, expect, it } from 'vitest';
import { applyProcessSettings, SERVER_V8_FLAGS } from '../../src/process-settings.js';

describe('applyProcessSettings', () => {
  it('sets the shipped flags when the operator gave none of them', () => {
    expect(applyProcessSettings(SERVER_V8_FLAGS, ['--import', 'tsx'])).toEqual([
      ...SERVER_V8_FLAGS,
    ]);
  });

  it('leaves a flag the operator gave (command line or NODE_OPTIONS, any spelling) to theirs', () => {
    const flags = ['--heap-growing-percent=30', '--compact-on-every-full-gc'];
    expect(applyProcessSettings(flags, ['--heap-growing-percent=50'])).toEqual([
      '--compact-on-every-full-gc',
    ]);
    expect(
      applyProcessSettings(flags, ['--heap_growing_percent=0', '--no-compact-on-every-full-gc']),
    ).toEqual([]);
    expect(applyProcessSettings(flags, ['--max-semi-space-size=2'])).toEqual(flags);
  });
});
