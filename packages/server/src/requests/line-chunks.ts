import type { Environment, RequestKind } from '@gatehouse/domain';
import { BlockBuilder, type NewBlock } from './blocks';
import type { LogLine } from './line';

/**
 * Lines as a request leaves them: a fixed-size record each, written into a byte buffer, its texts (app,
 * tenant, route, error code, scope…) as numbers into the chunk's own list of texts, and its request id as
 * its characters. A call's line then costs the event loop a few lookups and nothing of its own that
 * outlives the call but those bytes. Building the blocks (blocks.ts) as the calls came cost a gated call
 * about 25 µs of the event loop, part of it collecting what the open blocks held for up to a second (see
 * the benchmark's README); they are now built from the chunks where they are written, on the log's thread
 * once it runs.
 */
export interface LineChunk {
  buffer: ArrayBuffer;
  /** Records in it. */
  count: number;
  /** The texts its records name: index 0 is null. */
  texts: (string | null)[];
}

/** A record: at, latency and status (float64), 8 texts (uint32), the id's length and 64 UTF-16 units. */
const RECORD_BYTES = 192;
const TEXTS_AT = 24;
const ID_AT = 56;
/** The longest request id a line keeps (as BlockBuilder does). */
const ID_UNITS = 64;
const CHUNK_RECORDS = 256;

/** Lines being written into chunks, until `take`. */
export class LineChunks {
  private readonly full: LineChunk[] = [];
  private chunk: LineChunk | undefined;
  private f64 = new Float64Array(0);
  private u32 = new Uint32Array(0);
  private u16 = new Uint16Array(0);
  private places = new Map<string, number>();
  /** Lines held, in all chunks. */
  size = 0;

  add(line: LogLine): void {
    let chunk = this.chunk;
    if (!chunk || chunk.count === CHUNK_RECORDS) chunk = this.start();
    const record = chunk.count * RECORD_BYTES;
    const { f64, u32, u16 } = this;
    // A line without a usable time gets the time it came, as a block would have given it then.
    f64[record / 8] = Number.isFinite(line.at) ? line.at : Date.now();
    f64[record / 8 + 1] = line.latencyMs;
    f64[record / 8 + 2] = line.status;
    const texts = (record + TEXTS_AT) / 4;
    u32[texts] = this.place(line.kind);
    u32[texts + 1] = this.place(line.appId);
    u32[texts + 2] = this.place(line.tenantId);
    u32[texts + 3] = this.place(line.environment);
    u32[texts + 4] = this.place(line.method);
    u32[texts + 5] = this.place(line.route);
    u32[texts + 6] = this.place(line.errorCode);
    u32[texts + 7] = this.place(line.scope);
    const id = line.requestId;
    const units = Math.min(id.length, ID_UNITS);
    const at = (record + ID_AT) / 2;
    u16[at] = units;
    for (let i = 0; i < units; i++) u16[at + 1 + i] = id.charCodeAt(i);
    chunk.count++;
    this.size++;
  }

  /** Every chunk; it starts empty. */
  take(): LineChunk[] {
    const chunks = this.full.splice(0);
    if (this.chunk && this.chunk.count > 0) chunks.push(this.chunk);
    this.chunk = undefined;
    this.size = 0;
    return chunks;
  }

  private start(): LineChunk {
    if (this.chunk) this.full.push(this.chunk);
    const buffer = new ArrayBuffer(CHUNK_RECORDS * RECORD_BYTES);
    const chunk: LineChunk = { buffer, count: 0, texts: [null] };
    this.f64 = new Float64Array(buffer);
    this.u32 = new Uint32Array(buffer);
    this.u16 = new Uint16Array(buffer);
    this.places = new Map();
    this.chunk = chunk;
    return chunk;
  }

  private place(text: string | null): number {
    if (text === null) return 0;
    let place = this.places.get(text);
    if (place === undefined) {
      const texts = (this.chunk as LineChunk).texts;
      place = texts.length;
      texts.push(text);
      this.places.set(text, place);
    }
    return place;
  }
}

/** The lines of chunks, in the order they came. */
export function* linesOfChunks(chunks: readonly LineChunk[]): Generator<LogLine> {
  for (const { buffer, count, texts } of chunks) {
    const f64 = new Float64Array(buffer);
    const u32 = new Uint32Array(buffer);
    const u16 = new Uint16Array(buffer);
    const text = (i: number) => texts[u32[i] as number] ?? null;
    for (let n = 0; n < count; n++) {
      const record = n * RECORD_BYTES;
      const t = (record + TEXTS_AT) / 4;
      const id = (record + ID_AT) / 2;
      const units = u16[id] as number;
      yield {
        at: f64[record / 8] as number,
        latencyMs: f64[record / 8 + 1] as number,
        status: f64[record / 8 + 2] as number,
        kind: text(t) as RequestKind,
        appId: text(t + 1) ?? '',
        tenantId: text(t + 2),
        environment: text(t + 3) as Environment,
        method: text(t + 4) ?? '',
        route: text(t + 5) ?? '',
        errorCode: text(t + 6),
        scope: text(t + 7),
        requestId: String.fromCharCode.apply(
          null,
          u16.subarray(id + 1, id + 1 + units) as unknown as number[],
        ),
      };
    }
  }
}

/** The blocks of chunks' lines (BlockBuilder), after `before`: blocks a write left for later. */
export function blocksOfChunks(before: readonly NewBlock[], chunks: readonly LineChunk[]): NewBlock[] {
  const builder = new BlockBuilder();
  for (const line of linesOfChunks(chunks)) builder.add(line);
  return before.concat(builder.take());
}

export const linesInChunks = (chunks: readonly LineChunk[]): number =>
  chunks.reduce((n, chunk) => n + chunk.count, 0);
