// test/onnx/import.test.ts — the importer on hand-built graphs: each supported form (Gemm with
// transB 0, alpha and beta; MatMul alone; Identity and Dropout; count_include_pad pads; ceil_mode
// with PyTorch's rule; unused end pads; a conv bias Add) gives ONNX Runtime's logits within 1e-5,
// and each form the spec cannot express is refused with E_ONNX naming op, node and position.
import test from 'ava';
import { Network } from '../../lib/network';
import { importOnnxModel } from '../../lib/onnx/import';
import { attr, decodeModel, encodeModel, floatTensor, FLOAT, int64Tensor, type onnx } from '../../lib/onnx/proto';
import { Rng } from '../../lib/rng';
import { relDiff } from '../helpers/compare';
import { ortRun } from '../helpers/ort';

type Node = [op: string, name: string, inputs: string[], attrs?: onnx.IAttributeProto[]];
const rng = new Rng(41);
const rand = (...dims: number[]) => floatTensor('', dims, rng.fillNormal(new Float32Array(dims.reduce((a, b) => a * b, 1)), 0, 0.5) as Float32Array);

/** A graph from 'input' [N, ...shape]: each node's output is named after it; the last is the output. */
function build(shape: number[], nodes: Node[], inits: Record<string, onnx.ITensorProto>): Uint8Array {
  const initializer = Object.entries(inits).map(([name, t]) => ({ ...t, name }));
  const last = nodes[nodes.length - 1][1];
  return encodeModel({
    irVersion: 7, opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'g', initializer,
      node: nodes.map(([opType, name, input, attribute]) => ({ opType, name, input, output: [name], attribute: attribute ?? [] })),
      input: [{ name: 'input', type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: 'N' }, ...shape.map((d) => ({ dimValue: d }))] } } } }],
      output: [{ name: last, type: { tensorType: { elemType: FLOAT } } }],
    },
  });
}

async function matchesOrt(t: import('ava').ExecutionContext, bytes: Uint8Array, types: string[]): Promise<void> {
  const m = importOnnxModel(decodeModel(bytes, 'graph'), 'graph');
  t.deepEqual(m.spec.layers.map((l) => l.type), types);
  const net = Network.create(m.spec);
  try {
    net.loadStateDict(m.weights);
    const x = rng.fillNormal(new Float32Array(3 * net.inputShape.reduce((a, b) => a * b, 1))) as Float32Array;
    const err = relDiff(await net.forward(x), await ortRun(bytes, x, [3, ...net.inputShape]));
    t.true(err <= 1e-5, `relative error ${err}`);
  } finally {
    net.dispose();
  }
}

function refused(t: import('ava').ExecutionContext, bytes: Uint8Array, message: RegExp): void {
  const err = t.throws(() => importOnnxModel(decodeModel(bytes, 'graph'), 'graph'), { code: 'E_ONNX' } as never);
  t.regex(err!.message, message);
}

const ks = (k: number[], s: number[], pads: number[]) => [attr.ints('kernel_shape', k), attr.ints('strides', s), attr.ints('pads', pads)];

test('Gemm with transB 0, alpha and beta; MatMul alone; Identity and Dropout pass through', async (t) => {
  await matchesOrt(t, build([2, 3, 3], [['Flatten', 'f', ['input']], ['Gemm', 'g', ['f', 'W', 'C'], [attr.float('alpha', 0.5), attr.float('beta', 2)]],
    ['Identity', 'i', ['g']], ['Dropout', 'd', ['i', 'ratio']], ['Relu', 'r', ['d']], ['MatMul', 'm', ['r', 'M']]],
  { W: rand(18, 5), C: rand(1, 5), ratio: floatTensor('', [], new Float32Array([0.5])), M: rand(5, 4) }), ['flatten', 'linear', 'relu', 'linear']);
});

test('AveragePool count_include_pad=1 with pads and ceil_mode; MaxPool ceil_mode with PyTorch\'s rule', async (t) => {
  await matchesOrt(t, build([2, 8, 9], [['AveragePool', 'a', ['input'], [...ks([3, 3], [2, 2], [1, 1, 1, 1]), attr.int('ceil_mode', 1), attr.int('count_include_pad', 1)]],
    ['MaxPool', 'm', ['a'], [...ks([1, 1], [3, 3], [0, 0, 0, 0]), attr.int('ceil_mode', 1)]]], {}), ['avgpool', 'maxpool']);
  const m = importOnnxModel(decodeModel(build([2, 8, 9], [['AveragePool', 'a', ['input'], [...ks([3, 3], [2, 2], [1, 1, 1, 1]), attr.int('ceil_mode', 1), attr.int('count_include_pad', 1)]]], {}), 'g'), 'g');
  t.like(m.spec.layers[0], { type: 'avgpool', padding: 1, ceil: true, countIncludePad: true });
});

