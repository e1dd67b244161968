// seqnet/backend.hpp -- module header: execution contexts and the CPU kernels.
#pragma once
#include <seqnet/backend/context.hpp>
#include <seqnet/backend/cpu/conv1d.hpp>
#include <seqnet/backend/cpu/gemm.hpp>
#include <seqnet/backend/cpu/pool.hpp>
#include <seqnet/backend/cpu/threads.hpp>
