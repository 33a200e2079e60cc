{
  "variables": {
    "with_onednn%": "<!(node -p \"process.env.GENCONVNET_NO_ONEDNN ? 0 : (require('fs').existsSync('/usr/include/dnnl.hpp') ? 1 : 0)\")",
    "with_test_module%": "<!(node -p \"process.env.GENCONVNET_NO_TEST_MODULE ? 0 : 1\")"
  },
  "target_defaults": {
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
    "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
    "cflags!": ["-fno-exceptions"],
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
    "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-fopenmp", "-Wall", "-Wextra", "-Wno-unused-parameter"],
    "ldflags": ["-fopenmp"],
    "libraries": ["-ldl", "-lpthread"],
    "conditions": [
      ["with_onednn==1", { "defines": ["GCN_HAVE_ONEDNN"] }]
    ]
  },
  "targets": [
    {
      "target_name": "genconvnet_engine",
      "type": "static_library",
      "sources": [
        "native/binding/convert.cc",
        "native/binding/net_wrap.cc",
        "native/binding/chains_wrap.cc",
        "native/engine/chains.cc",
        "native/binding/objective.cc",
        "native/binding/leapfrog.cc",
        "native/binding/dist.cc",
        "native/dist/mpi.cc",
        "native/engine/grad_reduce.cc",
        "native/ops/conv/reference.cc",
        "native/ops/dropout/reference.cc",
        "native/ops/leapfrog/reference.cc",
        "native/ops/linear/reference.cc",
        "native/ops/lrn/reference.cc",
        "native/ops/objective/reference.cc",
        "native/ops/optim/reference.cc",
        "native/ops/pool/reference.cc",
        "native/ops/relu/reference.cc",
        "native/engine/net.cc",
        "native/engine/host_net.cc",
        "native/engine/train_step.cc",
        "native/engine/shapes.cc",
        "native/ops/registry.cc",
        "native/backends/reference_net.cc"
      ],
      "conditions": [
        ["with_onednn==1", {
          "sources": [
            "native/backends/onednn_net.cc",
            "native/backends/onednn_util.cc",
            "native/ops/conv/onednn.cc",
            "native/ops/dropout/onednn.cc",
            "native/ops/flatten/onednn.cc",
            "native/ops/linear/onednn.cc",
            "native/ops/lrn/onednn.cc",
            "native/ops/pool/onednn.cc",
            "native/ops/relu/onednn.cc"
          ],
          "link_settings": { "libraries": ["-ldnnl"] }
        }]
      ]
    },
    {
      "target_name": "genconvnet",
      "dependencies": ["genconvnet_engine"],
      "sources": ["native/binding/addon.cc"]
    }
  ],
  "conditions": [
    ["with_test_module==1", {
      "targets": [
        {
          "target_name": "genconvnet_test",
          "dependencies": ["genconvnet_engine"],
          "sources": ["native/testing/addon.cc", "native/testing/reference64.cc"]
        }
      ]
    }]
  ]
}
