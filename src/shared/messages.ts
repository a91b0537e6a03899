/**
 * Typed messages between extension contexts. The background accepts a message only when its sender
 * is this extension (see isOwnSender); web pages cannot reach these handlers at all, since the
 * manifest declares no externally_connectable and nothing is web-accessible.
 */
import type { ArtifactKind } from '../bundle/format';

export type CaptureStage = 'starting' | 'snapshot' | 'screenshots' | 'mhtml' | 'hashing' | 'saving' | 'timestamp' | 'done' | 'failed';

export interface CaptureOptions {
  /** The URL exactly as the user or CLI asked for it; defaults to the tab's URL. */
  requestedUrl?: string;
  caseId?: string;
  /** Extra settle time after load, in ms. */
  waitMs?: number;
  /** Capture one element chosen with the picker instead of the whole page. */
  mode?: 'page' | 'element';
  /** Give up after this long (default 120 s); nothing is saved then. */
  timeoutMs?: number;
}

export interface CaptureSummary {
  id: string;
  hash: string;
  url: string;
  finalUrl: string;
  title: string | null;
  capturedAt: string;
  size: number;
  artifacts: { kind: ArtifactKind; size: number; sha256: string }[];
  notes: string[];
  timings: Record<string, number>;
}

export type CaptureResult = { ok: true; capture: CaptureSummary } | { ok: false; error: string; code: CaptureErrorCode };

export type CaptureErrorCode =
  | 'not-capturable'
  | 'tab-closed'
  | 'timeout'
  | 'quota'
  | 'navigation-failed'
  | 'internal';

export type BackgroundRequest =
  | { type: 'capture-tab'; tabId?: number; options?: CaptureOptions }
  | { type: 'capture-url'; url: string; options?: CaptureOptions }
  | { type: 'fetch-resource'; url: string; referrer?: string }
  | { type: 'get-progress' };

export interface FetchResourceResponse {
  ok: boolean;
  status: number;
  contentType: string | null;
  /** Base64 of the body: runtime messages are JSON, so binary travels as text. */
  body: string | null;
  error?: string;
}

export interface ProgressMessage {
  type: 'capture-progress';
  runId: string;
  stage: CaptureStage;
  detail?: string;
}
