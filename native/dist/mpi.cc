// native/dist/mpi.cc — MPI loaded at run time: the slice of the MPI-3 C API the addon calls,
// declared here with Open MPI's ABI (handles are pointers to the library's predefined objects,
// MPI_IN_PLACE is (void*)1, MPI_STATUS_IGNORE is null), resolved with dlsym from libmpi.so.40
// opened RTLD_GLOBAL (Open MPI's own plugins resolve their symbols against it).
#include "mpi.h"

#include <dlfcn.h>

#include <atomic>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "../engine/common.h"

namespace gcn::dist {

namespace {

typedef void* Handle;  // MPI_Comm, MPI_Datatype, MPI_Op, MPI_Errhandler: pointers in Open MPI
void* const IN_PLACE = reinterpret_cast<void*>(1);
constexpr int THREAD_SERIALIZED = 2, THREAD_MULTIPLE = 3, MAX_STRING = 256;

// X(name, parameters): every MPI entry point resolved at load time (all return int).
#define GCN_MPI_FUNCTIONS(X)                                                           \
  X(MPI_Initialized, (int*))                                                           \
  X(MPI_Finalized, (int*))                                                             \
  X(MPI_Init_thread, (int*, char***, int, int*))                                       \
  X(MPI_Finalize, (void))                                                              \
  X(MPI_Comm_rank, (Handle, int*))                                                     \
  X(MPI_Comm_size, (Handle, int*))                                                     \
  X(MPI_Comm_set_errhandler, (Handle, Handle))                                         \
  X(MPI_Error_string, (int, char*, int*))                                              \
  X(MPI_Get_processor_name, (char*, int*))                                             \
  X(MPI_Get_library_version, (char*, int*))                                            \
  X(MPI_Allreduce, (const void*, void*, int, Handle, Handle, Handle))                  \
  X(MPI_Allgather, (const void*, int, Handle, void*, int, Handle, Handle))             \
  X(MPI_Gather, (const void*, int, Handle, void*, int, Handle, int, Handle))           \
  X(MPI_Bcast, (void*, int, Handle, int, Handle))                                      \
  X(MPI_Abort, (Handle, int))

struct Api {
#define GCN_MPI_POINTER(name, params) int(*name) params = nullptr;
  GCN_MPI_FUNCTIONS(GCN_MPI_POINTER)
#undef GCN_MPI_POINTER
  Handle world = nullptr, dDouble = nullptr, dFloat = nullptr, dByte = nullptr, opSum = nullptr, opMax = nullptr,
         errorsReturn = nullptr;
};

// The library names tried in order: Open MPI 4/5's soname, then the development link.
const char* const kLibraries[] = {"libmpi.so.40", "libmpi.so"};

struct State {
  std::mutex call;  // one MPI call at a time (enough for MPI_THREAD_SERIALIZED)
  std::mutex init;
  Api api;
  bool ready = false, finalized = false;
  WorldInfo info;
  std::shared_ptr<Collective> world;
  // watchdog: the collective in progress and when it began
  double timeout = 0;
  std::atomic<int64_t> since{0};  // steady-clock ms, 0 = none in progress
  const char* what = "";
  std::thread dog;
  std::mutex dogMutex;
  std::condition_variable dogWake;
  bool dogStop = false;
};

State& state() {
  static State* s = new State();  // never destroyed: atexit handlers and late threads may still use it
  return *s;
}

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void loadApi(Api& a) {
  void* lib = nullptr;
  std::string tried;
  for (const char* name : kLibraries) {
    lib = dlopen(name, RTLD_NOW | RTLD_GLOBAL);
    if (lib) break;
    const char* e = dlerror();
    tried += std::string(tried.empty() ? "" : "; ") + (e ? e : name);
  }
  if (!lib)
    throw Error("E_DISTRIBUTED", "Cannot load MPI (Open MPI's libmpi.so.40): " + tried +
                                     ". Install Open MPI (Debian: apt-get install openmpi-bin libopenmpi3) and launch with mpirun");
  auto sym = [&](const char* name) {
    void* p = dlsym(lib, name);
    if (!p)
      throw Error("E_DISTRIBUTED", std::string("The MPI library lacks ") + name +
                                       ": genconvnet speaks Open MPI's ABI (4.x or 5.x); another MPI (MPICH, Intel MPI) is not supported");
    return p;
  };
#define GCN_MPI_RESOLVE(name, params) a.name = reinterpret_cast<int(*) params>(sym(#name));
  GCN_MPI_FUNCTIONS(GCN_MPI_RESOLVE)
#undef GCN_MPI_RESOLVE
  a.world = sym("ompi_mpi_comm_world");
  a.dDouble = sym("ompi_mpi_double");
  a.dFloat = sym("ompi_mpi_float");
  a.dByte = sym("ompi_mpi_byte");
  a.opSum = sym("ompi_mpi_op_sum");
  a.opMax = sym("ompi_mpi_op_max");
  a.errorsReturn = sym("ompi_mpi_errors_return");
}

void check(int rc, const char* call) {
  if (rc == 0) return;
  char text[MAX_STRING + 1] = {0};
  int len = 0;
  if (state().api.MPI_Error_string(rc, text, &len) != 0) std::snprintf(text, sizeof text, "error %d", rc);
  throw Error("E_DISTRIBUTED", std::string(call) + " failed on rank " + std::to_string(state().info.rank) + ": " + text +
                                   " (another rank may have stopped)");
}

// One collective: under the call mutex and watched by the watchdog.
template <typename F>
void collective(const char* what, F&& f) {
  State& s = state();
  if (!s.ready || s.finalized) throw Error("E_DISTRIBUTED", std::string(what) + " called while MPI is not initialized");
  std::lock_guard<std::mutex> lock(s.call);
  s.what = what;
  s.since.store(nowMs());
  try {
    f(s.api);
  } catch (...) {
    s.since.store(0);
    throw;
  }
  s.since.store(0);
}

int countOf(int64_t n, const char* what) {
  if (n < 0 || n > INT_MAX) throw Error("E_DISTRIBUTED", std::string(what) + ": " + std::to_string(n) + " elements exceed MPI's int count");
  return int(n);
}

void watchdog() {
  State& s = state();
  std::unique_lock<std::mutex> lock(s.dogMutex);
  while (!s.dogStop) {
    s.dogWake.wait_for(lock, std::chrono::milliseconds(500));
    const int64_t since = s.since.load();
    if (s.dogStop || since == 0 || double(nowMs() - since) < s.timeout * 1000) continue;
    abortJob(3, std::string("genconvnet: rank ") + std::to_string(s.info.rank) + " of " + std::to_string(s.info.size) + ": " +
                    s.what + " has waited " + std::to_string(int(s.timeout)) +
                    " s for the other ranks; one of them died or hangs. Aborting the job; the last checkpoint is intact.");
  }
}

class WorldCollective final : public Collective {
 public:
  int rank() const override { return state().info.rank; }
  int size() const override { return state().info.size; }
  void sum(double* v, int64_t n) override { allreduce(v, n, false); }
  void max(double* v, int64_t n) override { allreduce(v, n, true); }
  void sum(float* v, int64_t n) override { allreduce(v, n); }
  void broadcast(void* data, int64_t bytes, int root) override { dist::broadcast(data, bytes, root); }
  double timeout() const override { return state().timeout; }
};

}  // namespace

WorldInfo initMpi(double timeoutSeconds) {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.init);
  if (s.finalized) throw Error("E_DISTRIBUTED", "MPI was finalized in this process; it cannot be initialized again");
  if (s.ready) return s.info;
  loadApi(s.api);
  Api& a = s.api;
  int already = 0, provided = 0;
  a.MPI_Initialized(&already);
  if (already) throw Error("E_DISTRIBUTED", "MPI was initialized by another library in this process");
  check(a.MPI_Init_thread(nullptr, nullptr, THREAD_MULTIPLE, &provided), "MPI_Init_thread");
  s.ready = true;
  if (provided < THREAD_SERIALIZED) {
    a.MPI_Finalize();
    s.finalized = true;
    throw Error("E_DISTRIBUTED", "MPI provides thread level " + std::to_string(provided) +
                                     "; genconvnet needs MPI_THREAD_SERIALIZED or higher (an Open MPI built with thread support)");
  }
  check(a.MPI_Comm_set_errhandler(a.world, a.errorsReturn), "MPI_Comm_set_errhandler");
  WorldInfo& w = s.info;
  w.threadLevel = provided;
  check(a.MPI_Comm_rank(a.world, &w.rank), "MPI_Comm_rank");
  check(a.MPI_Comm_size(a.world, &w.size), "MPI_Comm_size");
  char text[MAX_STRING + 1] = {0};
  int len = 0;
  check(a.MPI_Get_library_version(text, &len), "MPI_Get_library_version");
  w.library = std::string(text, size_t(std::max(0, std::min(len, MAX_STRING))));
  while (!w.library.empty() && (w.library.back() == '\n' || w.library.back() == '\0')) w.library.pop_back();
  char host[MAX_STRING] = {0};
  check(a.MPI_Get_processor_name(host, &len), "MPI_Get_processor_name");
  w.host = std::string(host, size_t(std::max(0, std::min(len, MAX_STRING - 1))));
  // local rank: the ranks before this one on the same host (any launcher, any placement)
  std::vector<char> hosts(size_t(w.size) * MAX_STRING);
  check(a.MPI_Allgather(host, MAX_STRING, a.dByte, hosts.data(), MAX_STRING, a.dByte, a.world), "MPI_Allgather");
  w.localRank = w.localSize = 0;
  for (int r = 0; r < w.size; ++r)
    if (std::strncmp(&hosts[size_t(r) * MAX_STRING], host, MAX_STRING) == 0) (r < w.rank ? ++w.localRank : 0), ++w.localSize;
  s.world = std::make_shared<WorldCollective>();
  s.timeout = timeoutSeconds;
  if (timeoutSeconds > 0) s.dog = std::thread(watchdog);
  return w;
}

