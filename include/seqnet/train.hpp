// seqnet/train.hpp -- module header: losses and optimisers.
#pragma once
#include <seqnet/train/losses.hpp>
#include <seqnet/train/metrics.hpp>
#include <seqnet/train/optimizers.hpp>
