// seqnet/gpu.hpp -- the GPU backend's layers for a gpu_device (cuda, or emulated_gpu where there is no
// GPU), moving models between devices, and training on the device. Plain C++: the CUDA runtime itself
// comes from seqnet/cuda.hpp, in nvcc-compiled files.
#pragma once

#include <seqnet/backend/gpu/conv1d.hpp>
#include <seqnet/backend/gpu/emulated.hpp>
#include <seqnet/backend/gpu/runtime.hpp>
#include <seqnet/layers/gpu/activations.hpp>
#include <seqnet/layers/gpu/batchnorm.hpp>
#include <seqnet/layers/gpu/bilstm.hpp>
#include <seqnet/layers/gpu/conv1d.hpp>
#include <seqnet/layers/gpu/dense.hpp>
#include <seqnet/layers/gpu/dropout.hpp>
#include <seqnet/layers/gpu/flatten.hpp>
#include <seqnet/layers/gpu/maxpool.hpp>
#include <seqnet/layers/gpu/motif_conv1d.hpp>
#include <seqnet/layers/gpu/rc_conv1d.hpp>
#include <seqnet/layers/gpu/separable_dense.hpp>
#include <seqnet/models/transfer.hpp>
#include <seqnet/train/gpu/optimizers.hpp>
