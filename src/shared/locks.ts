/**
 * Holding a Web Lock for longer than one callback: the lock is granted, and held until the
 * returned function is called (or the page goes away). Its promise settles once the lock is free
 * again: a request made right after a bare call may still find it held. Used for the export files
 * (src/bundle/opfs-sink.ts) and for the capture files an export reads (src/store/artifacts.ts).
 */
export async function holdLock(locks: LockManager, name: string, opts: { mode?: LockMode; ifAvailable?: boolean } = {}): Promise<() => Promise<void>> {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let request!: Promise<unknown>;
  await new Promise<void>((held, failed) => {
    request = locks.request(name, { mode: opts.mode ?? 'exclusive', ifAvailable: opts.ifAvailable ?? false }, async (lock) => {
      if (!lock) throw new Error(`${name} is in use`);
      held();
      await released;
    });
    request.catch(failed);
  });
  return async () => {
    release();
    await request.catch(() => {});
  };
}
