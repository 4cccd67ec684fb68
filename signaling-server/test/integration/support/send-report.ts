import type { QoeReport, ReportAck } from '../../../../client/src/signaling/protocol.js';
import type { ClientSocket } from '../signaling-helpers.js';

/**
 * Sends `report` with a callback and resolves with the acknowledgement. (The callback is
 * optional in the event map, which leaves socket.io's emitWithAck untyped.)
 */
export function sendReport(socket: ClientSocket, payload: unknown): Promise<ReportAck> {
  return new Promise((resolve) => {
    socket.emit('report', payload as QoeReport, resolve);
  });
}
