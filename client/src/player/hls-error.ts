import Hls, { type ErrorData } from 'hls.js';
import type { PlayerError } from './player.js';

/** An hls.js error as a player error: its kind, a short message, whether playback stopped. */
export function toPlayerError(data: ErrorData): PlayerError {
  const type =
    data.type === Hls.ErrorTypes.NETWORK_ERROR
      ? 'network'
      : data.type === Hls.ErrorTypes.MEDIA_ERROR
        ? 'media'
        : 'other';
  const status = data.response?.code ? ` (HTTP ${data.response.code})` : '';
  return { type, message: `${data.details}${status}`, fatal: data.fatal };
}
