// native/backends/onednn_util.cc — small helpers shared by the oneDNN ops: plain descriptors,
// tensor allocation and views, reorders and weight packing. Nothing here runs per element;
// allocation happens only when an op is built (once per batch size).
#include "onednn_ops.h"

#include <cstdlib>
#include <new>

namespace gcn::dnn {

memory::desc plainOf(const memory::desc& d) {
  const memory::dims dims = d.dims();
  switch (dims.size()) {
    case 1: return memory::desc(dims, memory::data_type::f32, tag::x);
    case 2: return memory::desc(dims, memory::data_type::f32, tag::nc);
    case 4: return memory::desc(dims, memory::data_type::f32, tag::nchw);
    case 5: return memory::desc(dims, memory::data_type::f32, tag::goihw);
    default: throw Error("E_BACKEND", "oneDNN: unexpected tensor rank " + std::to_string(dims.size()));
  }
}

Tensor newTensor(const Env& e, const memory::desc& d) { return Tensor{memory(d, e.eng), memory(d, e.eng)}; }

Tensor as4d(const Env& e, const Tensor& t, int n, Shape3 s) {
  const memory::desc d = t.value.get_desc();
  if (d.dims().size() == 4) return t;
  // Only plain (n, K) tensors reach here; (n, K, 1, 1) in nchw has the same bytes.
  const memory::desc v({n, s.c, s.h, s.w}, memory::data_type::f32, tag::nchw);
  return Tensor{memory(v, e.eng, t.value.get_data_handle()), memory(v, e.eng, t.diff.get_data_handle())};
}

int64_t countOf(const memory::desc& d) {
  int64_t c = 1;
  for (memory::dim x : d.dims()) c *= x;
  return c;
}

float* ptrOf(const memory& m) { return static_cast<float*>(m.get_data_handle()); }

void Scratchpad::Free::operator()(void* p) const { std::free(p); }

void Scratchpad::bind(const dnnl::engine& eng, const dnnl::primitive_desc_base& pd, Step& st) {
  const memory::desc d = pd.scratchpad_desc();
  const size_t size = d.get_size();
  if (size == 0) return;
  if (size > size_) {
    const size_t rounded = (size + 4095) / 4096 * 4096;
    void* p = std::aligned_alloc(4096, rounded);
    if (!p) throw std::bad_alloc();
    buf_.reset(p);
    size_ = rounded;
    for (memory& m : users_) m.set_data_handle(p);
  }
  users_.emplace_back(d, eng, buf_.get());
  st.args[DNNL_ARG_SCRATCHPAD] = users_.back();
}

void Scratchpad::reset() {
  users_.clear();
  buf_.reset();
  size_ = 0;
}

dnnl::primitive_attr Env::attr(bool relu) {
  dnnl::primitive_attr a;
  a.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  if (relu) {
    dnnl::post_ops po;
    po.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
    a.set_post_ops(po);
  }
  return a;
}

Step Env::step(const dnnl::primitive_desc_base& pd, std::unordered_map<int, memory> args) {
  Step st{dnnl::primitive(pd.get()), std::move(args)};
  scratch.bind(eng, pd, st);
  return st;
}

Step Env::reorder(const memory& src, const memory& dst) {
  const dnnl::reorder::primitive_desc pd(src, dst, attr());
  return step(pd, {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, dst}});
}

void PlainView::init(Env& e, const Tensor& t) {
  const memory::desc d = t.value.get_desc(), plain = plainOf(d);
  if (d == plain) {
    value = t.value;
    diff = t.diff;
    return;
  }
  value = memory(plain, e.eng);
  diff = memory(plain, e.eng);
  toPlain = e.reorder(t.value, value);
  fromPlain = e.reorder(diff, t.diff);
}

void PackedWeights::init(Env& e, const memory::desc& plainDesc, const memory::desc& want, const float* host) {
  plain = memory(plainDesc, e.eng, const_cast<float*>(host));
  version = ~uint64_t(0);
  if (want == plainDesc) {
    packed = plain;
    pack = Step();
  } else {
    packed = memory(want, e.eng);
    pack = e.reorder(plain, packed);
  }
}

void PackedWeights::refresh(Env& e, uint64_t v) {
  if (version == v) return;
  if (pack) e.run(pack);
  version = v;
}

}  // namespace gcn::dnn