test('GlobalAveragePool and GlobalMaxPool become whole-image pools', async (t) => {
  await matchesOrt(t, build([2, 4, 5], [['GlobalMaxPool', 'gm', ['input']], ['Relu', 'r', ['gm']], ['Reshape', 'rs', ['r', 'shape']], ['Reshape', 'r4', ['rs', 'shape4']], ['GlobalAveragePool', 'ga', ['r4']], ['Flatten', 'f', ['ga']]],
    { shape: int64Tensor('', [-1, 2]), shape4: int64Tensor('', [0, 2, 1, 1]) }), ['maxpool', 'relu', 'flatten', 'avgpool', 'flatten']);
});

test('a conv bias Add ([1, C, 1, 1]) folds; end pads no window reaches are accepted', async (t) => {
  await matchesOrt(t, build([2, 5, 5], [['Conv', 'c', ['input', 'W'], ks([3, 3], [2, 2], [1, 1, 2, 2])], ['Add', 'b', ['B', 'c']]], { W: rand(4, 2, 3, 3), B: rand(1, 4, 1, 1) }), ['conv']);
});

test('BatchNormalization after a bias-less MatMul folds into it', async (t) => {
  await matchesOrt(t, build([1, 2, 2], [['Flatten', 'f', ['input']], ['MatMul', 'm', ['f', 'M']], ['BatchNormalization', 'bn', ['m', 's', 'b', 'mu', 'var'], [attr.float('epsilon', 1e-3)]]],
    { M: rand(4, 3), s: rand(3), b: rand(3), mu: rand(3), var: floatTensor('', [3], new Float32Array([0.5, 1, 2])) }), ['flatten', 'linear']);
});

test('what the spec cannot express is refused, naming op, node and position', (t) => {
  const conv = (attrs: onnx.IAttributeProto[] = ks([3, 3], [1, 1], [1, 1, 1, 1])): Node => ['Conv', 'c', ['input', 'W'], attrs];
  const W = rand(2, 2, 3, 3);
  refused(t, build([2, 5, 5], [conv(), ['Sigmoid', 'sig', ['c']]], { W }), /received op Sigmoid \(node 'sig', #2 of 2\); nothing was imported/);
  refused(t, build([2, 5, 5], [['Pad', 'p', ['input', 'pads']], ['MaxPool', 'm', ['p'], ks([2, 2], [2, 2], [0, 0, 0, 0])]], { pads: int64Tensor('', [0, 0, 1, 1, 0, 0, 1, 1]) }), /a Conv or AveragePool after Pad node 'p' .*op MaxPool \(node 'm', #2 of 2\)/);
  refused(t, build([2, 5, 5], [conv(), ['Relu', 'r', ['c']], ['BatchNormalization', 'bn', ['r', 's', 's', 's', 's']]], { W, s: rand(2) }), /op BatchNormalization \(node 'bn', #3 of 3\).*follows layer relu/);
  refused(t, build([2, 5, 5], [conv(), ['Softmax', 's', ['c']], ['Relu', 'r', ['s']]], { W }), /nothing after the final Softmax for op Relu \(node 'r', #3 of 3\)/);
  refused(t, build([2, 5, 5], [conv(), ['Relu', 'r', ['input']]], { W }), /current tensor 'c'.*op Relu \(node 'r', #2 of 2\)/);
  refused(t, build([2, 5, 5], [conv([...ks([3, 3], [1, 1], [1, 1, 1, 1]), attr.ints('dilations', [2, 2])])], { W }), /dilations 1 .*received dilations \[2, 2\]/);
  refused(t, build([2, 5, 5], [conv(ks([3, 3], [1, 1], [0, 0, 2, 2]))], { W }), /no symmetric padding reproduces/);
  refused(t, build([2, 5, 5], [['Pad', 'p', ['input', 'pads']], conv()], { pads: int64Tensor('', [0, 1, 0, 0, 0, 0, 0, 0]) }), /pads on height and width only/);
  refused(t, build([2, 5, 5], [['AveragePool', 'a', ['input'], [...ks([2, 2], [2, 2], [0, 0, 1, 1]), attr.int('count_include_pad', 1)]]], {}), /along height .*the last window reaches padding that ONNX counts up to 1 and the spec up to 0/);
});
