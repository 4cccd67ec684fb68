import { concatBytes } from './bytes.js';

/** Settings of a {@link CdnLoader}. */
export interface CdnLoaderConfig {
  /**
   * Longest time one attempt may take, from the request to the last body byte; then it is
   * aborted and counts as a `timeout` (which is retried).
   * @default 10000
   */
  timeoutMs: number;
  /**
   * Extra attempts after a network error, a 5xx answer or a timeout (never after a 4xx or an
   * abort by the caller).
   * @default 2
   */
  retries: number;
  /**
   * Base of the exponential backoff between attempts: attempt n waits
   * `retryDelayMs * 2^(n-1)`, times a jitter factor in [0.5, 1.5).
   * @default 500
   */
  retryDelayMs: number;
}

export const DEFAULT_CDN_LOADER_CONFIG: Readonly<CdnLoaderConfig> = Object.freeze({
  timeoutMs: 10_000,
  retries: 2,
  retryDelayMs: 500,
});

/** The platform a {@link CdnLoader} runs on; injected for tests. */
export interface CdnLoaderPlatform {
  /** @default globalThis.fetch */
  fetch: typeof globalThis.fetch;
  /** Monotonic clock in ms. @default performance.now */
  now: () => number;
  /** Uniform in [0, 1), for the backoff jitter. @default Math.random */
  random: () => number;
  /** @default globalThis.setTimeout */
  setTimeout: (fn: () => void, ms: number) => unknown;
  /** @default globalThis.clearTimeout */
  clearTimeout: (handle: unknown) => void;
}

/** Why a load failed. */
export type CdnErrorType = 'http' | 'timeout' | 'network' | 'aborted';

