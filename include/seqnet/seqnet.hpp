// seqnet/seqnet.hpp -- the umbrella header: every module of the header-only core (CPU backend).
// CUDA headers (backend/cuda/) and IO needing optional libraries are included separately.
#pragma once
#include <seqnet/config.hpp>
#include <seqnet/tensor.hpp>
#include <seqnet/backend.hpp>
#include <seqnet/layers.hpp>
#include <seqnet/models.hpp>
#include <seqnet/train.hpp>
#include <seqnet/interpret.hpp>
#include <seqnet/motif.hpp>
#include <seqnet/testing/gradcheck.hpp>
