/**
 * The scan's inner loop in WebAssembly SIMD (f32x4, four accumulators): 12-18 times faster than the plain
 * JavaScript loop at n = 1,000, d = 256 to 1536 (bench/cache-semantic.bench.mjs). Hand-assembled (347 bytes, no toolchain); its text form:
 *
 *   (func (export "scores") (param $q i32) (param $m i32) (param $n i32) (param $stride i32) (param $out i32)
 *     ;; for i in [0, n): out[i] = dot(q, m + i*stride), stride in bytes, a multiple of 64
 *     (local $i i32) (local $end i32) (local $qp i32) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
 *     (block $done (loop $rows
 *       (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
 *       (local.set $a0 (v128.const f32x4 0 0 0 0)) ... $a3
 *       (local.set $qp (local.get $q)) (local.set $end (i32.add (local.get $m) (local.get $stride)))
 *       (block $row (loop $cols
 *         (br_if $row (i32.ge_u (local.get $m) (local.get $end)))
 *         (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load offset=0 (local.get $qp)) (v128.load offset=0 (local.get $m)))))
 *         ... $a1 offset=16, $a2 offset=32, $a3 offset=48
 *         (local.set $qp (i32.add (local.get $qp) (i32.const 64))) (local.set $m (i32.add (local.get $m) (i32.const 64)))
 *         (br $cols)))
 *       (local.set $a0 (f32x4.add (f32x4.add (f32x4.add (local.get $a0) (local.get $a1)) (local.get $a2)) (local.get $a3)))
 *       (f32.store (local.get $out) (sum of the four lanes of $a0))
 *       (local.set $out (i32.add (local.get $out) (i32.const 4))) (local.set $i (i32.add (local.get $i) (i32.const 1)))
 *       (br $rows))))
 *   (memory (export "memory") 1)
 *
 * Sums are float32 (within ~1e-6 of a float64 sum for unit vectors). Where SIMD is not
 * available the plain loop runs.
 */
const WASM = Buffer.from('AGFzbQEAAAABCQFgBX9/f39/AAMCAQAFAwEAAQcTAgZzY29yZXMAAAZtZW1vcnkCAAqnAgGkAgIDfwR7AkADQCAFIAJPDQH9DAAAAAAAAAAAAAAAAAAAAAAhCP0MAAAAAAAAAAAAAAAAAAAAACEJ/QwAAAAAAAAAAAAAAAAAAAAAIQr9DAAAAAAAAAAAAAAAAAAAAAAhCyAAIQcgASADaiEGAkADQCABIAZPDQEgCCAH/QAEACAB/QAEAP3mAf3kASEIIAkgB/0ABBAgAf0ABBD95gH95AEhCSAKIAf9AAQgIAH9AAQg/eYB/eQBIQogCyAH/QAEMCAB/QAEMP3mAf3kASELIAdBwABqIQcgAUHAAGohAQwACwsgCCAJ/eQBIAr95AEgC/3kASEIIAQgCP0fACAI/R8BkiAI/R8CkiAI/R8DkjgCACAEQQRqIQQgBUEBaiEFDAALCws=', 'base64');

/** The little of the WebAssembly global used here (this package compiles without the DOM library). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
declare const WebAssembly: {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
};

export interface ScoresInstance {
  scores(q: number, m: number, n: number, strideBytes: number, out: number): void;
  memory: WasmMemory;
}

let module: object | null | undefined;

/** A fresh instance (its own memory, one 64 KiB page), or null without WebAssembly SIMD. */
export function scoresInstance(): ScoresInstance | null {
  if (module === undefined) {
    try {
      module = typeof WebAssembly === 'object' && WebAssembly.validate(WASM) ? new WebAssembly.Module(WASM) : null;
    } catch {
      module = null;
    }
  }
  if (!module) return null;
  return new WebAssembly.Instance(module, {}).exports as unknown as ScoresInstance;
}

/** Rows are padded to a multiple of 16 floats (64 bytes), the SIMD loop's step. */
export const padded = (d: number): number => Math.ceil(d / 16) * 16;

export const SIMD_AVAILABLE = scoresInstance() !== null;
