/**
 * Checks the benchmark's own arithmetic before it measures anything: a broken pixel comparison or
 * median would silently turn every fidelity and timing figure into nonsense.
 */
import { solidPng } from '../../tests/e2e/png';
import { decodePng, matchingShare } from './png';
import { stats } from './proc';

export function selfCheck(): void {
  const red = decodePng(solidPng(40, 20, [179, 38, 30]));
  const nearRed = decodePng(solidPng(40, 20, [189, 30, 40]));
  const blue = decodePng(solidPng(40, 20, [30, 80, 179]));
  const halfRed = decodePng(solidPng(40, 10, [179, 38, 30]));
  const fail = (what: string) => {
    throw new Error(`benchmark self-check failed: ${what}`);
  };
  if (red.width !== 40 || red.height !== 20) fail('PNG size');
  if (matchingShare(red, red) !== 1) fail('identical pictures must match 100 %');
  if (matchingShare(red, nearRed) !== 1) fail('differences within the tolerance must match');
  if (matchingShare(red, blue) !== 0) fail('different colours must not match');
  if (matchingShare(red, halfRed) !== 0.5) fail('a picture half as tall must count its missing half as different');
  const s = stats([5, 1, 3, NaN]);
  if (!s || s.min !== 1 || s.median !== 3 || s.max !== 5 || s.n !== 3) fail('min/median/max');
  if (stats([1, 2, 3, 4])?.median !== 2.5) fail('median of an even count');
}
