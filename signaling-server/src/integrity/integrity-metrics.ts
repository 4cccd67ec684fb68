import { Counter, Gauge, type Registry } from 'prom-client';
import type { IntegrityService } from './integrity-service.js';

/**
 * Adds the integrity figures to a server's Prometheus registry, read at scrape time: what
 * the watchers fetched and hashed (the server's cost), the renditions watched, the peer
 * reports and the peers excluded now.
 */
export function registerIntegrityMetrics(
  registry: Registry,
  integrity: Pick<IntegrityService, 'counters' | 'watchedSwarms' | 'reports'>,
): void {
  const registers = [registry];
  const total = (name: string, help: string, value: () => number): void => {
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(value());
      },
    });
  };
  total(
    'meshcast_integrity_segments_hashed_total',
    'Segments the server fetched and hashed',
    () => integrity.counters().segmentFetches,
  );
  total(
    'meshcast_integrity_fetched_bytes_total',
    'Segment bytes the server fetched to hash them',
    () => integrity.counters().segmentBytes,
  );
  total(
    'meshcast_integrity_peer_reports_total',
    'Reports of peers that sent corrupt segments',
    () => integrity.reports.total,
  );
  new Gauge({
    name: 'meshcast_integrity_watched_renditions',
    help: 'Renditions whose playlists the server watches now',
    registers,
    collect() {
      this.set(integrity.watchedSwarms().length);
    },
  });
  new Gauge({
    name: 'meshcast_integrity_excluded_peers',
    help: 'Peers not offered as neighbours now (reported by enough viewers)',
    registers,
    collect() {
      this.set(integrity.reports.excludedCount());
    },
  });
}
