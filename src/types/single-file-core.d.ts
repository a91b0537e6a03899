// single-file-core ships plain ES modules without type declarations; we use a small surface of it.
declare module 'single-file-core/single-file.js' {
  export interface SingleFilePageData {
    content: string;
    title: string;
    filename?: string;
    stats?: unknown;
  }
  export interface SingleFileInitOptions {
    fetch?: (url: string, init: { referrer?: string; headers?: Record<string, string> }) => Promise<SingleFileResponse>;
    frameFetch?: (url: string, init: { referrer?: string; headers?: Record<string, string>; frameId?: string }) => Promise<SingleFileResponse>;
  }
  export interface SingleFileResponse {
    status: number;
    url: string;
    headers: { get(name: string): string | null };
    arrayBuffer(): Promise<ArrayBuffer>;
  }
  export function getPageData(options: Record<string, unknown>, initOptions?: SingleFileInitOptions, doc?: Document, win?: Window): Promise<SingleFilePageData>;
  export function init(initOptions: SingleFileInitOptions): void;
}
declare module 'single-file-core/single-file-frames.js' {
  export function getAsync(options: unknown): Promise<unknown>;
}
