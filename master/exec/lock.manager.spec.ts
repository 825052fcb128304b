import { LockManager } from './lock.manager';

describe('LockManager', () => {
  it('lets shared holders in together and makes an exclusive request wait for them', async () => {
    const locks = new LockManager();
    const [a, b, c] = [locks.newOwner(), locks.newOwner(), locks.newOwner()];
    await locks.acquire(a, [{ name: 'node/n1', shared: true }]);
    await locks.acquire(b, [{ name: 'node/n1', shared: true }]);
    let granted = false;
    const pending = locks.acquire(c, [{ name: 'node/n1' }]).then(() => (granted = true));
    expect(locks.wouldBlock(locks.newOwner(), [{ name: 'node/n1', shared: true }])).toBe(true);
    locks.release(a);
    await Promise.resolve();
    expect(granted).toBe(false);
    locks.release(b);
    await pending;
    expect(granted).toBe(true);
  });

  it('serves waiters in order so a stream of shared holders cannot starve an exclusive one', async () => {
    const locks = new LockManager();
    const order: string[] = [];
    const holder = locks.newOwner();
    await locks.acquire(holder, [{ name: 'instance/x', shared: true }]);
    const excl = locks
      .acquire(locks.newOwner(), [{ name: 'instance/x' }])
      .then(() => order.push('exclusive'));
    const later = locks
      .acquire(locks.newOwner(), [{ name: 'instance/x', shared: true }])
      .then(() => order.push('shared'));
    locks.release(holder);
    await excl;
    expect(order).toEqual(['exclusive']);
    expect(locks.snapshot()['instance/x'].exclusive).not.toBeNull();
    const owner = locks.snapshot()['instance/x'].exclusive!;
    locks.release(owner);
    await later;
    expect(order).toEqual(['exclusive', 'shared']);
  });

  it('takes all locks of a request at once and gives up waiting when aborted', async () => {
    const locks = new LockManager();
    const a = locks.newOwner();
    await locks.acquire(a, [{ name: 'instance/y' }]);
    const abort = new AbortController();
    const waiting = locks.acquire(
      locks.newOwner(),
      [{ name: 'node/n1' }, { name: 'instance/y' }],
      abort.signal,
    );
    expect(locks.snapshot()['node/n1']).toBeUndefined();
    abort.abort();
    await expect(waiting).rejects.toThrow('lock wait aborted');
    const b = locks.newOwner();
    await locks.acquire(b, [{ name: 'node/n1' }]);
    expect(locks.snapshot()['node/n1'].exclusive).toBe(b);
  });
});
