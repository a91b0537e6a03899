/**
 * export.html: exports a selection (?ids=a,b) or a case (?case=id) through the export dialog, and
 * serves as the CLI's control page: the CLI posts jobs to this window from inside it (see
 * src/cli/control.ts). Jobs are accepted only from this very window, never from another frame
 * or origin.
 */
import { applyI18n, t } from './i18n';
import { getDb } from '../store/db';
import { exportHoldingFiles, mountExportDialog, saveBlob, storeExportRunner, formatBytes } from './export-dialog';
import { selectCaptures, type ExportSelection } from '../bundle/export-store';
import { createCase, listCases } from '../store/cases';
import { setTsaSettings, tsaSettingsFromCli } from '../timestamp/settings';
import { restoreIdentity } from '../crypto/keys';
import { installRestoredIdentity, getOrCreateIdentity } from '../crypto/identity-store';
import { base64ToBytes } from '../shared/bytes';
import { cleanupExportFiles } from '../bundle/opfs-sink';
import { packLoose, removeDeletedFiles } from '../store/packs';
import type { ConfigureJob, ControlJob, ExportJob, JobResult, PackJob } from '../cli/control';

async function configure(job: ConfigureJob): Promise<Partial<JobResult>> {
  const db = getDb();
  // --tsa replaces the profile's authorities; --no-tsa only flips the switch, so a profile switched
  // back on still has its list.
  if (job.tsa) await setTsaSettings(db, job.tsa.enabled && job.tsa.urls?.length ? tsaSettingsFromCli({ tsa: job.tsa.urls }) : { enabled: job.tsa.enabled });
  if (job.keyBackup) {
    const identity = await restoreIdentity(base64ToBytes(job.keyBackup.base64), job.keyBackup.passphrase);
    await installRestoredIdentity(db, identity);
  }
  const identity = await getOrCreateIdentity(db);
  let caseId: string | undefined;
  const caseName = job.caseName?.trim();
  if (caseName) {
    const existing = (await listCases(db, { includeArchived: false })).find((c) => c.name === caseName);
    caseId = existing?.id ?? (await createCase(db, caseName)).id;
  }
  return { caseId, signer: { fingerprint: identity.fingerprint, name: identity.name } };
}

async function runExport(job: ExportJob): Promise<Partial<JobResult>> {
  // Composed of the capture files, or streamed into an OPFS file: the page never holds the bundle.
  const result = await exportHoldingFiles(getDb(), { captureIds: job.captureIds }, { age: job.age, ...(job.composeMax !== undefined ? { composeMax: job.composeMax } : {}) });
  const fileName = result.encrypted && !job.fileName.endsWith('.age') ? `${job.fileName}.age` : job.fileName;
  saveBlob(result.blob, fileName);
  return {
    fileName,
    manifestSha256: result.manifestSha256,
    size: result.blob.size,
    written: result.written,
    storedParts: result.storedParts,
    signer: { fingerprint: result.manifest.signer?.fingerprint ?? '', name: result.manifest.signer?.name ?? null },
  };
}

async function pack(job: PackJob): Promise<Partial<JobResult>> {
  return { packed: await packLoose(getDb(), job.minBytes !== undefined ? { minBytes: job.minBytes } : {}) };
}

function listenForJobs(): void {
  window.addEventListener('message', (event: MessageEvent) => {
    if (event.source !== window || event.origin !== location.origin) return;
    const job = event.data as ControlJob;
    if (job?.type !== 'jz-configure' && job?.type !== 'jz-export' && job?.type !== 'jz-pack') return;
    const work = job.type === 'jz-configure' ? configure(job) : job.type === 'jz-pack' ? pack(job) : runExport(job);
    work.then(
      (r) => window.postMessage({ type: 'jz-job-result', jobId: job.jobId, ok: true, ...r } satisfies JobResult, location.origin),
      (e: Error) => window.postMessage({ type: 'jz-job-result', jobId: job.jobId, ok: false, error: e.message } satisfies JobResult, location.origin),
    );
  });
}

async function mountDialog(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const ids = params.get('ids')?.split(',').filter(Boolean);
  const caseId = params.get('case') ?? undefined;
  const info = document.getElementById('selection')!;
  if (!ids?.length && !caseId) {
    info.textContent = t('exportNothingSelected');
    return;
  }
  const sel: ExportSelection = ids?.length ? { captureIds: ids } : { caseId };
  const rows = await selectCaptures(getDb(), sel);
  const bytes = rows.reduce((n, r) => n + r.size, 0);
  info.textContent = `${rows.length} · ${formatBytes(bytes)}`;
  mountExportDialog(document.getElementById('dialog')!, { summary: { captures: rows.length, bytes }, run: storeExportRunner(getDb(), sel) });
}

export function initExportPage(): void {
  applyI18n();
  listenForJobs();
  // Temporary bundles left by pages closed before their download finished, and the files of
  // captures deleted while an export was reading them.
  void cleanupExportFiles().catch(() => 0);
  void removeDeletedFiles(getDb());
  void mountDialog().catch((e: Error) => {
    document.getElementById('selection')!.textContent = e.message;
  });
}
