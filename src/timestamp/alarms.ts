/**
 * Wakes the time-stamp queue up from the MV3 service worker. Chrome stops the worker when idle and
 * forgets its timers; an alarm survives that (and browser restarts), so retries keep happening until
 * every capture has a token. The queue's own state is in Dexie, so a run can start from nothing.
 */
import type { EvidenceDB } from '../store/db';
import { processTimestampQueue, type StampOptions } from './queue';
import { getTsaSettings, type TsaSettings } from './settings';

export const TSA_ALARM = 'jianzheng-tsa';
export const TSA_ALARM_PERIOD_MINUTES = 1;

/** The part of the WebExtension API used here (browser from wxt/browser, or chrome). */
export interface AlarmsHost {
  alarms: {
    create(name: string, info: { periodInMinutes?: number; delayInMinutes?: number }): unknown;
    get(name: string): Promise<{ name: string } | undefined>;
    onAlarm: { addListener(cb: (alarm: { name: string }) => void): void };
  };
}

export interface TimestampAlarmsHandle {
  /** Runs the queue now (as the alarm does); resolves with its result. */
  runNow(): Promise<{ stamped: number; pending: number }>;
}

/**
 * Call once, synchronously, at the top of the background's main: the onAlarm listener must be
 * registered in the worker's first turn so that an alarm which woke the worker is delivered to it.
 */
export function initTimestampAlarms(
  browser: AlarmsHost,
  getDb: () => EvidenceDB,
  opts: StampOptions & { getSettings?: (db: EvidenceDB) => Promise<TsaSettings>; runAtStart?: boolean } = {},
): TimestampAlarmsHandle {
  const runNow = async () => {
    const db = getDb();
    const settings = await (opts.getSettings ?? getTsaSettings)(db);
    return processTimestampQueue(db, settings, Date.now(), opts);
  };
  browser.alarms.onAlarm.addListener((alarm) => {
    if (alarm.name !== TSA_ALARM) return;
    runNow().catch((e: unknown) => console.warn('time-stamp queue run failed', e));
  });
  // Re-creating an existing alarm would push its next run back; keep the one Chrome already has.
  void (async () => {
    try {
      if (!(await browser.alarms.get(TSA_ALARM))) {
        await browser.alarms.create(TSA_ALARM, { periodInMinutes: TSA_ALARM_PERIOD_MINUTES, delayInMinutes: TSA_ALARM_PERIOD_MINUTES });
      }
    } catch (e) {
      console.warn('cannot schedule the time-stamp alarm', e);
    }
  })();
  if (opts.runAtStart !== false) runNow().catch((e: unknown) => console.warn('time-stamp queue run failed', e));
  return { runNow };
}
