import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../../../bench/sim/event-queue.js';
import { FlowNetwork, createNode, type Flow } from '../../../../bench/sim/flow-network.js';

/** The simulator's link model for relayed (cut-through) flows: bench/sim/flow-network.ts. */
describe('FlowNetwork: relayed flows', () => {
  it('never delivers more than the upstream flow feeding the relay', async () => {
    const q = new EventQueue();
    const net = new FlowNetwork(q);
    const a = createNode(10, 1000); // slow source: 10 B/ms
    const b = createNode(100, 1000); // fast relay
    const c = createNode(100, 1000);
    let upDoneAt = -1;
    let downDoneAt = -1;
    const upstream = net.start(a, b, 10_000, () => (upDoneAt = q.now));
    let down: Flow | undefined;
    q.at(50, () => {
      down = net.start(b, c, 10_000, () => (downDoneAt = q.now), {
        upstream,
        onFail: () => undefined,
      });
    });
    const samples: [number, number][] = [];
    for (let t = 100; t <= 1100; t += 100) {
      q.at(t, () => {
        if (down) samples.push([net.sent(upstream), net.sent(down)]);
      });
    }
    await q.run(2000);
    expect(samples.length).toBeGreaterThan(5);
    for (const [up, relayed] of samples) expect(relayed).toBeLessThanOrEqual(up + 1e-6);
    // It runs at the upstream's 10 B/ms (not its own 100) and ends after it.
    expect(upDoneAt).toBe(1000);
    expect(downDoneAt).toBeGreaterThanOrEqual(upDoneAt);
    expect(downDoneAt).toBeLessThanOrEqual(1100);
  });

  it('runs at its own share once the upstream completed', async () => {
    const q = new EventQueue();
    const net = new FlowNetwork(q);
    const a = createNode(100, 1000);
    const b = createNode(10, 1000); // the relay's uplink is the bottleneck
    const c = createNode(100, 1000);
    const upstream = net.start(a, b, 1000, () => undefined); // done at 10 ms
    let doneAt = -1;
    const down = net.start(b, c, 1000, () => (doneAt = q.now), {
      upstream,
      onFail: () => undefined,
    });
    await q.run(50);
    expect(net.sent(down)).toBeGreaterThan(0);
    await q.run(500);
    expect(doneAt).toBe(100); // 1000 B at 10 B/ms
  });

  it('fails the relayed flow (and the flows it feeds) when the upstream dies', async () => {
    const q = new EventQueue();
    const net = new FlowNetwork(q);
    const nodes = [0, 1, 2, 3].map(() => createNode(20, 1000));
    const failed: string[] = [];
    const done: string[] = [];
    const f1 = net.start(nodes[0], nodes[1]!, 10_000, () => done.push('f1'));
    const f2 = net.start(nodes[1], nodes[2]!, 10_000, () => done.push('f2'), {
      upstream: f1,
      onFail: () => failed.push('f2'),
    });
    const f3 = net.start(nodes[2], nodes[3]!, 10_000, () => done.push('f3'), {
      upstream: f2,
      onFail: () => failed.push('f3'),
    });
    await q.run(100);
    const before = net.sent(f3);
    expect(before).toBeGreaterThan(0);
    net.stop(f1);
    expect([...failed].sort()).toEqual(['f2', 'f3']);
    expect(f2.done && f3.done).toBe(true);
    await q.run(5000);
    expect(done).toEqual([]);
    expect(net.sent(f3)).toBe(before);
    expect(nodes[1]!.outFlows.size + nodes[2]!.outFlows.size).toBe(0);
  });
});
