/** How the admin page writes figures; null (no viewer reported it) is a dash. */
export const fmt = {
  /** 0.4567 → "45.7 %" */
  percent: (ratio: number | null): string =>
    ratio === null ? '—' : `${(ratio * 100).toFixed(1)} %`,
  /** 0.98765 → "0.988" */
  index: (value: number | null): string => (value === null ? '—' : value.toFixed(3)),
  ms: (value: number | null): string => (value === null ? '—' : `${Math.round(value)} ms`),
  sec: (value: number | null): string => (value === null ? '—' : `${value.toFixed(1)} s`),
  /** bytes per second → "123 kbit/s" */
  kbps: (bytesPerSec: number): string => `${Math.round((bytesPerSec * 8) / 1000)} kbit/s`,
  number: (value: number | null): string => (value === null ? '—' : String(value)),
  time: (date: Date): string => date.toLocaleTimeString(),
};
