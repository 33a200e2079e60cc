// native/backends/cuda_libsearch.h — where the CUDA backend looks for the libraries it loads at
// run time (the driver's libcuda, cuDNN, cuBLAS) and the record of each search, which cudaStatus()
// shows. Invariants: a search never throws and never exits; a handle it returns is opened with
// RTLD_NODELETE and lives as long as the process.
#pragma once
#include <string>
#include <vector>

namespace gcn::cuda {

// One library's search: what was looked for, where, in order, and what came of it.
struct LibrarySearch {
  std::string name;                 // "cuDNN"
  std::string envVar;               // the variable that names the file instead ("" for none)
  std::vector<std::string> files;   // sonames, preferred first
  std::vector<std::string> places;  // where it looked, in order: folders, or the loader's path
  std::vector<std::string> errors;  // files that exist but did not load, each with dlerror's reason
  std::string loaded;               // the file that loaded ("" when none did)
  void* handle = nullptr;           // its dlopen handle, or nullptr
};

// Folders that may hold NVIDIA's libraries outside the loader's path, existing ones only, each
// once, in this order: the nvidia/*/lib and torch/lib folders of the Python environments at
// $VIRTUAL_ENV, $CONDA_PREFIX, PYTHONPATH, ~/.local, /opt/conda, /usr/local and /usr, then
// $CONDA_PREFIX/lib and the CUDA toolkit's /usr/local/cuda/lib64.
std::vector<std::string> nvidiaLibraryDirs();

// What to look for: the file named by envVar when set (only that); else each soname beside the
// addon (only for a library with an envVar: the driver is never bundled), through the loader's path (LD_LIBRARY_PATH, ld.so.cache, system folders), then in dirs.
// When loading from a folder, the files there matching the companion patterns (globs such as
// "libcublasLt.so.12" or "libcudnn_*.so.9") are loaded first, so that the library's own
// dependencies and sub-libraries come from the same install (not from another one on the path).
struct SearchSpec {
  const char* name;
  const char* envVar;
  std::vector<std::string> sonames;
  std::vector<std::string> dirs;
  bool companions = false;
};
LibrarySearch findLibrary(const SearchSpec& spec);

// "A, B and C" (for messages).
std::string joinList(const std::vector<std::string>& items, const char* last = " and ");

}  // namespace gcn::cuda
