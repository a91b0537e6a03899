/**
 * Child processes for the benchmark: asynchronous only (the page servers live in this process, so a
 * blocking spawn would stall the very pages being captured), wall time from spawn to exit.
 */
import { spawn } from 'node:child_process';

export interface ProcResult {
  code: number | null;
  ms: number;
  stdout: string;
  stderr: string;
  /** Process id, for the memory sampler. */
  pid: number;
}

export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; onSpawn?: (pid: number) => void } = {}): Promise<ProcResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    // detached: its own process group, so a timeout ends the CLI *and* the browser it started.
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            /* already gone */
          }
        }, opts.timeoutMs)
      : null;
    child.on('error', reject);
    if (child.pid) opts.onSpawn?.(child.pid);
    child.on('exit', (code) => {
      if (timer) clearTimeout(timer);
      resolve({ code, ms: performance.now() - started, stdout, stderr, pid: child.pid ?? 0 });
    });
  });
}

export function stats(xs: number[]): { min: number; median: number; max: number; n: number } | null {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const mid = Math.floor(v.length / 2);
  const median = v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
  return { min: v[0]!, median, max: v[v.length - 1]!, n: v.length };
}
