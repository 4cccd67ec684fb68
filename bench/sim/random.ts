/** Seeded pseudo-random numbers (mulberry32), so a run is reproducible from its seed. */
export type Random = () => number;

/** Uniform in [0, 1) from a 32-bit seed (mulberry32, shared with the tests). */
export { seededRandom as createRandom } from '../../test/support/seeded-random.js';

/** Standard normal deviate (Box-Muller). */
export function normal(random: Random): number {
  const u = Math.max(random(), Number.MIN_VALUE);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Exponential deviate with the given mean. */
export function exponential(random: Random, mean: number): number {
  return -Math.log(1 - random()) * mean;
}

/** Uniform in [lo, hi). */
export function uniform(random: Random, lo: number, hi: number): number {
  return lo + (hi - lo) * random();
}
