/**
 * Streaming OSM PBF reader: reads the file sequentially in chunks, decodes the OSMHeader on the
 * main thread and hands OSMData blobs to a pool of worker threads (or decodes them inline with
 * `workers: 0`). A bounded number of blobs is in flight; batches come out strictly in file order.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { IngestError } from '../../model/errors.js';
import {
  decodeBlob,
  decodeBlobHeader,
  decodeDataBlob,
  decodeHeaderBlock,
  materialize,
  MAX_BLOB_HEADER_SIZE,
  MAX_BLOB_SIZE,
  PbfFormatError,
  unsupportedFeatures,
  type WireBatch,
} from './pbf-decode.js';
import type { OsmBatch, OsmHeader, OsmReadOptions, OsmReader } from './types.js';
import { cannotOpen, EMPTY_FILE, halves } from './messages.js';
import type { ZhEn } from '../bilingual.js';

const CHUNK = 1 << 20;
/** Below this size and without an explicit `workers` option, decode on the calling thread. */
const SMALL_FILE = 4 << 20;

interface RawBlob {
  index: number;
  offset: number;
  type: string;
  data: Uint8Array;
}

function where(index: number, offset: number): string {
  return `block ${index} at byte ${offset}`;
}

/** why a block does not decode, `中文 / English` (the decoder's reasons are in both already) */
function reason(e: unknown): string {
  if (e instanceof PbfFormatError) return e.message;
  const m = (e as Error)?.message ?? String(e);
  return `protobuf 格式错误（${m}） / malformed protobuf (${m})`;
}

/** `what` about the reason of a block that does not decode: "bad BlobHeader: ..." */
function about(what: ZhEn, e: unknown): string {
  const r = halves(reason(e));
  return `${what.zh}：${r.zh} / ${what.en}: ${r.en}`;
}

/** Sequential blob reader over a file handle with a chunk buffer. */
class BlobStream {
  private buf = Buffer.allocUnsafe(CHUNK);
  private start = 0;
  private end = 0;
  /** file offset of buf[end] */
  private filePos = 0;
  index = 0;

  constructor(
    private readonly fh: FileHandle,
    private readonly file: string,
    readonly size: number,
  ) {}

  /** file offset of the next unread byte */
  get offset(): number {
    return this.filePos - (this.end - this.start);
  }

  /** Makes at least n bytes available if the file has them; returns how many are. */
  private async fill(n: number): Promise<number> {
    if (this.end - this.start >= n) return this.end - this.start;
    if (n > this.buf.length) {
      const nb = Buffer.allocUnsafe(Math.max(n, this.buf.length * 2));
      this.buf.copy(nb, 0, this.start, this.end);
      this.end -= this.start;
      this.start = 0;
      this.buf = nb;
    } else if (this.start > 0) {
      this.buf.copy(this.buf, 0, this.start, this.end);
      this.end -= this.start;
      this.start = 0;
    }
    while (this.end < n) {
      const { bytesRead } = await this.fh.read(this.buf, this.end, this.buf.length - this.end, this.filePos);
      if (bytesRead === 0) break;
      this.end += bytesRead;
      this.filePos += bytesRead;
    }
    return this.end - this.start;
  }

  private truncated(index: number, offset: number, what: ZhEn): IngestError {
    return new IngestError(this.file, where(index, offset), `文件不完整：${what.zh}（文件大小 ${this.size} 字节） / truncated file: ${what.en} (file size ${this.size} bytes)`);
  }

