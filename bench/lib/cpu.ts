import { readFileSync } from 'node:fs';

/** Jiffies of the whole machine from /proc/stat: busy and total. */
function read(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (f[3] ?? 0) + (f[4] ?? 0); // idle + iowait
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** Measures the machine's CPU busy share between start() and stop(), 0..1 (all cores). */
export class CpuMeter {
  private start = read();
  reset(): void {
    this.start = read();
  }
  busy(): number {
    const now = read();
    const total = now.total - this.start.total;
    return total > 0 ? (now.busy - this.start.busy) / total : 0;
  }
}
