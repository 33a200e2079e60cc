// native/backends/cuda_dl.cc — loads cuDNN and cuBLAS at run time through the search of
// cuda_libsearch.h (GENCONVNET_CUDNN / GENCONVNET_CUBLAS when set; else beside the addon, the
// loader's path, the nvidia/*/lib folders of Python environments; cuDNN 9 then 8, cuBLAS 13 then
// 12) and resolves their entry points. Loading is attempted once per process; a failure is
// remembered as a sentence saying what is missing, where it was sought, and how to install it.
#include "cuda_dl.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>

#include "../engine/common.h"

namespace gcn::cuda {
namespace {

template <class Api>
bool resolve(void* lib, Api& api, std::string& missing);

#define GCN_RESOLVE(name, ret, params)                                                   \
  api.name = reinterpret_cast<ret(*) params>(dlsym(lib, #name));                         \
  if (!api.name) missing += std::string(missing.empty() ? "" : ", ") + #name;

template <>
bool resolve<CudnnApi>(void* lib, CudnnApi& api, std::string& missing) {
  GCN_CUDNN_FUNCTIONS(GCN_RESOLVE)
  return missing.empty();
}

template <>
bool resolve<CublasApi>(void* lib, CublasApi& api, std::string& missing) {
  GCN_CUBLAS_FUNCTIONS(GCN_RESOLVE)
  return missing.empty();
}

template <>
bool resolve<NcclApi>(void* lib, NcclApi& api, std::string& missing) {
  GCN_NCCL_FUNCTIONS(GCN_RESOLVE)
  return missing.empty();
}

#undef GCN_RESOLVE

// The places of a search for a message: all of them when few, else the first ones and a count.
std::string placesText(const LibrarySearch& s) {
  std::vector<std::string> shown(s.places.begin(), s.places.begin() + std::min<size_t>(s.places.size(), 6));
  if (s.places.size() > shown.size())
    shown.push_back(std::to_string(s.places.size() - shown.size()) + " more folders (cudaStatus().libraries lists them)");
  return joinList(shown);
}

// Why a library is absent: what was looked for, where, what failed, and how to install it.
std::string notFound(const LibrarySearch& s, const std::string& install) {
  std::string msg = s.name + " (" + joinList(s.files, " or ") + ") was not found in " + placesText(s);
  if (!s.errors.empty()) msg += " (files that did not load: " + joinList(s.errors, "; ") + ")";
  return msg + "; install it with " + install + ", or set " + s.envVar + " to the library file";
}

// Searches one library into slot and resolves its entry points into api; returns "" or the problem.
template <class Api>
std::string loadOne(const SearchSpec& spec, const std::string& install, Api& api, LibrarySearch& slot, std::string& path) {
  slot = findLibrary(spec);
  if (!slot.handle) return notFound(slot, install);
  path = slot.loaded;
  std::string missing;
  if (!resolve(slot.handle, api, missing))
    return slot.name + " at " + slot.loaded + " lacks " + missing + " (too old or not the expected library)";
  return "";
}

struct Loaded {
  Libraries libs;
  Loaded() {
    libs.searches.resize(3);  // the driver, cuDNN, cuBLAS
    // the driver is loaded by the CUDA runtime itself; looking for it here only records where it is
    libs.searches[0] = findLibrary({"the NVIDIA driver", nullptr, {"libcuda.so.1"}, {}, false});
    const bool gpuMachine = libs.searches[0].handle != nullptr;
    const std::vector<std::string> dirs = nvidiaLibraryDirs();
    // cuBLAS first, with libcublasLt from its own folder: some of cuDNN's sub-libraries need it
    std::string q = loadOne({"cuBLAS", "GENCONVNET_CUBLAS", {"libcublas.so.13", "libcublas.so.12"}, dirs, true},
                            "`pip install nvidia-cublas-cu12` or your distribution's package (libcublas12)",
                            libs.blas, libs.searches[2], libs.cublasPath);
    // cuDNN's sub-libraries come from the same folder; loaded only where a driver is (they are large)
    std::string p = loadOne({"cuDNN", "GENCONVNET_CUDNN", {"libcudnn.so.9", "libcudnn.so.8"}, dirs, gpuMachine},
                            "`pip install nvidia-cudnn-cu12` or your distribution's package (libcudnn9-cuda-12)",
                            libs.dnn, libs.searches[1], libs.cudnnPath);
    // 8.x reports major*1000 + minor*100 + patch, 9.x major*10000 + minor*100 + patch; FMA math needs 8.1
    if (p.empty() && libs.dnn.cudnnGetVersion() < 8100)
      p = "cuDNN at " + libs.cudnnPath + " is version " + std::to_string(libs.dnn.cudnnGetVersion()) + "; 8.1 or newer is needed";
    libs.problem = p.empty() ? q : (q.empty() ? p : p + "; " + q);
  }
};

const Loaded& loaded() {
  static const Loaded l;  // thread-safe one-time initialization
  return l;
}

}  // namespace

const Libraries& libraries() { return loaded().libs; }

const CudnnApi& cudnn() {
  const Libraries& l = libraries();
  if (!l.problem.empty()) throw Error("E_BACKEND", "the CUDA backend cannot run: " + l.problem);
  return l.dnn;
}

const NcclApi& nccl() {
  struct NcclLoaded {
    NcclApi api;
    LibrarySearch search;
    std::string path, problem;
    NcclLoaded() {
      problem = loadOne({"NCCL", "GENCONVNET_NCCL", {"libnccl.so.2"}, nvidiaLibraryDirs(), false},
                        "`pip install nvidia-nccl-cu12` or your distribution's package (libnccl2)", api, search, path);
    }
  };
  static const NcclLoaded l;  // thread-safe one-time initialization
  if (!l.problem.empty()) throw Error("E_BACKEND", "data-parallel training on GPUs needs NCCL: " + l.problem);
  return l.api;
}

const CublasApi& cublas() {
  const Libraries& l = libraries();
  if (!l.problem.empty()) throw Error("E_BACKEND", "the CUDA backend cannot run: " + l.problem);
  return l.blas;
}

}  // namespace gcn::cuda