  /** Next blob, or null at a clean end of file. */
  async next(): Promise<RawBlob | null> {
    const index = this.index;
    const offset = this.offset;
    let avail = await this.fill(4);
    if (avail === 0) return null;
    if (avail < 4) throw this.truncated(index, offset, { zh: `数据块头长度处只有 ${avail} 个零散字节`, en: `${avail} stray bytes where a blob header length should be` });
    const hlen = this.buf.readUInt32BE(this.start);
    if (hlen === 0 || hlen > MAX_BLOB_HEADER_SIZE) {
      throw new IngestError(
        this.file,
        where(index, offset),
        `数据块头大小 ${hlen} 无效（应为 1..${MAX_BLOB_HEADER_SIZE}）：不是 OSM PBF 文件，或文件已损坏 / ` +
          `bad blob header size ${hlen} (must be 1..${MAX_BLOB_HEADER_SIZE}); not an OSM PBF file or corrupted`,
      );
    }
    avail = await this.fill(4 + hlen);
    if (avail < 4 + hlen) throw this.truncated(index, offset, { zh: `数据块头需要 ${hlen} 字节，只剩 ${avail - 4} 字节`, en: `blob header needs ${hlen} bytes, only ${avail - 4} left` });
    let bh;
    try {
      bh = decodeBlobHeader(this.buf.subarray(this.start + 4, this.start + 4 + hlen));
    } catch (e) {
      throw new IngestError(this.file, where(index, offset), about({ zh: 'BlobHeader 无效', en: 'bad BlobHeader' }, e));
    }
    if (bh.datasize > MAX_BLOB_SIZE) {
      throw new IngestError(this.file, where(index, offset), `数据块过大：${bh.datasize} 字节（上限 ${MAX_BLOB_SIZE}） / blob too large: ${bh.datasize} bytes (limit ${MAX_BLOB_SIZE})`);
    }
    this.start += 4 + hlen;
    const n = bh.datasize;
    const data = new Uint8Array(n);
    const have = Math.min(n, this.end - this.start);
    data.set(this.buf.subarray(this.start, this.start + have));
    this.start += have;
    let got = have;
    if (got < n) {
      if (n - got > this.buf.length / 2) {
        // big blob: read the rest straight into it
        while (got < n) {
          const { bytesRead } = await this.fh.read(data, got, n - got, this.filePos);
          if (bytesRead === 0) break;
          got += bytesRead;
          this.filePos += bytesRead;
        }
      } else {
        const a = await this.fill(n - got);
        const m = Math.min(a, n - got);
        data.set(this.buf.subarray(this.start, this.start + m), got);
        this.start += m;
        got += m;
      }
    }
    if (got < n) throw this.truncated(index, offset, { zh: `${bh.type} 数据块需要 ${n} 字节，只剩 ${got} 字节`, en: `${bh.type} blob needs ${n} bytes, only ${got} left` });
    this.index++;
    return { index, offset, type: bh.type, data };
  }
}

async function openFile(file: string): Promise<FileHandle> {
  try {
    return await open(file, 'r');
  } catch (e) {
    throw new IngestError(file, undefined, cannotOpen(e));
  }
}

function decodeHeader(file: string, b: RawBlob | null): OsmHeader {
  if (!b) throw new IngestError(file, undefined, EMPTY_FILE);
  if (b.type !== 'OSMHeader') {
    throw new IngestError(file, where(b.index, b.offset), `第一个数据块是 '${b.type}'，应为 'OSMHeader' / first block is '${b.type}', expected 'OSMHeader'`);
  }
  let h: OsmHeader;
  try {
    h = decodeHeaderBlock(decodeBlob(b.data));
  } catch (e) {
    throw new IngestError(file, where(b.index, b.offset), about({ zh: 'OSMHeader 无效', en: 'bad OSMHeader' }, e));
  }
  const bad = unsupportedFeatures(h);
  if (bad.length) {
    const history = bad.includes('HistoricalInformation');
    throw new IngestError(file, where(b.index, b.offset), `文件需要不支持的特性：${bad.join(', ')}${history ? '（不支持历史文件）' : ''} / ` +
      `file requires unsupported features: ${bad.join(', ')}${history ? ' (history files are not supported)' : ''}`);
  }
  return h;
}

