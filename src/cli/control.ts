/**
 * Jobs the CLI hands to the extension's control page (export.html) with window.postMessage from
 * inside that page (Playwright's page.evaluate). Web pages cannot reach an extension page's window,
 * and the page accepts only messages whose source is itself.
 */
import type { ExportResult } from '../bundle/export';

export interface ExportJob {
  type: 'jz-export';
  jobId: string;
  captureIds: string[];
  fileName: string;
  age?: { recipients?: string[]; passphrase?: string };
  /**
   * Added, for tests and benchmarks: bundles of more captures than this are not composed of the
   * capture files but written into one file by a worker (or streamed). Default: COMPOSE_MAX.
   */
  composeMax?: number;
}

export interface ConfigureJob {
  type: 'jz-configure';
  jobId: string;
  /** TSA settings for this profile: --no-tsa / --tsa. */
  tsa?: { enabled: boolean; urls?: string[] };
  /** Case to capture into, created when missing. */
  caseName?: string;
  /** A passphrase-protected key backup (age-encrypted bytes as base64) to sign with. */
  keyBackup?: { base64: string; passphrase: string };
}

/**
 * Merges loose capture chunks into packs now (src/store/packs.ts packLoose), as the background
 * does after captures once enough are loose. For tests and benchmarks: `minBytes` 0 merges even a
 * few small ones.
 */
export interface PackJob {
  type: 'jz-pack';
  jobId: string;
  minBytes?: number;
}

export type ControlJob = ExportJob | ConfigureJob | PackJob;

export interface JobResult {
  type: 'jz-job-result';
  jobId: string;
  ok: boolean;
  error?: string;
  caseId?: string;
  fileName?: string;
  manifestSha256?: string;
  size?: number;
  signer?: { fingerprint: string; name: string | null };
  /** Added: how an export's bundle was made. */
  written?: ExportResult['written'];
  /** Added: a composed bundle's stored Blob parts (ExportResult.storedParts). */
  storedParts?: number | null;
  /** Added: captures a jz-pack job moved into packs. */
  packed?: number;
}
