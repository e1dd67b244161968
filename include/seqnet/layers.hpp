// seqnet/layers.hpp -- module header: every layer and the layer concepts.
#pragma once
#include <seqnet/layers/activations.hpp>
#include <seqnet/layers/batchnorm.hpp>
#include <seqnet/layers/concepts.hpp>
#include <seqnet/layers/conv1d.hpp>
#include <seqnet/layers/dense.hpp>
#include <seqnet/layers/dropout.hpp>
#include <seqnet/layers/flatten.hpp>
#include <seqnet/layers/fusion.hpp>
#include <seqnet/layers/global_maxpool.hpp>
#include <seqnet/layers/init.hpp>
#include <seqnet/layers/maxpool.hpp>
#include <seqnet/layers/padding.hpp>
#include <seqnet/layers/parameter_free.hpp>
#include <seqnet/layers/random.hpp>
#include <seqnet/layers/rc_conv1d.hpp>
#include <seqnet/layers/separable_dense.hpp>
