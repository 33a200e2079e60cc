// native/backends/cuda_dl.cc — loads cuDNN and cuBLAS at run time: the file named by
// GENCONVNET_CUDNN / GENCONVNET_CUBLAS when set, else the library beside the addon, else the
// sonames (cuDNN 9 then 8; cuBLAS 13 then 12) through the loader's search path. Loading is
// attempted once per process; a failure is remembered as a sentence saying what to install.
#include "cuda_dl.h"

#include <dlfcn.h>

#include <cstdlib>
#include <vector>

#include "../engine/common.h"

namespace gcn::cuda {
namespace {

// Owns one dlopen handle (RTLD_NODELETE: closing it never unmaps the library).
class DlHandle {
 public:
  DlHandle() = default;
  explicit DlHandle(void* h) : h_(h) {}
  DlHandle(DlHandle&& o) noexcept : h_(o.h_) { o.h_ = nullptr; }
  DlHandle& operator=(DlHandle&& o) noexcept {
    std::swap(h_, o.h_);
    return *this;
  }
  DlHandle(const DlHandle&) = delete;
  DlHandle& operator=(const DlHandle&) = delete;
  ~DlHandle() {
    if (h_) dlclose(h_);
  }
  void* get() const { return h_; }

 private:
  void* h_ = nullptr;
};

// The folder this addon was loaded from (with a trailing slash), or "".
std::string addonDir() {
  Dl_info info{};
  if (!dladdr(reinterpret_cast<void*>(&addonDir), &info) || !info.dli_fname) return "";
  std::string path = info.dli_fname;
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash + 1);
}

// Opens the first candidate that loads; `tried` collects each failure's dlerror.
DlHandle openFirst(const char* envVar, const std::vector<std::string>& sonames, std::string& loaded,
                   std::string& tried) {
  std::vector<std::string> candidates;
  if (const char* forced = std::getenv(envVar); forced && *forced) {
    candidates.push_back(forced);
  } else {
    const std::string dir = addonDir();
    for (const std::string& s : sonames) {
      if (!dir.empty()) candidates.push_back(dir + s);
      candidates.push_back(s);
    }
  }
  for (const std::string& c : candidates) {
    if (void* h = dlopen(c.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE)) {
      loaded = c;
      return DlHandle(h);
    }
    const char* err = dlerror();
    const std::string why = err ? err : c;
    // "not found" is the usual answer; any other (a missing dependency, a wrong ELF) is worth showing
    if (why.find("cannot open shared object file") == std::string::npos || c.find('/') != std::string::npos)
      if (why.find("No such file") == std::string::npos || std::getenv(envVar))
        tried += std::string(tried.empty() ? "" : "; ") + why;
  }
  return DlHandle();
}

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

#undef GCN_RESOLVE

// Loads one library into api; returns "" or the problem.
template <class Api>
std::string loadOne(const char* what, const char* envVar, const std::vector<std::string>& sonames, DlHandle& handle,
                    Api& api, std::string& loaded) {
  std::string tried;
  handle = openFirst(envVar, sonames, loaded, tried);
  if (!handle.get()) {
    std::string names;
    for (const std::string& s : sonames) names += (names.empty() ? "" : ", ") + s;
    if (const char* forced = std::getenv(envVar); forced && *forced) names = forced;
    return std::string(what) + " was not found (tried " + names + (tried.empty() ? "" : ": " + tried) +
           "); install it (e.g. the nvidia-" + (std::string(what) == "cuDNN" ? "cudnn" : "cublas") +
           " Python wheels) and put its lib folder on LD_LIBRARY_PATH, or set " + envVar + " to the library file";
  }
  std::string missing;
  if (!resolve(handle.get(), api, missing))
    return std::string(what) + " at " + loaded + " lacks " + missing + " (too old or not the expected library)";
  return "";
}

struct Loaded {
  DlHandle cudnnLib, cublasLib;
  Libraries libs;
  Loaded() {
    std::string p = loadOne("cuDNN", "GENCONVNET_CUDNN", {"libcudnn.so.9", "libcudnn.so.8"}, cudnnLib, libs.dnn,
                            libs.cudnnPath);
    // 8.x reports major*1000 + minor*100 + patch, 9.x major*10000 + minor*100 + patch; FMA math needs 8.1
    if (p.empty() && libs.dnn.cudnnGetVersion() < 8100)
      p = "cuDNN at " + libs.cudnnPath + " is version " + std::to_string(libs.dnn.cudnnGetVersion()) + "; 8.1 or newer is needed";
    std::string q = loadOne("cuBLAS", "GENCONVNET_CUBLAS", {"libcublas.so.13", "libcublas.so.12"}, cublasLib,
                            libs.blas, libs.cublasPath);
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

const CublasApi& cublas() {
  const Libraries& l = libraries();
  if (!l.problem.empty()) throw Error("E_BACKEND", "the CUDA backend cannot run: " + l.problem);
  return l.blas;
}

}  // namespace gcn::cuda
