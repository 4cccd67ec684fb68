/**
 * V8 gives an array its first backing store (17 slots, ~150 B) at its first `push`, and keeps
 * it when the array is emptied again by `shift`. A few queues of every connection fill and
 * empty with each message, so an idle connection keeps each one's backing store; setting
 * `length = 0` on the empty array frees it (no allocation, the array object stays).
 *
 * The patches below go on the prototypes of the connection's objects once (every connection
 * shares them, and they are whichever `ws`, engine.io and socket.io the server loaded). Each
 * does nothing when the object does not look like the version it was written for.
 */

/** `ws`'s frame parser (`ws/lib/receiver.js`, ws 8): the TCP reads not yet parsed. */
interface ReceiverState {
  _buffers?: unknown;
}

/** engine.io's socket (6.x): one entry per flush, until the transport drains. */
interface EngineSocketState {
  sentCallbackFn?: unknown;
}

/** socket.io's socket (4.x): callbacks of server emits that wait for the client's ack. */
interface AckOwner {
  [LAZY_ACKS]?: Map<number, unknown>;
}

type Method = (this: unknown, ...args: unknown[]) => unknown;

const LAZY_ACKS = Symbol('meshcast.acks');
const patched = new WeakSet<object>();

/** Once per prototype: undefined when `object`'s prototype was seen before (or has none). */
function firstTime(object: object): object | undefined {
  const proto = Object.getPrototypeOf(object) as object | null;
  if (!proto || patched.has(proto)) return undefined;
  patched.add(proto);
  return proto;
}

/** Frees the backing store of `array` if it is an empty array. */
function freeIfEmpty(array: unknown): void {
  if (Array.isArray(array) && array.length === 0) array.length = 0;
}

// The wrappers are methods named as the originals (no `prototype`, a static name), as the
// originals were: engine.io binds `onDrain` per connection, and V8 gives a bound function
// whose target has another shape a property store of its own (~0.2 KiB).

/** `ws`'s `Receiver.startLoop` (it parses what `_write` queued): frees an empty `_buffers`. */
export function releaseReceiverBuffers(receiver: object): void {
  if (!Array.isArray((receiver as ReceiverState)._buffers)) return;
  const proto = firstTime(receiver) as { startLoop?: unknown } | undefined;
  const startLoop = proto?.startLoop;
  if (!proto || typeof startLoop !== 'function') return;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- it becomes a prototype method
  proto.startLoop = {
    startLoop(this: ReceiverState, ...args: unknown[]): unknown {
      const result = (startLoop as Method).apply(this, args);
      freeIfEmpty(this._buffers);
      return result;
    },
  }.startLoop;
}

/** engine.io's `Socket.onDrain` (bound when a transport is set): frees an empty queue. */
export function releaseSentCallbacks(conn: object): void {
  if (!Array.isArray((conn as EngineSocketState).sentCallbackFn)) return;
  const proto = firstTime(conn) as { onDrain?: unknown } | undefined;
  const onDrain = proto?.onDrain;
  if (!proto || typeof onDrain !== 'function') return;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- it becomes a prototype method
  proto.onDrain = {
    onDrain(this: EngineSocketState, ...args: unknown[]): unknown {
      const result = (onDrain as Method).apply(this, args);
      freeIfEmpty(this.sentCallbackFn);
      return result;
    },
  }.onDrain;
}

/**
 * socket.io's `socket.acks`, a `Map` each socket allocates in its constructor (~150 B even
 * empty), made lazy: the constructor's empty map is dropped, and a socket gets its own map the
 * first time anything reads `acks` (a server emit that asks for an ack, or a client's ack).
 * The socket that was constructed before the patch keeps its own.
 */
export function lazySocketAcks(socket: object): void {
  const proto = firstTime(socket);
  if (!proto || !Object.hasOwn(socket, 'acks') || Object.hasOwn(proto, 'acks')) return;
  Object.defineProperty(proto, 'acks', {
    configurable: true,
    get(this: AckOwner): Map<number, unknown> {
      return (this[LAZY_ACKS] ??= new Map<number, unknown>());
    },
    set(this: AckOwner, value: Map<number, unknown>) {
      if (value.size > 0 || this[LAZY_ACKS] !== undefined) this[LAZY_ACKS] = value;
    },
  });
}
