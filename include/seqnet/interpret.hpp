// seqnet/interpret.hpp -- module header: attribution methods written once for every model.
#pragma once
#include <seqnet/interpret/affine_prefix.hpp>
#include <seqnet/interpret/deeplift.hpp>
#include <seqnet/interpret/fast_ism.hpp>
#include <seqnet/interpret/gradients.hpp>
#include <seqnet/interpret/integrated_gradients.hpp>
#include <seqnet/interpret/ism.hpp>
#include <seqnet/interpret/references.hpp>
#include <seqnet/interpret/result.hpp>
#include <seqnet/interpret/saliency.hpp>
#include <seqnet/interpret/target.hpp>
