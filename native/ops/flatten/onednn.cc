// native/ops/flatten/onednn.cc — flatten on oneDNN: no op at all; the net gives the next layer this
// layer's input tensor (value and diff), which the next op reads as (n, C*H*W) by its own view (as4d).
#include "../../backends/onednn_ops.h"
#include "op.h"

namespace gcn {

std::unique_ptr<dnn::Op> ops::Flatten::onednn(const dnn::OpInit&, const dnn::Tensor&) { return nullptr; }

}  // namespace gcn
