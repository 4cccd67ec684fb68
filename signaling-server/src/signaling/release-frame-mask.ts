/** The parts of `ws`'s frame parser (`Receiver`) this touches. */
interface ReceiverState {
  /** The 4 mask bytes of the frame being read: a view into the TCP read that brought them. */
  _mask?: unknown;
  /** Parser state; `GET_DATA` while the frame's payload is still awaited. */
  _state?: unknown;
}

interface ReceiverPrototype {
  getData(this: ReceiverState, cb: unknown): unknown;
}

/** `ws/lib/receiver.js`'s state between a frame's mask and its payload (ws 7 and 8). */
const GET_DATA = 4;

const released = new WeakSet<object>();

/**
 * `ws` keeps the mask of the last frame a client sent (`receiver._mask`) until the next
 * frame: a 4-byte view into the buffer of the TCP read that carried it, so every held
 * connection keeps its last read (a signal, ~0.5–1 KiB, or a pong) alive, and with it a chunk
 * wherever malloc put it. The mask is only read while that frame's payload is unmasked, so
 * once a frame is through, it is dropped.
 *
 * Patches the prototype of `receiver` (the connection's `ws._receiver`) once: every
 * connection shares it, and it is whichever `ws` engine.io loaded. Does nothing when the
 * object does not look like that parser (another `ws` version, another engine).
 */
export function releaseFrameMasks(receiver: object): void {
  const proto = Object.getPrototypeOf(receiver) as Partial<ReceiverPrototype> | null;
  if (!proto || released.has(proto)) return;
  released.add(proto);
  const getData = proto.getData;
  if (typeof getData !== 'function' || !('_mask' in receiver) || !('_state' in receiver)) return;
  proto.getData = function getDataThenReleaseMask(this: ReceiverState, cb: unknown): unknown {
    const result = getData.call(this, cb);
    if (this._state !== GET_DATA) this._mask = undefined;
    return result;
  };
}
