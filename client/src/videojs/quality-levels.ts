import Hls, { type LevelSwitchedData, type ManifestParsedData } from 'hls.js';
import { renditionNames } from '../hls/hls-binding.js';
import type { QualityLevelListLike } from './videojs-types.js';

/**
 * Mirrors hls.js's levels into video.js's `player.qualityLevels()`: one quality level per
 * rendition (id = rendition name, e.g. `360p`), `change` events on level switches, and
 * enabling/disabling levels steers hls.js's ABR (one level enabled pins it; several cap it
 * at the highest enabled; all enabled is plain ABR).
 */
export class QualityLevelsBridge {
  private levels: unknown[] = [];
  private enabled: boolean[] = [];
  private destroyed = false;

  constructor(
    private readonly hls: Hls,
    private readonly list: QualityLevelListLike,
  ) {
    hls.on(Hls.Events.MANIFEST_PARSED, this.onManifest);
    hls.on(Hls.Events.LEVEL_SWITCHED, this.onSwitched);
  }

  private readonly onManifest = (_e: string, data: ManifestParsedData): void => {
    this.clear();
    const names = renditionNames(data.levels);
    this.enabled = data.levels.map(() => true);
    data.levels.forEach((level, i) => {
      const added = this.list.addQualityLevel({
        id: names[i] ?? `level${i}`,
        width: level.width,
        height: level.height,
        bandwidth: level.bitrate,
        enabled: (enable?: boolean) => {
          if (enable !== undefined && enable !== this.enabled[i] && !this.destroyed) {
            this.enabled[i] = enable;
            this.apply();
          }
          return this.enabled[i] ?? false;
        },
      });
      this.levels.push(added);
    });
  };

  private readonly onSwitched = (_e: string, data: LevelSwitchedData): void => {
    this.list.selectedIndex_ = data.level;
    this.list.trigger({ type: 'change', selectedIndex: data.level });
  };

  private apply(): void {
    const on = this.enabled.flatMap((e, i) => (e ? [i] : []));
    if (on.length === 1 && on[0] !== undefined) {
      this.hls.autoLevelCapping = -1;
      this.hls.nextLevel = on[0];
      return;
    }
    const all = on.length === 0 || on.length === this.enabled.length;
    this.hls.autoLevelCapping = all ? -1 : Math.max(...on);
    this.hls.nextLevel = -1;
  }

  private clear(): void {
    for (const level of this.levels) this.list.removeQualityLevel(level);
    this.levels = [];
    this.enabled = [];
  }

  /** Removes the levels it added and its hls.js listeners; idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.hls.off(Hls.Events.MANIFEST_PARSED, this.onManifest);
    this.hls.off(Hls.Events.LEVEL_SWITCHED, this.onSwitched);
    this.clear();
    this.list.selectedIndex_ = -1;
  }
}
