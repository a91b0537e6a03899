import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EvidenceDB } from '../../src/store/db';
import { pemToCerts } from '../../src/timestamp/asn';
import {
  DEFAULT_TSA_AUTHORITIES,
  DEFAULT_TSA_URLS,
  extensionRootLoader,
  getTsaSettings,
  loadShippedRootIndex,
  loadShippedRoots,
  normalizeTsaUrl,
  setTsaSettings,
  tsaSettingsFromCli,
} from '../../src/timestamp/settings';

const ROOTS = 'public/tsa-roots';
const diskLoader = (f: string) => readFile(join(ROOTS, f), 'utf8');
const derOf = (pem: string) => Buffer.from(pemToCerts(pem)[0]!.toSchema(true).toBER());

describe('TSA settings', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('defaults to the documented public authorities, enabled', async () => {
    const db = new EvidenceDB(`jz-tss-${process.pid}-1`);
    expect(await getTsaSettings(db)).toEqual({ enabled: true, urls: [...DEFAULT_TSA_URLS] });
    expect(DEFAULT_TSA_URLS.length).toBeGreaterThanOrEqual(2); // independent authorities, not one
    db.close();
  });

  it('stores edits, normalised and without duplicates; refuses what is not http(s)', async () => {
    const db = new EvidenceDB(`jz-tss-${process.pid}-2`);
    const saved = await setTsaSettings(db, { enabled: false, urls: [' https://freetsa.org/tsr ', 'https://freetsa.org/tsr', 'http://timestamp.digicert.com'] });
    expect(saved).toEqual({ enabled: false, urls: ['https://freetsa.org/tsr', 'http://timestamp.digicert.com'] });
    expect(await getTsaSettings(db)).toEqual(saved);
    await expect(setTsaSettings(db, { enabled: true, urls: ['ftp://tsa.example/'] })).rejects.toThrow('must be http or https');
    // Only the switch: the list stays.
    expect(await setTsaSettings(db, { enabled: true })).toEqual({ enabled: true, urls: saved.urls });
    expect(() => normalizeTsaUrl('not a url')).toThrow('not a URL');
    expect(() => normalizeTsaUrl('https://user:pw@tsa.example/')).toThrow('no credentials');
    db.close();
  });

  it('CLI: --tsa replaces the defaults, --no-tsa turns the network off', () => {
    expect(tsaSettingsFromCli({})).toEqual({ enabled: true, urls: [...DEFAULT_TSA_URLS] });
    expect(tsaSettingsFromCli({ tsa: ['http://127.0.0.1:8318/tsr', 'http://127.0.0.1:8319/tsr'] })).toEqual({
      enabled: true,
      urls: ['http://127.0.0.1:8318/tsr', 'http://127.0.0.1:8319/tsr'],
    });
    expect(tsaSettingsFromCli({ noTsa: true })).toEqual({ enabled: false, urls: [...DEFAULT_TSA_URLS] });
    expect(tsaSettingsFromCli({ tsa: ['http://x.example/'], noTsa: true })).toEqual({ enabled: false, urls: ['http://x.example/'] });
  });
});

describe('src/timestamp', () => {
  it('uses Web APIs only (it runs in the service worker and in Node): no node: imports', () => {
    for (const f of readdirSync('src/timestamp')) {
      const text = readFileSync(join('src/timestamp', f), 'utf8');
      expect(text, f).not.toMatch(/from ['"](node:|fs|path|child_process)/);
    }
  });
});

describe('shipped TSA roots', () => {
  it('the index matches the PEM files, each a self-signed CA, and each default authority has its root', async () => {
    const index = await loadShippedRootIndex(diskLoader);
    const pems = await loadShippedRoots(diskLoader);
    expect(pems).toHaveLength(index.length);
    index.forEach((entry, i) => {
      const cert = pemToCerts(pems[i]!)[0]!;
      expect(createHash('sha256').update(derOf(pems[i]!)).digest('hex'), entry.file).toBe(entry.sha256);
      expect(cert.subject.isEqual(cert.issuer), `${entry.file} is self-signed`).toBe(true);
    });
    for (const a of DEFAULT_TSA_AUTHORITIES) {
      expect(a.roots.length).toBeGreaterThan(0);
      for (const r of a.roots) expect(index.find((e) => e.file === r)?.authorities, `${a.url}: ${r}`).toContain(a.url);
    }
  });

  it("are byte-identical to the system's Mozilla store copies, where present", () => {
    const map: Record<string, string> = {
      'digicert-trusted-root-g4.pem': 'DigiCert_Trusted_Root_G4.pem',
      'digicert-assured-id-root-ca.pem': 'DigiCert_Assured_ID_Root_CA.pem',
      'usertrust-rsa-certification-authority.pem': 'USERTrust_RSA_Certification_Authority.pem',
      'globalsign-root-ca-r6.pem': 'GlobalSign_Root_CA_-_R6.pem',
    };
    let compared = 0;
    for (const [ours, system] of Object.entries(map)) {
      const p = join('/etc/ssl/certs', system);
      if (!existsSync(p)) continue;
      expect(derOf(readFileSync(join(ROOTS, ours), 'utf8')).equals(derOf(readFileSync(p, 'utf8'))), ours).toBe(true);
      compared++;
    }
    expect(compared).toBeGreaterThan(0);
  });

  it("in the extension, loads them from the extension's own files", async () => {
    const urls: string[] = [];
    vi.stubGlobal('chrome', { runtime: { getURL: (p: string) => `chrome-extension://nlbbhhpehmbiidbgbelfgeldgdfifafn/${p}` } });
    vi.stubGlobal('fetch', async (u: string) => {
      urls.push(u);
      const file = u.split('/tsa-roots/')[1]!;
      return new Response(await readFile(join(ROOTS, file), 'utf8'));
    });
    const pems = await loadShippedRoots(extensionRootLoader);
    expect(pems.length).toBeGreaterThanOrEqual(4);
    expect(urls[0]).toBe('chrome-extension://nlbbhhpehmbiidbgbelfgeldgdfifafn/tsa-roots/index.json');
    expect(urls.every((u) => u.startsWith('chrome-extension://nlbbhhpehmbiidbgbelfgeldgdfifafn/tsa-roots/'))).toBe(true);
  });
});
