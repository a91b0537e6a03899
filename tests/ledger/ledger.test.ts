import { describe, expect, it } from 'vitest';
import { exportLedger, makeEvent, verifyLedger } from '../../src/ledger/ledger';
import type { LedgerEvent } from '../../src/ledger/types';

async function chain(n: number): Promise<LedgerEvent[]> {
  const out: LedgerEvent[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      await makeEvent(out.at(-1) ?? null, {
        time: new Date(Date.UTC(2022, 5, 12, 8, 0, i)).toISOString(),
        type: i % 2 ? 'note' : 'captured',
        captureId: `c${i}`,
        payload: { n: i, text: '红码' },
      }),
    );
  }
  return out;
}

describe('verifyLedger', () => {
  it('accepts an intact chain', async () => {
    const r = await verifyLedger(await chain(6));
    expect(r.ok).toBe(true);
    expect(r.count).toBe(6);
  });

  it('names an altered payload', async () => {
    const c = await chain(6);
    c[3] = { ...c[3]!, payload: { n: 99 } };
    const r = await verifyLedger(c);
    expect(r.ok).toBe(false);
    expect(r.firstBad).toMatchObject({ seq: 4, problem: 'bad-body-hash' });
  });

  it('names an altered time even when the attacker recomputes that event', async () => {
    const c = await chain(6);
    const forged = await makeEvent(c[1]!, { ...c[2]!, time: '2030-01-01T00:00:00.000Z' });
    c[2] = forged;
    const r = await verifyLedger(c);
    expect(r.firstBad).toMatchObject({ seq: 4, problem: 'bad-prev-hash' });
  });

  it('names a removed event', async () => {
    const c = await chain(6);
    c.splice(2, 1);
    const r = await verifyLedger(c);
    expect(r.firstBad).toMatchObject({ seq: 4, problem: 'seq-gap' });
  });

  it('names a removed last event only through the head hash', async () => {
    const c = await chain(6);
    const head = (await verifyLedger(c)).headHash;
    const r = await verifyLedger(c.slice(0, 5));
    expect(r.ok).toBe(true);
    expect(r.headHash).not.toBe(head);
  });

  it('names an inserted event', async () => {
    const c = await chain(6);
    const extra = await makeEvent(c[2]!, { time: c[2]!.time, type: 'note', captureId: null, payload: {} });
    c.splice(3, 0, extra);
    const r = await verifyLedger(c);
    expect(r.ok).toBe(false);
    expect(r.firstBad).toMatchObject({ seq: 4, index: 4, problem: 'seq-order' });
  });

  it('names reordered events', async () => {
    const c = await chain(6);
    [c[2], c[3]] = [c[3]!, c[2]!];
    const r = await verifyLedger(c);
    expect(r.firstBad).toMatchObject({ seq: 4, index: 2, problem: 'seq-gap' });
  });

  it('names an altered hash field', async () => {
    const c = await chain(3);
    c[2] = { ...c[2]!, hash: 'f'.repeat(64) };
    expect((await verifyLedger(c)).firstBad).toMatchObject({ seq: 3, problem: 'bad-hash' });
  });

  it('rejects a chain that does not start at the genesis', async () => {
    const c = await chain(3);
    expect((await verifyLedger(c.slice(1))).firstBad).toMatchObject({ problem: 'bad-genesis' });
  });

  it('verifies an export that redacts undisclosed bodies, and catches tampering in it', async () => {
    const c = await chain(6);
    const exp = exportLedger(c, (e) => e.captureId === 'c2');
    expect(exp.filter((e) => e.body).length).toBe(1);
    expect(JSON.stringify(exp)).not.toContain('"c4"');
    expect((await verifyLedger(exp)).ok).toBe(true);
    exp[2]!.body!.payload = { n: 3 };
    expect((await verifyLedger(exp)).firstBad).toMatchObject({ seq: 3, problem: 'bad-body-hash' });
  });
});
