import { describe, expect, it } from 'vitest';
import { fromUnixSeconds, resolveRelativeTime } from '../../src/adapters/time';

// 15 June 2022, 10:00 in Beijing (02:00 UTC).
const at = new Date('2022-06-15T02:00:00.000Z');
const r = (text: string, tz?: string) => resolveRelativeTime(text, at, tz);

describe('resolveRelativeTime', () => {
  it('resolves Chinese relative times against the capture time', () => {
    expect(r('刚刚')).toBe('2022-06-15T02:00:00.000Z');
    expect(r('30秒前')).toBe('2022-06-15T01:59:30.000Z');
    expect(r('3分钟前')).toBe('2022-06-15T01:57:00.000Z');
    expect(r('5小时前')).toBe('2022-06-14T21:00:00.000Z');
    expect(r('2天前')).toBe('2022-06-13T02:00:00.000Z');
  });

  it('reads 今天/昨天/前天 as Beijing calendar days', () => {
    expect(r('今天 08:30')).toBe('2022-06-15T00:30:00.000Z');
    expect(r('昨天 12:00')).toBe('2022-06-14T04:00:00.000Z');
    expect(r('前天 23:59')).toBe('2022-06-13T15:59:00.000Z');
    // 01:00 UTC on the 15th is 09:00 in Beijing; "昨天" is the 14th there, not in UTC.
    expect(resolveRelativeTime('昨天 00:10', new Date('2022-06-14T17:00:00.000Z'))).toBe('2022-06-13T16:10:00.000Z');
  });

  it('reads dates without a year as this year, and a future one as last year', () => {
    expect(r('06-13 21:04')).toBe('2022-06-13T13:04:00.000Z');
    expect(r('6月13日 21:04')).toBe('2022-06-13T13:04:00.000Z');
    expect(r('6-14')).toBe('2022-06-14');
    expect(r('12-31 10:00')).toBe('2021-12-31T02:00:00.000Z');
  });

  it('reads full dates, with prefixes and suffixes the platforms add', () => {
    expect(r('2022-06-13 10:21')).toBe('2022-06-13T02:21:00.000Z');
    expect(r('发布时间：2022-06-13 10:21')).toBe('2022-06-13T02:21:00.000Z');
    expect(r('编辑于 2022-06-15 09:02')).toBe('2022-06-15T01:02:00.000Z');
    expect(r('2022年6月14日 21:30')).toBe('2022-06-14T13:30:00.000Z');
    expect(r('22-6-13 10:21')).toBe('2022-06-13T02:21:00.000Z');
    expect(r('2022-06-13 10:21:05 来自 iPhone')).toBe('2022-06-13T02:21:05.000Z');
    expect(r('2022-06-13')).toBe('2022-06-13');
  });

  it('reads English short and absolute forms', () => {
    expect(r('2h', 'Z')).toBe('2022-06-15T00:00:00.000Z');
    expect(r('3m', 'Z')).toBe('2022-06-15T01:57:00.000Z');
    expect(r('Jun 12', 'Z')).toBe('2022-06-12');
    expect(r('11:12 AM · Jun 14, 2022', 'Z')).toBe('2022-06-14T11:12:00.000Z');
    expect(r('June 13, 2022')).toBe('2022-06-13');
    expect(r('13 Jun 2022')).toBe('2022-06-13');
    expect(r('5 minutes ago')).toBe('2022-06-15T01:55:00.000Z');
  });

  it('passes machine times through as UTC', () => {
    expect(r('2022-06-14T03:12:45.000Z')).toBe('2022-06-14T03:12:45.000Z');
    expect(r('2022-06-14T11:12:45+08:00')).toBe('2022-06-14T03:12:45.000Z');
  });

  it('says null when there is no time, or an impossible one', () => {
    expect(r('转发')).toBeNull();
    expect(r('')).toBeNull();
    expect(r('2022-02-30 10:00')).toBeNull();
    expect(fromUnixSeconds('1655191800')).toBe('2022-06-14T07:30:00.000Z');
    expect(fromUnixSeconds('')).toBeNull();
  });
});
