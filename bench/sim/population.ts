import { exponential, normal, uniform, type Random } from './random.js';
import type { ViewerProfile } from './viewer.js';

/** How viewers' access links are drawn. */
export interface PopulationConfig {
  /** Mean upload capacity, in multiples of the bitrate. */
  uploadMean: number;
  /** Log-space standard deviation of the (lognormal) upload capacity. */
  uploadSigma: number;
  /** Upload capacities are clipped to [uploadMin, uploadMax] x bitrate (mean kept by rescaling). */
  uploadMin: number;
  uploadMax: number;
  /** Download capacity, multiples of the bitrate. */
  download: number;
  /** One-way access latency is uniform in this range, ms (a link is the sum of two). */
  latencyMs: [number, number];
  /** Round trip to the CDN edge = 2 x access latency + this, ms. */
  cdnExtraRttMs: number;
}

/**
 * Draws viewer profiles: upload lognormal with the given mean (a heavy tail of good uplinks,
 * a third of viewers under half the bitrate at the default sigma 0.8), fixed download,
 * uniform access latency. `rate` is the bitrate in bytes/ms.
 */
export function createPopulation(
  config: PopulationConfig,
  rate: number,
  random: Random,
): () => ViewerProfile {
  const { uploadSigma: sigma, uploadMin, uploadMax } = config;
  // Rescale so the mean after clipping is the configured one (estimated once by sampling).
  const draw = (): number => Math.exp(sigma * normal(random) - (sigma * sigma) / 2);
  const clip = (x: number, scale: number): number =>
    Math.min(uploadMax, Math.max(uploadMin, x * scale));
  const probe = createProbe(draw, 20000);
  let scale = config.uploadMean;
  for (let i = 0; i < 20; i++) {
    const mean = probe.reduce((a, x) => a + clip(x, scale), 0) / probe.length;
    scale *= config.uploadMean / mean;
  }
  return () => {
    const latencyMs = uniform(random, config.latencyMs[0], config.latencyMs[1]);
    return {
      up: clip(draw(), scale) * rate,
      down: config.download * rate,
      latencyMs,
      cdnRttMs: 2 * latencyMs + config.cdnExtraRttMs,
    };
  };
}

function createProbe(draw: () => number, n: number): number[] {
  return Array.from({ length: n }, draw);
}

/** Time to the next event of a Poisson process of `perMinute` events per minute, ms. */
export function nextArrivalMs(random: Random, perMinute: number): number {
  return perMinute > 0 ? exponential(random, 60_000 / perMinute) : Infinity;
}