/** A failed CDN load. `status` is the HTTP status for `http` errors. */
export class CdnError extends Error {
  override readonly name = 'CdnError';
  constructor(
    readonly type: CdnErrorType,
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What one successful load returns. Times are on the loader's clock, ms. */
export interface CdnResult {
  bytes: Uint8Array;
  url: string;
  status: number;
  /** Start of the attempt that succeeded. */
  startedAt: number;
  /** When the first body byte (or, for an empty body, the headers) arrived. */
  firstByteAt: number;
  finishedAt: number;
  /** Attempts made, the successful one included. */
  attempts: number;
  /**
   * Where `bytes` start in the resource: the requested `fromByte` when the server answered the
   * range (206), 0 when it sent the whole resource (200).
   */
  offset: number;
  /** Size of the whole resource when a 206 told it (Content-Range), else undefined. */
  size?: number;
}

/** Options of one {@link CdnLoader.load}. */
export interface CdnLoadOptions {
  signal?: AbortSignal;
  /** Called as body bytes arrive; `totalBytes` comes from Content-Length when present. */
  onProgress?: (loadedBytes: number, totalBytes: number | undefined) => void;
  /**
   * Asked after each retryable failure (5xx, network error, timeout), once before and once
   * after the backoff wait; false fails the load at once with that error, e.g. because a peer
   * holds (or, during the wait, announced) the segment. @default always
   */
  shouldRetry?: (error: CdnError, attempt: number) => boolean;
  /**
   * Ask only for the bytes from this offset on (`Range: bytes=N-`), e.g. the rest of a
   * segment whose start came from a peer. A server that ignores ranges answers the whole
   * resource (`offset` 0 in the result); a 206 whose Content-Range starts elsewhere fails as
   * `http`. @default 0 (the whole resource)
   */
  fromByte?: number;
}

/** Traffic counters of a {@link CdnLoader}. */
export interface CdnStats {
  /** HTTP attempts started. */
  requests: number;
  /** Body bytes received over all attempts (what the CDN carried, failed attempts included). */
  bytes: number;
  /** Loads that finally failed for a reason other than an abort. */
  failures: number;
  /** Attempts that were retries. */
  retries: number;
}

function mergeConfig(config: Partial<CdnLoaderConfig>): CdnLoaderConfig {
  const merged = { ...DEFAULT_CDN_LOADER_CONFIG, ...config };
  const check = (ok: boolean, field: keyof CdnLoaderConfig): void => {
    if (!ok) throw new RangeError(`CdnLoader: invalid ${field}: ${String(merged[field])}`);
  };
  check(Number.isFinite(merged.timeoutMs) && merged.timeoutMs > 0, 'timeoutMs');
  check(Number.isInteger(merged.retries) && merged.retries >= 0, 'retries');
  check(Number.isFinite(merged.retryDelayMs) && merged.retryDelayMs >= 0, 'retryDelayMs');
  return merged;
}

const isRetryable = (err: CdnError): boolean =>
  err.type === 'network' ||
  err.type === 'timeout' ||
  (err.type === 'http' && (err.status ?? 0) >= 500);

/**
 * Loads whole resources (media segments, playlists) over HTTP with a timeout per attempt,
 * retries with exponential backoff, caller abort and byte counting. The body is streamed so
 * that progress and time to first byte are real.
 *
 * @example
 * const cdn = new CdnLoader({ timeoutMs: 5000 });
 * const { bytes } = await cdn.load('https://cdn.example/live/360p/42.ts');
 */
export class CdnLoader {
  readonly config: Readonly<CdnLoaderConfig>;
  private readonly platform: CdnLoaderPlatform;
  /** Abort callbacks of the attempts and backoff waits in flight, for destroy. */
  private readonly inFlight = new Set<() => void>();
  private counters: CdnStats = { requests: 0, bytes: 0, failures: 0, retries: 0 };
  private destroyed = false;

  constructor(config: Partial<CdnLoaderConfig> = {}, platform: Partial<CdnLoaderPlatform> = {}) {
    this.config = Object.freeze(mergeConfig(config));
    this.platform = {
      fetch: platform.fetch ?? ((input, init) => globalThis.fetch(input, init)),
      now: platform.now ?? (() => performance.now()),
      random: platform.random ?? Math.random,
      setTimeout: platform.setTimeout ?? ((fn, ms) => globalThis.setTimeout(fn, ms)),
      clearTimeout:
        platform.clearTimeout ??
        ((h) => {
          globalThis.clearTimeout(h as ReturnType<typeof globalThis.setTimeout>);
        }),
    };
  }

  /** Loads `url` (whole, or from `options.fromByte` on). Rejects with a {@link CdnError}. */
  async load(url: string, options: CdnLoadOptions = {}): Promise<CdnResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(url, attempt, options);
      } catch (err) {
        const error = err instanceof CdnError ? err : new CdnError('network', String(err));
        if (
          !isRetryable(error) ||
          attempt > this.config.retries ||
          this.destroyed ||
          !this.retryWanted(options, error, attempt)
        ) {
          if (error.type !== 'aborted') this.counters.failures++;
          throw error;
        }
        const base = this.config.retryDelayMs * 2 ** (attempt - 1);
        await this.sleep(base * (0.5 + this.platform.random()), options.signal);
        if (!this.retryWanted(options, error, attempt)) {
          this.counters.failures++;
          throw error;
        }
        this.counters.retries++;
      }
    }
  }

  /** The caller's answer to "retry?"; a callback that throws counts as yes. */
  private retryWanted(options: CdnLoadOptions, error: CdnError, attempt: number): boolean {
    try {
      return options.shouldRetry?.(error, attempt) ?? true;
    } catch {
      return true;
    }
  }

  /** A snapshot of the traffic counters. */
  stats(): CdnStats {
    return { ...this.counters };
  }

  /** Aborts every load in flight (they reject with `aborted`); later loads reject at once. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const abort of [...this.inFlight]) abort();
  }

  private async attempt(url: string, attempt: number, options: CdnLoadOptions): Promise<CdnResult> {
    const { signal, onProgress } = options;
    const controller = new AbortController();
    // Set by whichever abort came first; read after the fetch or the body read rejects.
    const state: { cause?: 'timeout' | 'aborted' } = {};
    const abort = (why: 'timeout' | 'aborted'): void => {
      state.cause ??= why;
      controller.abort();
    };
    const onCallerAbort = (): void => {
      abort('aborted');
    };
    if (this.destroyed || signal?.aborted) throw new CdnError('aborted', `aborted: ${url}`);
    signal?.addEventListener('abort', onCallerAbort);
    this.inFlight.add(onCallerAbort);
    const timer = this.platform.setTimeout(() => {
      abort('timeout');
    }, this.config.timeoutMs);

    const startedAt = this.platform.now();
    this.counters.requests++;
    const from = options.fromByte ?? 0;
    try {
      const response = await this.platform.fetch(url, {
        signal: controller.signal,
        ...(from > 0 && { headers: { Range: `bytes=${from}-` } }),
      });
      if (!response.ok) {
        await response.body?.cancel().catch(() => undefined);
        throw new CdnError('http', `HTTP ${response.status}: ${url}`, response.status);
      }
      // A 206 answers our single range; its Content-Range may be unreadable cross-origin (not
      // exposed by CORS), then the body is taken to start where we asked.
      const partialAnswer = response.status === 206;
      const range = partialAnswer ? parseContentRange(response.headers) : undefined;
      if (range && range.start !== from) {
        await response.body?.cancel().catch(() => undefined);
        throw new CdnError('http', `HTTP 206 without a range from ${from}: ${url}`, 206);
      }
      const header = response.headers.get('content-length');
      const length = header === null ? NaN : Number(header);
      const total = Number.isFinite(length) ? length : undefined;
      const chunks: Uint8Array[] = [];
      let loaded = 0;
      let firstByteAt: number | undefined;
      const reader = response.body?.getReader();
      for (;;) {
        const next = reader ? await reader.read() : ({ done: true } as const);
        if (next.done) break;
        firstByteAt ??= this.platform.now();
        chunks.push(next.value);
        loaded += next.value.byteLength;
        this.counters.bytes += next.value.byteLength;
        onProgress?.(loaded, total);
      }
      const finishedAt = this.platform.now();
      return {
        bytes: concatBytes(chunks, loaded),
        url,
        status: response.status,
        startedAt,
        firstByteAt: firstByteAt ?? finishedAt,
        finishedAt,
        attempts: attempt,
        offset: partialAnswer ? from : 0,
        ...(range?.size !== undefined && { size: range.size }),
      };
    } catch (err) {
      if (state.cause === 'timeout') {
        throw new CdnError(
          'timeout',
          `timed out after ${this.config.timeoutMs} ms: ${url}`,
          undefined,
          {
            cause: err,
          },
        );
      }
      if (state.cause === 'aborted') {
        throw new CdnError('aborted', `aborted: ${url}`, undefined, { cause: err });
      }
      if (err instanceof CdnError) throw err;
      throw new CdnError('network', `network error: ${url}`, undefined, { cause: err });
    } finally {
      this.platform.clearTimeout(timer);
      signal?.removeEventListener('abort', onCallerAbort);
      this.inFlight.delete(onCallerAbort);
    }
  }

  /** Waits `ms`, rejecting with `aborted` on the caller's abort or on destroy. */
  private sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (): void => {
        signal?.removeEventListener('abort', onAbort);
        this.inFlight.delete(onAbort);
      };
      const onAbort = (): void => {
        this.platform.clearTimeout(timer);
        done();
        reject(new CdnError('aborted', 'aborted during retry backoff'));
      };
      if (signal?.aborted) {
        reject(new CdnError('aborted', 'aborted during retry backoff'));
        return;
      }
      const timer = this.platform.setTimeout(() => {
        done();
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort);
      this.inFlight.add(onAbort);
    });
  }
}

/** `Content-Range: bytes S-E/T` (T may be `*`); undefined when absent or malformed. */
function parseContentRange(headers: Headers): { start: number; size?: number } | undefined {
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(headers.get('content-range')?.trim() ?? '');
  if (!m) return undefined;
  const start = Number(m[1]);
  const size = m[3] === '*' ? undefined : Number(m[3]);
  if (Number(m[2]) < start || (size !== undefined && Number(m[2]) >= size)) return undefined;
  return size === undefined ? { start } : { start, size };
}
