// lib/onnx/window.ts — ONNX sliding-window conventions translated to the spec's, one axis at a time:
// a Conv's or a pool's own pads plus zeros from a preceding Pad become one symmetric padding, and
// ONNX's output size (floor or ceil_mode) becomes the spec's floor or Caffe ceil rounding. A
// translation is returned only when every window and every divisor is exactly the spec's.
import { poolOutSize } from '../spec';

/** One axis of a window op as ONNX states it. */
export interface OnnxAxis {
  size: number;
  kernel: number;
  stride: number;
  /** The op's own pads (begin, end). */
  padBegin: number;
  padEnd: number;
  /** Zeros added by a preceding Pad (begin, end). */
  zerosBegin: number;
  zerosEnd: number;
}

/** The spec's version of one axis: symmetric padding, rounding, whether the padding counts. */
export interface SpecAxis {
  padding: number;
  ceil: boolean;
  /** avgpool: whether the padding counts in the divisor (null: no padding on this axis, either holds). */
  counts: boolean | null;
  out: number;
}

/** ONNX Runtime's pooling output size: floor, or ceil without a window that starts in the end padding. */
export function onnxPoolOut(size: number, k: number, s: number, pb: number, pe: number, ceil: boolean): number {
  const span = size + pb + pe - k;
  if (span < 0) return 0;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (out - 1) * s >= size + pb) out -= 1;
  return out;
}

function rounding(a: OnnxAxis, padding: number, out: number): boolean | undefined {
  if (poolOutSize(a.size, a.kernel, a.stride, padding, false) === out) return false;
  if (poolOutSize(a.size, a.kernel, a.stride, padding, true) === out) return true;
  return undefined;
}

/** A Conv axis: zeros and pads are both zeros; the spec's floor size must be ONNX's. Reason string when it cannot. */
export function convAxis(a: OnnxAxis): SpecAxis | string {
  const begin = a.zerosBegin + a.padBegin, end = a.zerosEnd + a.padEnd;
  const out = Math.floor((a.size + begin + end - a.kernel) / a.stride) + 1;
  if (Math.floor((a.size + 2 * begin - a.kernel) / a.stride) + 1 !== out)
    return `padding ${begin} before and ${end} after gives ${out} outputs, which no symmetric padding reproduces`;
  return { padding: begin, ceil: false, counts: null, out };
}

/**
 * A pooling axis. Max pooling ignores its pads (windows clip to the image), so zeros from a Pad
 * would change it: refused. Average pooling: zeros from a Pad always count; the op's own pads
 * count when countIncludePad. The spec counts [-p, size + p): windows must not reach a region
 * that ONNX counts and the spec would not, or the reverse.
 */
export function poolAxis(a: OnnxAxis, max: boolean, countIncludePad: boolean, ceil: boolean): SpecAxis | string {
  const zeros = a.zerosBegin > 0 || a.zerosEnd > 0;
  if (max && zeros) return 'zeros from a Pad would enter the max (the spec pads max pooling with -infinity)';
  const out = onnxPoolOut(a.size + a.zerosBegin + a.zerosEnd, a.kernel, a.stride, a.padBegin, a.padEnd, ceil);
  // what ONNX counts in the divisor: [-padding, countedEnd); the spec counts [0, size) or [-padding, size + padding)
  let padding: number, countedEnd: number | undefined;
  if (max || (!countIncludePad && !zeros)) padding = a.padBegin;
  else if (countIncludePad) (padding = a.zerosBegin + a.padBegin), (countedEnd = a.size + a.zerosEnd + a.padEnd);
  else if (a.padBegin > 0) return 'its own begin padding does not count but the zeros of the Pad before it do';
  else (padding = a.zerosBegin), (countedEnd = a.size + a.zerosEnd);
  if (padding >= a.kernel) return `padding ${padding} is not smaller than the kernel ${a.kernel}`;
  const ceilMode = rounding(a, padding, out);
  if (ceilMode === undefined) return `${out} outputs, which neither floor nor Caffe ceil rounding gives with padding ${padding}`;
  const lastEnd = (out - 1) * a.stride - padding + a.kernel;
  if (countedEnd !== undefined && countedEnd !== a.size + padding && lastEnd > Math.min(countedEnd, a.size + padding))
    return `the last window reaches padding that ONNX counts up to ${countedEnd - a.size} and the spec up to ${padding}`;
  const counts = max || padding === 0 ? null : countedEnd !== undefined;
  return { padding, ceil: ceilMode, counts, out };
}
