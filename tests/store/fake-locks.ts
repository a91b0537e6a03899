import { afterEach, beforeEach } from 'vitest';

/** Web Locks as browsers grant them (shared/exclusive, ifAvailable), for Node, which has none. */
export function fakeLockManager() {
  const held = new Map<string, { mode: LockMode; count: number }>();
  let wake: (() => void)[] = [];
  const free = (name: string, mode: LockMode): boolean => {
    const h = held.get(name);
    return !h || (h.mode === 'shared' && mode === 'shared');
  };
  return {
    async request(name: string, opts: LockOptions, cb: (lock: { name: string; mode: LockMode } | null) => unknown): Promise<unknown> {
      const mode = opts.mode ?? 'exclusive';
      if (!free(name, mode)) {
        if (opts.ifAvailable) return cb(null);
        while (!free(name, mode)) await new Promise<void>((r) => wake.push(r));
      }
      const h = held.get(name) ?? { mode, count: 0 };
      h.count++;
      held.set(name, h);
      try {
        return await cb({ name, mode });
      } finally {
        if (--h.count === 0) held.delete(name);
        const w = wake;
        wake = [];
        w.forEach((f) => f());
      }
    },
  };
}

/** Installs a fake `navigator.locks` around each test of the enclosing describe. */
export function withFakeLocks(): void {
  const g = globalThis as { navigator?: unknown };
  const before = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  beforeEach(() => {
    Object.defineProperty(globalThis, 'navigator', { value: { locks: fakeLockManager() }, configurable: true, writable: true });
  });
  afterEach(() => {
    if (before) Object.defineProperty(globalThis, 'navigator', before);
    else delete g.navigator;
  });
}
