#!/usr/bin/env node
// scripts/gen-ops.js — keeps the engine's op list in step with the op folders, so that adding a
// layer type is one folder (native/ops/<op>/ with op.h and its kernels) plus its entry in
// lib/spec.ts. From every native/ops/*/op.h that defines `struct <Kind> : OpDefaults` it writes:
//   native/ops/list.h      the GCN_OPS line (known kinds keep their order, new ones are appended)
//   native/ops/registry.h  the #include of each op.h
//   binding.gyp            every native/ops/*/reference.cc in the engine's sources and every
//                          native/ops/*/onednn.cc in its oneDNN sources (CMake and the sanitizer
//                          build read them from there)
// Usage: npm run ops (write), node scripts/gen-ops.js --check (exit 1 when a file is stale;
// test/ops/generated.test.ts runs it).
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(process.env.GCN_OPS_ROOT || path.join(__dirname, '..'));  // GCN_OPS_ROOT: a copy, for tests
const opsDir = path.join(root, 'native', 'ops');
const rel = (f) => path.relative(root, f).split(path.sep).join('/');

/** Op folders in name order, each with the kinds its op.h defines (in file order) and its kernel files. */
function scan() {
  return fs.readdirSync(opsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const dir = path.join(opsDir, name), header = path.join(dir, 'op.h');
      const text = fs.existsSync(header) ? fs.readFileSync(header, 'utf8') : '';
      const kinds = [...text.matchAll(/^struct\s+(\w+)\s*:\s*OpDefaults\b/gm)].map((m) => m[1]);
      const has = (f) => fs.existsSync(path.join(dir, f));
      return { name, kinds, header: kinds.length > 0, reference: has('reference.cc'), onednn: has('onednn.cc') };
    });
}

/** list.h with its GCN_OPS line rewritten: the current order kept, vanished kinds dropped, new ones appended. */
function listH(current, folders) {
  const all = folders.flatMap((f) => f.kinds);
  const line = current.match(/^#define GCN_OPS\(X\)(.*)$/m);
  if (!line) throw new Error('native/ops/list.h has no "#define GCN_OPS(X)" line');
  const known = [...line[1].matchAll(/X\((\w+)\)/g)].map((m) => m[1]).filter((k) => all.includes(k));
  const kinds = [...known, ...all.filter((k) => !known.includes(k))];
  return current.replace(line[0], `#define GCN_OPS(X) ${kinds.map((k) => `X(${k})`).join(' ')}`);
}

/** registry.h with the block of op.h includes rewritten. */
function registryH(current, folders) {
  const includes = folders.filter((f) => f.header).map((f) => `#include "${f.name}/op.h"`);
  const lines = current.split('\n');
  const first = lines.findIndex((l) => /^#include "\w+\/op\.h"$/.test(l));
  if (first < 0) throw new Error('native/ops/registry.h has no #include "<op>/op.h" block');
  let end = first;
  while (end < lines.length && /^#include "\w+\/op\.h"$/.test(lines[end])) end++;
  return [...lines.slice(0, first), ...includes, ...lines.slice(end)].join('\n');
}

/** binding.gyp with the op kernels of the engine target and its oneDNN condition replaced by the folders'. */
function bindingGyp(current, folders) {
  const gyp = JSON.parse(current);
  const engine = gyp.targets.find((t) => t.target_name === 'genconvnet_engine');
  if (!engine) throw new Error('binding.gyp has no genconvnet_engine target');
  const isOp = (kind) => (s) => new RegExp(`^native/ops/\\w+/${kind}\\.cc$`).test(s);
  const place = (list, kind, files) => {
    const at = list.findIndex(isOp(kind));
    const rest = list.filter((s) => !isOp(kind)(s));
    rest.splice(at < 0 ? rest.length : Math.min(at, rest.length), 0, ...files);
    return rest;
  };
  engine.sources = place(engine.sources, 'reference', folders.filter((f) => f.reference).map((f) => `native/ops/${f.name}/reference.cc`));
  const onednn = (engine.conditions ?? []).find(([cond]) => /with_onednn==1/.test(cond));
  if (!onednn) throw new Error('binding.gyp: the engine target has no with_onednn==1 condition');
  onednn[1].sources = place(onednn[1].sources, 'onednn', folders.filter((f) => f.onednn).map((f) => `native/ops/${f.name}/onednn.cc`));
  return format(gyp) + '\n';
}

/** JSON with 2-space indents, short arrays of scalars kept on one line (as binding.gyp is written). */
function format(value, indent = '') {
  const inner = indent + '  ';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    // a gyp condition: ["expression", { ... }] opens on one line
    if (value.length === 2 && typeof value[0] === 'string' && value[1] && typeof value[1] === 'object' && !Array.isArray(value[1]))
      return `[${JSON.stringify(value[0])}, ${format(value[1], indent)}]`;
    const flat = `[${value.map((v) => JSON.stringify(v)).join(', ')}]`;
    if (value.every((v) => typeof v !== 'object' || v === null) && flat.length + indent.length <= 100) return flat;
    return `[\n${value.map((v) => inner + format(v, inner)).join(',\n')}\n${indent}]`;
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) return '{}';
    const flat = `{ ${entries.map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ')} }`;
    if (entries.every(([, v]) => typeof v !== 'object' || v === null || (Array.isArray(v) && v.length <= 3)) && flat.length + indent.length <= 100 && entries.length <= 2)
      return flat;
    return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${format(v, inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}

function main() {
  const check = process.argv.includes('--check');
  const folders = scan();
  const files = [
    [path.join(opsDir, 'list.h'), listH],
    [path.join(opsDir, 'registry.h'), registryH],
    [path.join(root, 'binding.gyp'), bindingGyp],
  ];
  const stale = [];
  for (const [file, make] of files) {
    const current = fs.readFileSync(file, 'utf8');
    const next = make(current, folders);
    if (next === current) continue;
    stale.push(rel(file));
    if (!check) fs.writeFileSync(file, next);
  }
  const kinds = folders.flatMap((f) => f.kinds);
  if (check && stale.length) {
    process.stderr.write(`gen-ops: ${stale.join(', ')} do not match the op folders (${kinds.join(', ')}); run npm run ops\n`);
    process.exit(1);
  }
  process.stdout.write(`gen-ops: ${kinds.length} layer ops (${kinds.join(', ')})${stale.length ? `; wrote ${stale.join(', ')}` : '; up to date'}\n`);
}

main();