async function readHeader(file: string): Promise<OsmHeader> {
  const fh = await openFile(file);
  try {
    const size = (await fh.stat()).size;
    return decodeHeader(file, await new BlobStream(fh, file, size).next());
  } finally {
    await fh.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Worker pool

let live = 0;
/** Worker threads of this module currently alive (for tests and diagnostics). */
export function liveWorkerCount(): number {
  return live;
}

function workerSpec(): { url: URL } {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    // Running from TypeScript sources (vitest, tsx): a tiny ES module bootstrap registers tsx's
    // loader inside the worker, then imports the worker's .ts source. (`execArgv: ['--import',
    // 'tsx']` does not reach the worker's entry module on Node 20.)
    const api = new URL('dist/esm/api/index.mjs', pathToFileURL(createRequire(here).resolve('tsx/package.json'))).href;
    const entry = new URL('./pbf-worker.ts', here).href;
    const code = `import { register } from ${JSON.stringify(api)}; register(); await import(${JSON.stringify(entry)});`;
    return { url: new URL(`data:text/javascript,${encodeURIComponent(code)}`) };
  }
  return { url: new URL('./pbf-worker.js', here) };
}

interface Task {
  resolve: (w: WireBatch) => void;
  reject: (e: Error) => void;
}

interface PoolWorker {
  w: Worker;
  tasks: Map<number, Task>;
  dead: boolean;
}

type Reply = { id: number; wire: WireBatch } | { id: number; error: string; format: boolean };

class DecodeFailure extends Error {}

class WorkerPool {
  private workers: PoolWorker[] = [];
  private nextId = 0;
  private closed = false;

  constructor(private readonly max: number) {}

  private spawn(): PoolWorker {
    const spec = workerSpec();
    // Workers get the process's module-loading options (loaders such as tsx under the tests) and
    // nothing else: per-isolate V8 flags (--max-old-space-size, --max-semi-space-size, ...) make
    // a worker fail to start, and so does --input-type (as in `node --input-type=module -e`).
    const execArgv: string[] = [];
    const WITH_VALUE = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader', '--conditions', '-C']);
    for (let i = 0; i < process.execArgv.length; i++) {
      const arg = process.execArgv[i];
      const name = arg.split('=')[0];
      if (WITH_VALUE.has(name)) {
        execArgv.push(arg);
        if (!arg.includes('=') && i + 1 < process.execArgv.length) execArgv.push(process.execArgv[++i]);
      } else if (arg === '--enable-source-maps' || arg === '--no-warnings' || (arg.startsWith('--experimental-') && !arg.startsWith('--experimental-default-type'))) {
        execArgv.push(arg);
      }
    }
    const w = new Worker(spec.url, { execArgv });
    live++;
    const pw: PoolWorker = { w, tasks: new Map(), dead: false };
    const failAll = (e: Error) => {
      pw.dead = true;
      for (const t of pw.tasks.values()) t.reject(e);
      pw.tasks.clear();
    };
    w.on('message', (m: Reply) => {
      const t = pw.tasks.get(m.id);
      if (!t) return;
      pw.tasks.delete(m.id);
      // an idle worker must not keep the process alive, but once the pool is stopping it must:
      // a reply that lands during terminate() would otherwise unref a worker terminate() has
      // just ref'd, the event loop empties, and a script that broke out early exits with 13
      if (pw.tasks.size === 0 && !this.closed) w.unref();
      if ('wire' in m) t.resolve(m.wire);
      else t.reject(m.format ? new PbfFormatError(m.error) : new DecodeFailure(m.error));
    });
    w.on('error', (e) => failAll(new Error(`PBF 解码线程出错：${e.message} / PBF decoding worker failed: ${e.message}`)));
    w.on('exit', (code) => {
      live--;
      failAll(new Error(`PBF 解码线程已退出（退出码 ${code}） / PBF decoding worker exited (code ${code})`));
    });
    w.unref();
    this.workers.push(pw);
    return pw;
  }

  run(blob: Uint8Array): Promise<WireBatch> {
    if (this.closed) return Promise.reject(new Error('worker pool is closed'));
    let best: PoolWorker | undefined;
    for (const pw of this.workers) if (!pw.dead && (!best || pw.tasks.size < best.tasks.size)) best = pw;
    if (!best || (best.tasks.size > 0 && this.workers.filter((x) => !x.dead).length < this.max)) best = this.spawn();
    const pw = best;
    const id = this.nextId++;
    return new Promise<WireBatch>((resolve, reject) => {
      pw.tasks.set(id, { resolve, reject });
      pw.w.ref();
      pw.w.postMessage({ id, blob }, [blob.buffer as ArrayBuffer]);
    });
  }

  async terminate(): Promise<void> {
    this.closed = true;
    const all = this.workers;
    this.workers = [];
    // idle workers are unref'd; ref them while they stop, or the event loop may empty before
    // terminate() settles (see the message handler)
    await Promise.all(all.map((pw) => { pw.w.ref(); return pw.w.terminate().catch(() => 0); }));
  }
}

// ---------------------------------------------------------------------------------------------

export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

async function* readBatches(file: string, opts: OsmReadOptions): AsyncGenerator<OsmBatch> {
  const fh = await openFile(file);
  let pool: WorkerPool | undefined;
  try {
    const size = (await fh.stat()).size;
    const bs = new BlobStream(fh, file, size);
    decodeHeader(file, await bs.next());
    const progress = opts.onProgress;
    progress?.(bs.offset, size);
    // Small files decode faster on this thread than it takes to start a worker (~40 ms).
    const nWorkers =
      opts.workers === undefined ? (size < SMALL_FILE ? 0 : defaultWorkers()) : Math.max(0, Math.floor(opts.workers));

    if (nWorkers === 0) {
      for (;;) {
        const b = await bs.next();
        if (!b) break;
        progress?.(bs.offset, size);
        if (b.type !== 'OSMData') continue; // unknown blob types are skipped (spec)
        let wire: WireBatch;
        try {
          wire = decodeDataBlob(b.data);
        } catch (e) {
          throw new IngestError(file, where(b.index, b.offset), reason(e));
        }
        yield materialize(wire, b.index);
      }
      return;
    }

    pool = new WorkerPool(nWorkers);
    const maxInFlight = 2 * nWorkers + 1;
    const queue: { index: number; offset: number; p: Promise<WireBatch> }[] = [];
    let eof = false;
    let readError: unknown;
    for (;;) {
      while (!eof && queue.length < maxInFlight) {
        let b: RawBlob | null;
        try {
          b = await bs.next();
        } catch (e) {
          // report after the blocks before it, to keep errors in file order
          readError = e;
          eof = true;
          break;
        }
        if (!b) {
          eof = true;
          break;
        }
        progress?.(bs.offset, size);
        if (b.type !== 'OSMData') continue;
        const p = pool.run(b.data);
        p.catch(() => undefined); // handled when it reaches the head of the queue
        queue.push({ index: b.index, offset: b.offset, p });
      }
      const head = queue.shift();
      if (!head) break;
      let wire: WireBatch;
      try {
        wire = await head.p;
      } catch (e) {
        if (e instanceof PbfFormatError || e instanceof DecodeFailure) {
          throw new IngestError(file, where(head.index, head.offset), reason(e));
        }
        throw e;
      }
      yield materialize(wire, head.index);
    }
    if (readError !== undefined) throw readError;
  } finally {
    await pool?.terminate();
    await fh.close();
  }
}

export function openPbf(path: string, opts: OsmReadOptions = {}): OsmReader {
  let header: Promise<OsmHeader> | undefined;
  return {
    header: () => (header ??= readHeader(path)),
    batches: () => readBatches(path, opts),
  };
}
