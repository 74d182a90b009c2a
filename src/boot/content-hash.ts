/**
 * A 64-bit content hash (FNV-1a over 64-bit little-endian words, seeded with the length), as 16
 * hex digits, or undefined where WebAssembly is unavailable (--jitless). Not cryptographic: it
 * tells a cache made from these exact bytes from one made from others (a rebuilt bundle of the
 * same length, a damaged cache file). It runs as a few WebAssembly instructions because it is
 * on every start: node:crypto costs a module load larger than the whole cache check, and the
 * same loop in JavaScript runs interpreted for most of a half-megabyte bundle.
 */
export function contentHash(bytes: Uint8Array): string | undefined {
  const wasm = hasher();
  if (wasm === undefined) return undefined;
  const padded = Math.ceil(bytes.length / 8) * 8;
  const pages = Math.ceil(padded / 65536) - wasm.memory.buffer.byteLength / 65536;
  if (pages > 0) wasm.memory.grow(pages);
  const memory = new Uint8Array(wasm.memory.buffer);
  memory.set(bytes);
  memory.fill(0, bytes.length, padded);
  const hash = wasm.fnv1a64(padded, BigInt(bytes.length) ^ FNV_OFFSET);
  return BigInt.asUintN(64, hash).toString(16).padStart(16, '0');
}

// The slice of the WebAssembly API used here (the ES2023 lib this project compiles against has none).
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
};
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;

interface Hasher {
  readonly memory: WasmMemory;
  /** FNV-1a over memory[0, length) in 8-byte words, from `seed`. */
  readonly fnv1a64: (length: number, seed: bigint) => bigint;
}

let instance: Hasher | null | undefined;

function hasher(): Hasher | undefined {
  if (instance === undefined) {
    try {
      instance = new WebAssembly.Instance(new WebAssembly.Module(module())).exports as unknown as Hasher;
    } catch {
      instance = null;
    }
  }
  return instance ?? undefined;
}

/** The module, assembled by hand: one function (params: length i32, seed i64) and its memory. */
function module(): Uint8Array {
  // locals: 0 length, 1 seed (the running hash), 2 offset
  const body = [
    0x01, 0x01, 0x7f, // one extra local: i32 offset
    0x02, 0x40, 0x03, 0x40, // block, loop
    0x20, 0x02, 0x20, 0x00, 0x4f, 0x0d, 0x01, // if offset >= length: break
    0x20, 0x01, 0x20, 0x02, 0x29, 0x03, 0x00, 0x85, // hash ^ i64.load(offset)
    0x42, ...sleb128(FNV_PRIME), 0x7e, 0x21, 0x01, // * prime → hash
    0x20, 0x02, 0x41, 0x08, 0x6a, 0x21, 0x02, // offset += 8
    0x0c, 0x00, 0x0b, 0x0b, // continue; end loop, end block
    0x20, 0x01, 0x0b, // return hash
  ];
  const section = (id: number, bytes: number[]) => [id, bytes.length, ...bytes];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
    ...section(1, [0x01, 0x60, 0x02, 0x7f, 0x7e, 0x01, 0x7e]), // type (i32, i64) → i64
    ...section(3, [0x01, 0x00]), // one function of that type
    ...section(5, [0x01, 0x00, 0x01]), // one memory, one page to start
    ...section(7, [0x02, 0x07, ...ascii('fnv1a64'), 0x00, 0x00, 0x06, ...ascii('memory'), 0x02, 0x00]),
    ...section(10, [0x01, body.length, ...body]),
  ]);
}

function ascii(text: string): number[] {
  return [...text].map((c) => c.charCodeAt(0));
}

/** A signed LEB128 i64 immediate. */
function sleb128(value: bigint): number[] {
  const out: number[] = [];
  let v = BigInt.asIntN(64, value);
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}
