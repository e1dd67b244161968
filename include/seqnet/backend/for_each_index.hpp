// seqnet/backend/for_each_index.hpp -- one element-wise body for every device: f(i) for i in [0, n) as a
// GPU kernel (gpu_runtime<Dev>::for_each) or in the CPU's thread pool. For algorithms that keep their
// data where the model runs (DeepLIFT's rules, ISM's mutants, integrated gradients' path points), so the
// same SEQNET_HD function object serves both backends.
#pragma once

#include <seqnet/backend/context.hpp>
#include <seqnet/backend/gpu/runtime.hpp>

namespace seqnet {

/// f(i) for every i in [0, n); f writes only what index i owns. `cost` (work per index, in rough
/// operations) lets the CPU run small jobs on the calling thread.
template <class Dev, class F>
void for_each_index(context<Dev>& ctx, index_t n, const F& f, double cost = 1) {
    if constexpr (gpu_device<Dev>) {
        gpu_runtime<Dev>::for_each(ctx, n, f);
    } else {
        ctx.pool().parallel_for(n, cost, [&](index_t b, index_t e, int) {
            for (index_t i = b; i < e; ++i) f(i);
        });
    }
}

}  // namespace seqnet
