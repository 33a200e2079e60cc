// test/cuda/emulate/emu_check.h — the comparison helpers shared by emu_test.cc and emu_net.cc: a
// failed check prints its first bad element and counts; the run's exit status says whether any did.
#pragma once
#include <string>
#include <vector>

using Vec = std::vector<float>;
extern int failures;
Vec randomVec(size_t n, unsigned seed, float scale = 1.f);
// |got - want| <= atol + rtol * |want| for every element.
template <class T>
void expectClose(const std::string& what, const std::vector<T>& got, const std::vector<T>& want, double rtol, double atol = 0);
