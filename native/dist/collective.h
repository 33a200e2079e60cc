// native/dist/collective.h — what the engine needs from a group of data-parallel ranks: in-place
// all-reduces of a few buffers. The engine sees only this interface (dist/mpi.cc implements it over
// MPI); with no group attached a Net trains as one process. Invariant: every rank of the group
// makes the same calls in the same order with the same counts.
#pragma once
#include <cstdint>

namespace gcn {

class Collective {
 public:
  virtual ~Collective() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // In place over every rank: element-wise sum or maximum.
  virtual void sum(double* v, int64_t n) = 0;
  virtual void max(double* v, int64_t n) = 0;
  virtual void sum(float* v, int64_t n) = 0;
  // root's bytes into every rank's data (the same count everywhere).
  virtual void broadcast(void* data, int64_t bytes, int root) = 0;
  // Seconds a collective may wait for the other ranks (0: no limit).
  virtual double timeout() const { return 0; }
};

}  // namespace gcn
