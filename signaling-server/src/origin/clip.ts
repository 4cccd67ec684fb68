import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

const clipSchema = z.object({
  segmentDuration: z.number().positive(),
  codecs: z.string().min(1),
  renditions: z
    .array(
      z.object({
        name: z.string().regex(/^[a-z0-9]+$/),
        width: z.number().int().positive(),
        height: z.number().int().positive(),
        bandwidth: z.number().int().positive(),
        averageBandwidth: z.number().int().positive(),
        segments: z
          .array(z.object({ file: z.string().min(1), duration: z.number().positive() }))
          .min(2),
      }),
    )
    .min(1),
});

/** One rendition of the clip with its segments loaded in memory. */
export interface ClipRendition {
  name: string;
  width: number;
  height: number;
  /** Peak segment bitrate, bits/s (EXT-X-STREAM-INF BANDWIDTH). */
  bandwidth: number;
  /** Mean bitrate, bits/s (AVERAGE-BANDWIDTH). */
  averageBandwidth: number;
  segments: Buffer[];
}

/** A short multi-rendition clip that the demo origin loops as a live stream. */
export interface Clip {
  /** Duration of every segment, seconds; the live clock advances one segment per duration. */
  segmentDuration: number;
  codecs: string;
  renditions: ClipRendition[];
}

/**
 * Loads `clip.json` and its segments from a directory made by
 * `scripts/make-demo-clip.mjs`. Every segment must last exactly `segmentDuration` so the
 * live clock can map wall time to media sequence numbers.
 */
export async function loadClip(dir: string): Promise<Clip> {
  const raw: unknown = JSON.parse(await readFile(join(dir, 'clip.json'), 'utf8'));
  const manifest = clipSchema.parse(raw);
  const renditions = await Promise.all(
    manifest.renditions.map(async (r) => {
      const off = r.segments.find((s) => Math.abs(s.duration - manifest.segmentDuration) > 1e-3);
      if (off) {
        throw new Error(
          `clip segment ${off.file} lasts ${off.duration}s, not ${manifest.segmentDuration}s`,
        );
      }
      const segments = await Promise.all(r.segments.map((s) => readFile(join(dir, s.file))));
      return { ...r, segments };
    }),
  );
  const counts = new Set(renditions.map((r) => r.segments.length));
  if (counts.size !== 1) throw new Error('clip renditions have different segment counts');
  return { segmentDuration: manifest.segmentDuration, codecs: manifest.codecs, renditions };
}
