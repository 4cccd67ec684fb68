import type { SegmentInfo } from '../../src/core/engine.js';

/** The demo channel's live 360p window, as the engine's segment list. */
export async function livePlaylist(base: string): Promise<SegmentInfo[]> {
  const url = `${base}/live/demo/360p/index.m3u8`;
  const text = await (await fetch(url)).text();
  let seq = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1]);
  let start = 0;
  const out: SegmentInfo[] = [];
  let duration = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#EXTINF:')) duration = parseFloat(line.slice(8));
    else if (line && !line.startsWith('#')) {
      out.push({ seq: seq++, url: new URL(line, url).href, start, duration });
      start += duration;
    }
  }
  return out;
}

/** Polls `ok` every 50 ms; throws naming `what` after `ms`. */
export const waitFor = async (what: string, ok: () => boolean, ms = 15_000): Promise<void> => {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};
