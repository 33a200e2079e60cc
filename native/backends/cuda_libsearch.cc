// native/backends/cuda_libsearch.cc — finds and opens the CUDA libraries loaded at run time, in the
// order cuda_libsearch.h gives, recording every place looked at and every file that failed, so that
// a missing library is reported with where it was sought. Plain host C++ (dlopen, glob); no CUDA.
#include "cuda_libsearch.h"

#include <dlfcn.h>
#include <glob.h>
#include <link.h>
#include <unistd.h>

#include <cstdlib>

namespace gcn::cuda {
namespace {

// The folder this addon was loaded from (with a trailing slash), or "".
std::string addonDir() {
  Dl_info info{};
  if (!dladdr(reinterpret_cast<void*>(&addonDir), &info) || !info.dli_fname) return "";
  const std::string path = info.dli_fname;
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash + 1);
}

std::vector<std::string> globAll(const std::string& pattern) {
  std::vector<std::string> out;
  glob_t g{};
  if (glob(pattern.c_str(), 0, nullptr, &g) == 0)
    for (size_t i = 0; i < g.gl_pathc; ++i) out.push_back(g.gl_pathv[i]);
  globfree(&g);
  return out;
}

void addUnique(std::vector<std::string>& list, const std::string& dir) {
  const std::string d = dir.empty() || dir.back() == '/' ? dir : dir + "/";
  if (d.empty() || access(d.c_str(), R_OK | X_OK) != 0) return;
  for (const std::string& have : list)
    if (have == d) return;
  list.push_back(d);
}

// The full path of a loaded library (from its link map), or fallback.
std::string loadedPath(void* handle, const std::string& fallback) {
  struct link_map* map = nullptr;
  if (dlinfo(handle, RTLD_DI_LINKMAP, &map) == 0 && map && map->l_name && *map->l_name) return map->l_name;
  return fallback;
}

// "libcudnn.so.9" -> "libcudnn?*.so.9": the sub-libraries and helpers shipped beside it
// (libcudnn_ops.so.9, libcublasLt.so.12, ...).
std::string companionPattern(const std::string& soname) {
  const size_t so = soname.find(".so.");
  return so == std::string::npos ? "" : soname.substr(0, so) + "?*" + soname.substr(so);
}

// Loads the companions in dir, in passes until no more load (one may need another loaded first).
void loadCompanions(const std::string& dir, const std::string& soname) {
  const std::string pattern = companionPattern(soname);
  if (pattern.empty()) return;
  std::vector<std::string> left = globAll(dir + pattern);
  for (bool progress = true; progress && !left.empty();) {
    progress = false;
    std::vector<std::string> still;
    for (const std::string& f : left) {
      if (dlopen(f.c_str(), RTLD_LAZY | RTLD_LOCAL | RTLD_NODELETE)) progress = true;
      else still.push_back(f);
    }
    left.swap(still);
  }
  dlerror();  // a companion that cannot load is cuDNN's own business when it needs it
}

// Tries one candidate: a path (only when the file exists) or a bare soname (the loader's path).
bool tryOpen(const std::string& candidate, const std::string& soname, bool companions, LibrarySearch& s) {
  const bool isPath = candidate.find('/') != std::string::npos;
  if (isPath && access(candidate.c_str(), F_OK) != 0) return false;
  if (isPath && companions) loadCompanions(candidate.substr(0, candidate.rfind('/') + 1), soname);
  if (void* h = dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE)) {
    s.handle = h;
    s.loaded = loadedPath(h, candidate);
    return true;
  }
  const char* err = dlerror();
  const std::string why = err ? err : "dlopen failed";
  // a bare soname that is simply not on the path is the usual answer, not an error worth listing
  if (!isPath && why.rfind(candidate + ": cannot open shared object file", 0) == 0) return false;
  s.errors.push_back(isPath ? why : candidate + " (loader's path): " + why);
  return false;
}

}  // namespace

std::string joinList(const std::vector<std::string>& items, const char* last) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i)
    out += (i == 0 ? "" : i + 1 == items.size() ? last : ", ") + items[i];
  return out;
}

std::vector<std::string> nvidiaLibraryDirs() {
  std::vector<std::string> prefixes, sites, dirs;
  for (const char* var : {"VIRTUAL_ENV", "CONDA_PREFIX"})
    if (const char* v = std::getenv(var); v && *v) prefixes.push_back(v);
  if (const char* pp = std::getenv("PYTHONPATH"); pp && *pp) {
    const std::string all = pp;
    for (size_t at = 0, next; at <= all.size(); at = next + 1) {
      next = all.find(':', at);
      if (next == std::string::npos) next = all.size();
      if (next > at) sites.push_back(all.substr(at, next - at));
    }
  }
  if (const char* home = std::getenv("HOME"); home && *home) prefixes.push_back(std::string(home) + "/.local");
  for (const char* p : {"/opt/conda", "/usr/local", "/usr"}) prefixes.push_back(p);
  for (const std::string& p : prefixes)
    for (const char* kind : {"site-packages", "dist-packages"})
      for (const std::string& site : globAll(p + "/lib/python3*/" + kind)) sites.push_back(site);
  for (const std::string& site : sites) {
    for (const std::string& lib : globAll(site + "/nvidia/*/lib")) addUnique(dirs, lib);
    addUnique(dirs, site + "/torch/lib");
  }
  if (const char* conda = std::getenv("CONDA_PREFIX"); conda && *conda) addUnique(dirs, std::string(conda) + "/lib");
  addUnique(dirs, "/usr/local/cuda/lib64");
  return dirs;
}

LibrarySearch findLibrary(const SearchSpec& spec) {
  LibrarySearch s;
  s.name = spec.name;
  s.envVar = spec.envVar ? spec.envVar : "";
  s.files = spec.sonames;
  if (const char* forced = spec.envVar ? std::getenv(spec.envVar) : nullptr; forced && *forced) {
    s.places.push_back(std::string(forced) + " (" + spec.envVar + ")");
    const std::string file = forced;
    const std::string base = file.substr(file.rfind('/') + 1);
    if (!tryOpen(file, base, spec.companions, s) && s.errors.empty()) s.errors.push_back(file + ": no such file");
    return s;
  }
  const char* ldPath = std::getenv("LD_LIBRARY_PATH");
  const std::string loaderPath = std::string("the loader's path (LD_LIBRARY_PATH=") +
                                 (ldPath && *ldPath ? ldPath : "<unset>") + ", /etc/ld.so.cache, /lib, /usr/lib)";
  std::vector<std::string> folders;
  if (spec.envVar) addUnique(folders, addonDir());  // the driver (no variable) is never bundled
  const size_t beforeLoader = folders.size();
  for (const std::string& d : spec.dirs) addUnique(folders, d);
  for (size_t i = 0; i < folders.size(); ++i) {
    if (i == beforeLoader) s.places.push_back(loaderPath);
    s.places.push_back(folders[i]);
  }
  if (beforeLoader == folders.size()) s.places.push_back(loaderPath);
  // each soname in every place before the next (older) soname
  for (const std::string& soname : spec.sonames) {
    for (size_t i = 0; i <= folders.size(); ++i) {
      const bool loaderTurn = i == beforeLoader;
      if (loaderTurn && tryOpen(soname, soname, false, s)) return s;
      if (i < folders.size() && tryOpen(folders[i] + soname, soname, spec.companions, s)) return s;
    }
  }
  return s;
}

}  // namespace gcn::cuda
