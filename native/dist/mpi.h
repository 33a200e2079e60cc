// native/dist/mpi.h — the process's MPI, loaded at run time (dlopen of Open MPI's libmpi.so.40,
// as the CUDA backend loads cuDNN), so the prebuilt addon and single-process use need no MPI.
// Initialized once per process with MPI_THREAD_MULTIPLE asked for (SERIALIZED at least: the
// addon's worker threads and its gradient thread call MPI, one at a time under a mutex), errors
// returned rather than aborting, and a watchdog that aborts the job when a collective has waited
// longer than the timeout (a rank that died or hangs), so a run never hangs.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "collective.h"

namespace gcn::dist {

struct WorldInfo {
  int rank = 0, size = 1, localRank = 0, localSize = 1;
  int threadLevel = 0;   // MPI_THREAD_* provided (0 single .. 3 multiple)
  std::string library;   // the MPI library's version string
  std::string host;      // this rank's processor name
};

// Loads and initializes MPI (once; later calls return the same world). timeoutSeconds bounds every
// collective's wait (0: no watchdog). Throws Error("E_DISTRIBUTED") naming what is missing.
WorldInfo initMpi(double timeoutSeconds);
bool mpiActive();
// The world communicator as the engine's Collective (null before initMpi).
std::shared_ptr<Collective> worldCollective();

// Collectives over the world, blocking, in place where they can be (all ranks call them alike).
void allreduce(double* v, int64_t n, bool max);
void allreduce(float* v, int64_t n);
// Every rank sends `bytes`; recv (size * bytes) receives them in rank order on every rank.
void allgather(const void* send, int64_t bytes, void* recv);
// Every rank sends `bytes`; recv (size * bytes, root only) receives them in rank order.
void gather(const void* send, int64_t bytes, void* recv, int root);
void broadcast(void* data, int64_t bytes, int root);
// Ends every rank of the job (MPI_Abort) after printing `why` on stderr; never returns.
[[noreturn]] void abortJob(int code, const std::string& why);
// MPI_Finalize (idempotent). Not run at exit: a rank that exits without it makes mpirun end the job
// (lib/dist.ts finalizes on a clean exit only).
void finalizeMpi();

}  // namespace gcn::dist
