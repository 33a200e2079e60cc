// lib/nodes.ts — node names: `fc2:3` (a class score or unit), `conv2:17@7,7` (a channel at a
// position), `conv2:17@mean` (averaged over positions); `@center` is the default position.
// Resolution checks the layer and every index against the layer's output shape.
import { expected, GenConvNetError } from './errors';
import type { NativeNode } from './native';
import type { ResolvedSpec } from './spec';

/** A resolved node: the native address plus a canonical name. */
export interface Node extends NativeNode {
  name: string;
  layerName: string;
}

export type NodeRef = string | { layer: string; channel: number; position?: 'center' | 'mean' | [number, number] };

const NODE = /^([A-Za-z_][A-Za-z0-9_-]*):(-?\d+)(?:@(center|mean|(-?\d+),(-?\d+)))?$/;

/**
 * Resolves a node name or object against a network.
 * @throws GenConvNetError E_INVALID_ARGUMENT for bad syntax, an unknown layer (listing the valid
 * names) or an index out of range (giving the valid range).
 */
export function resolveNode(spec: ResolvedSpec, ref: NodeRef): Node {
  let layerName: string, channel: number, position: 'center' | 'mean' | [number, number] = 'center';
  if (typeof ref === 'string') {
    const m = NODE.exec(ref.trim());
    if (!m) throw expected("a node like 'fc2:3', 'conv2:17@7,7' or 'conv2:17@mean'", 'node', ref);
    layerName = m[1];
    channel = Number(m[2]);
    if (m[3] === 'mean') position = 'mean';
    else if (m[4] !== undefined) position = [Number(m[4]), Number(m[5])];
  } else if (ref && typeof ref === 'object' && typeof ref.layer === 'string') {
    layerName = ref.layer;
    channel = ref.channel;
    position = ref.position ?? 'center';
  } else {
    throw expected('a node name or {layer, channel, position}', 'node', ref);
  }
  const index = spec.layers.findIndex((l) => l.name === layerName);
  if (index < 0)
    throw new GenConvNetError('E_INVALID_ARGUMENT', `Expected a layer name (${spec.layers.map((l) => l.name).join(', ')}) for node but received ${JSON.stringify(layerName)}`);
  const [c, h, w] = spec.layers[index].outShape;
  if (!Number.isInteger(channel) || channel < 0 || channel >= c)
    throw expected(`a channel in [0, ${c - 1}] of layer '${layerName}'`, 'node', channel);
  if (position === 'mean') return { layer: index, channel, y: 0, x: 0, mean: true, layerName, name: `${layerName}:${channel}@mean` };
  const [y, x] = position === 'center' ? [Math.floor(h / 2), Math.floor(w / 2)] : position;
  if (!Number.isInteger(y) || !Number.isInteger(x) || y < 0 || y >= h || x < 0 || x >= w)
    throw expected(`a position in [0, ${h - 1}] x [0, ${w - 1}] of layer '${layerName}'`, 'node', position);
  const name = h === 1 && w === 1 ? `${layerName}:${channel}` : `${layerName}:${channel}@${y},${x}`;
  return { layer: index, channel, y, x, mean: false, layerName, name };
}

/**
 * Expands node names to a list: a list is resolved element by element, and a layer wildcard
 * such as `conv2:*@mean` or `fc2:*` stands for every channel of the layer.
 * @throws GenConvNetError E_INVALID_ARGUMENT as resolveNode does, or for an empty list.
 */
export function resolveNodes(spec: ResolvedSpec, refs: NodeRef | NodeRef[]): Node[] {
  const list = Array.isArray(refs) ? refs : [refs];
  if (list.length === 0) throw expected('at least one node', 'node', refs);
  const out: Node[] = [];
  for (const ref of list) {
    const m = typeof ref === 'string' ? /^([^:]+):\*(@.*)?$/.exec(ref.trim()) : null;
    if (!m) {
      out.push(resolveNode(spec, ref));
      continue;
    }
    const layer = spec.layers.find((l) => l.name === m[1]);
    if (!layer) out.push(resolveNode(spec, `${m[1]}:0${m[2] ?? ''}`)); // throws naming the valid layers
    else for (let c = 0; c < layer.outShape[0]; c++) out.push(resolveNode(spec, `${m[1]}:${c}${m[2] ?? ''}`));
  }
  return out;
}
