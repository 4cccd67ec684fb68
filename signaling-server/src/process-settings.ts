import { setFlagsFromString } from 'node:v8';

/**
 * V8 flags the server process runs with, set by {@link applyProcessSettings} when it starts,
 * so they hold however it is launched (`npm start`, `npm run serve`, the Docker image) and
 * the benchmark runs the server with the same ones. Measured with `npm run bench:signaling`
 * (bench/signaling/README.md, "Process settings").
 *
 * `--heap-growing-percent=50`: after each full GC, V8 lets the old generation grow to 1.5×
 * what survived before the next one, instead of up to 4× when the GC looks cheap. Held
 * connections are long-lived and the message churn short-lived: the old generation is what
 * the connections hold plus what the churn promoted, and the default limit let that garbage
 * double the footprint before collecting it (10k peers under load: peak RSS ~475 → ~295
 * MB, CPU per relayed message within noise; 30 saved more but cost ~20 % CPU per message).
 */
export const SERVER_V8_FLAGS: readonly string[] = ['--heap-growing-percent=50'];

/** The name of a `--flag=value` / `--flag value` / `--no-flag` option, underscores as dashes. */
function flagName(flag: string): string {
  return flag
    .replace(/=.*$/s, '')
    .replace(/^--(no-)?/, '')
    .replaceAll('_', '-');
}

/**
 * Sets `flags` (default {@link SERVER_V8_FLAGS}) in this process's V8, except those the
 * operator already gave on the command line or in `NODE_OPTIONS`: theirs win. Call once,
 * before the server starts. Returns the flags it set.
 */
export function applyProcessSettings(
  flags: readonly string[] = SERVER_V8_FLAGS,
  given: readonly string[] = [
    ...process.execArgv,
    ...(process.env.NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean),
  ],
): string[] {
  const taken = new Set(given.filter((arg) => arg.startsWith('--')).map(flagName));
  const set = flags.filter((flag) => !taken.has(flagName(flag)));
  for (const flag of set) setFlagsFromString(flag);
  return set;
}
