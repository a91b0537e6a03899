/**
 * A real RFC 3161 time-stamping authority for tests and the benchmark: `openssl ts -reply` behind a
 * small HTTP server on 127.0.0.1. The root CA and the TSA certificate (extendedKeyUsage critical
 * timeStamping, as RFC 3161 requires) are made by the openssl CLI in a temp dir, so the tokens are
 * exactly what a stock TSA would produce and `openssl ts -verify` can check them.
 *
 *   const tsa = await startLocalTsa();
 *   ... tsa.url, tsa.rootPem, tsa.rootPath ...
 *   await tsa.stop();   // down: connections are refused on the same port
 *   await tsa.start();  // up again on the same port
 *   await tsa.close();  // stop and delete the temp dir
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as asn1js from 'asn1js';
import { PKIStatusInfo, TimeStampResp } from 'pkijs';

const run = promisify(execFile);

export interface TestPki {
  dir: string;
  rootPem: string;
  rootPath: string;
  tsaCertPem: string;
  tsaCertPath: string;
  tsaKeyPath: string;
}

export interface LocalTsa extends TestPki {
  url: string;
  port: number;
  /** Number of time-stamp queries answered (any status). */
  readonly requests: number;
  /**
   * 'ok' answers; 'reject' answers HTTP 200 with PKIStatus rejection; 'http-500' fails at the HTTP
   * level; 'hang' accepts the request and never answers (until stop()).
   */
  mode: 'ok' | 'reject' | 'http-500' | 'hang';
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

const TS_CONFIG = `
[ tsa ]
default_tsa = tsa_config1
[ tsa_config1 ]
serial = ./serial
crypto_device = builtin
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1
other_policies = 1.3.6.1.4.1.99999.2
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
`;

function keyArgs(alg: 'rsa' | 'ec'): string[] {
  return alg === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
}

/** Makes a root CA and a TSA certificate it issued, with the openssl CLI, in a new temp dir. */
export async function makeTestPki(opts: { keyAlg?: 'rsa' | 'ec'; name?: string; dir?: string } = {}): Promise<TestPki> {
  const alg = opts.keyAlg ?? 'rsa';
  const name = opts.name ?? 'Jianzheng Test';
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'jz-tsa-')));
  const o = { cwd: dir };
  await run('openssl', ['req', '-x509', ...keyArgs(alg), '-nodes', '-keyout', 'root.key', '-out', 'root.pem', '-days', '3650',
    '-subj', `/O=${name}/CN=${name} Root CA`, '-addext', 'basicConstraints=critical,CA:true',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], o);
  await run('openssl', ['req', ...keyArgs(alg), '-nodes', '-keyout', 'tsa.key', '-out', 'tsa.csr', '-subj', `/O=${name}/CN=${name} TSA`], o);
  await writeFile(join(dir, 'tsa-ext.cnf'),
    'basicConstraints=CA:false\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n');
  await run('openssl', ['x509', '-req', '-in', 'tsa.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial',
    '-out', 'tsa.pem', '-days', '3650', '-extfile', 'tsa-ext.cnf'], o);
  await writeFile(join(dir, 'ts.cnf'), TS_CONFIG);
  await writeFile(join(dir, 'serial'), '01\n');
  return {
    dir,
    rootPem: await readFile(join(dir, 'root.pem'), 'utf8'),
    rootPath: join(dir, 'root.pem'),
    tsaCertPem: await readFile(join(dir, 'tsa.pem'), 'utf8'),
    tsaCertPath: join(dir, 'tsa.pem'),
    tsaKeyPath: join(dir, 'tsa.key'),
  };
}

/** Answers one DER TimeStampReq with a DER TimeStampResp made by `openssl ts -reply`. */
export async function opensslReply(pki: TestPki, query: Uint8Array, n: number): Promise<Uint8Array> {
  const q = join(pki.dir, `q${n}.tsq`);
  const r = join(pki.dir, `r${n}.tsr`);
  await writeFile(q, query);
  try {
    await run('openssl', ['ts', '-reply', '-config', 'ts.cnf', '-queryfile', q, '-inkey', 'tsa.key', '-signer', 'tsa.pem',
      '-chain', 'tsa.pem', '-out', r], { cwd: pki.dir });
    return new Uint8Array(await readFile(r));
  } finally {
    await rm(q, { force: true });
    await rm(r, { force: true });
  }
}

// A TimeStampResp with status rejection (2), as a TSA refusing a query sends it.
const REJECTION = new Uint8Array(
  new TimeStampResp({ status: new PKIStatusInfo({ status: 2, statusStrings: [new asn1js.Utf8String({ value: 'test: refused' })] }) })
    .toSchema()
    .toBER(),
);

async function freePort(): Promise<number> {
  const s: Server = createServer();
  await new Promise<void>((res) => s.listen(0, '127.0.0.1', res));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((res) => s.close(() => res()));
  return port;
}

export async function startLocalTsa(opts: { keyAlg?: 'rsa' | 'ec'; name?: string; port?: number } = {}): Promise<LocalTsa> {
  const pki = await makeTestPki(opts);
  const port = opts.port ?? (await freePort());
  let requests = 0;
  let serial = Promise.resolve<unknown>(undefined); // openssl's serial file: one reply at a time
  const sockets = new Set<Socket>();
  let server: ReturnType<typeof createHttpServer> | null = null;

  const tsa: LocalTsa = {
    ...pki,
    url: `http://127.0.0.1:${port}/tsr`,
    port,
    mode: 'ok',
    get requests() {
      return requests;
    },
    async start() {
      if (server) return;
      const s = createHttpServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          if (req.method !== 'POST' || req.headers['content-type'] !== 'application/timestamp-query') {
            res.writeHead(415).end('expected POST application/timestamp-query');
            return;
          }
          const n = ++requests;
          if (tsa.mode === 'hang') return;
          if (tsa.mode === 'http-500') {
            res.writeHead(500).end('down for maintenance');
            return;
          }
          if (tsa.mode === 'reject') {
            res.writeHead(200, { 'Content-Type': 'application/timestamp-reply' }).end(REJECTION);
            return;
          }
          const job = serial.then(() => opensslReply(pki, new Uint8Array(Buffer.concat(chunks)), n));
          serial = job.catch(() => undefined);
          job.then(
            (der) => res.writeHead(200, { 'Content-Type': 'application/timestamp-reply' }).end(der),
            (e: unknown) => res.writeHead(500).end(String(e)),
          );
        });
      });
      s.on('connection', (sock) => {
        sockets.add(sock);
        sock.on('close', () => sockets.delete(sock));
      });
      await new Promise<void>((res, rej) => {
        s.once('error', rej);
        s.listen(port, '127.0.0.1', () => res());
      });
      server = s;
    },
    async stop() {
      const s = server;
      if (!s) return;
      server = null;
      for (const sock of sockets) sock.destroy();
      await new Promise<void>((res) => s.close(() => res()));
    },
    async close() {
      await tsa.stop();
      await rm(pki.dir, { recursive: true, force: true });
    },
  };
  await tsa.start();
  return tsa;
}
