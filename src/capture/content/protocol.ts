/**
 * Messages between the background and the capture content script (top frame). The content script
 * is injected only into a tab the user (or the CLI) asked to capture.
 */
import type { Post } from '../../bundle/format';

export const CONTENT_CHUNK_CHARS = 8 * 1024 * 1024;

export interface CollectRequest {
  type: 'jz-collect';
  runId: string;
  capturedAt: string;
  lazy: boolean;
  expand: boolean;
  /** Element mode: the picker chooses the element first. */
  element: boolean;
}

export interface PageGeometry {
  scrollWidth: number;
  scrollHeight: number;
  innerWidth: number;
  innerHeight: number;
  devicePixelRatio: number;
  scrollX: number;
  scrollY: number;
}

export interface ElementBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface CollectResponse {
  ok: true;
  runId: string;
  url: string;
  /** Length in UTF-16 code units of the snapshot; fetched in chunks with jz-chunk. */
  htmlLength: number;
  elementHtmlLength: number;
  text: string;
  textSource: 'readability' | 'body';
  metadata: Record<string, unknown>;
  post: Post | null;
  adapter: string | null;
  geometry: PageGeometry;
  element: ElementBox | null;
  userAgent: string;
  contentType: string;
  notes: string[];
  timings: Record<string, number>;
}

export interface CollectFailure {
  ok: false;
  error: string;
}

export interface ChunkRequest {
  type: 'jz-chunk';
  runId: string;
  which: 'page' | 'element';
  offset: number;
}

export interface ReleaseRequest {
  type: 'jz-release';
  runId: string;
}

export type ContentRequest = CollectRequest | ChunkRequest | ReleaseRequest;