bool mpiActive() { return state().ready && !state().finalized; }

std::shared_ptr<Collective> worldCollective() { return mpiActive() ? state().world : nullptr; }

void allreduce(double* v, int64_t n, bool max) {
  collective("MPI_Allreduce", [&](Api& a) {
    check(a.MPI_Allreduce(IN_PLACE, v, countOf(n, "allreduce"), a.dDouble, max ? a.opMax : a.opSum, a.world), "MPI_Allreduce");
  });
}

void allreduce(float* v, int64_t n) {
  constexpr int64_t kChunk = int64_t(1) << 30;
  for (int64_t off = 0; off < n; off += kChunk)
    collective("MPI_Allreduce", [&](Api& a) {
      check(a.MPI_Allreduce(IN_PLACE, v + off, int(std::min(kChunk, n - off)), a.dFloat, a.opSum, a.world), "MPI_Allreduce");
    });
}

void allgather(const void* send, int64_t bytes, void* recv) {
  collective("MPI_Allgather", [&](Api& a) {
    const int c = countOf(bytes, "allgather");
    check(a.MPI_Allgather(send, c, a.dByte, recv, c, a.dByte, a.world), "MPI_Allgather");
  });
}

void gather(const void* send, int64_t bytes, void* recv, int root) {
  collective("MPI_Gather", [&](Api& a) {
    const int c = countOf(bytes, "gather");
    check(a.MPI_Gather(send, c, a.dByte, recv, c, a.dByte, root, a.world), "MPI_Gather");
  });
}

void broadcast(void* data, int64_t bytes, int root) {
  constexpr int64_t kChunk = int64_t(1) << 30;
  for (int64_t off = 0; off < bytes; off += kChunk)
    collective("MPI_Bcast", [&](Api& a) {
      check(a.MPI_Bcast(static_cast<char*>(data) + off, int(std::min(kChunk, bytes - off)), a.dByte, root, a.world), "MPI_Bcast");
    });
}

void abortJob(int code, const std::string& why) {
  std::fprintf(stderr, "%s\n", why.c_str());
  std::fflush(stderr);
  State& s = state();
  if (s.ready && !s.finalized) s.api.MPI_Abort(s.api.world, code);
  std::_Exit(code);
}

void finalizeMpi() {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.init);
  if (!s.ready || s.finalized) return;
  {
    std::lock_guard<std::mutex> d(s.dogMutex);
    s.dogStop = true;
  }
  s.dogWake.notify_all();
  if (s.dog.joinable()) s.dog.join();
  std::lock_guard<std::mutex> call(s.call);
  s.finalized = true;
  s.api.MPI_Finalize();
}

}  // namespace gcn::dist
