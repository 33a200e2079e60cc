// lib/onnx/file.ts — ONNX files on disk: the exporter's bytes written atomically (a temp file
// renamed into place, so a failed export leaves no partial model).
import { writeAtomic } from '../io/atomic';
import { exportOnnxBytes, type ExportSource } from './export';

/**
 * Writes a network's ONNX model to `path` atomically.
 * @throws GenConvNetError E_ONNX for a layer ONNX cannot express, E_IO when the file cannot be written.
 */
export async function writeOnnx(net: ExportSource, path: string): Promise<void> {
  const version = (require('../../../package.json') as { version: string }).version;
  await writeAtomic(path, [exportOnnxBytes(net, version)], 'ONNX model');
}
