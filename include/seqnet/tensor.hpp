// seqnet/tensor.hpp -- module header: shapes, views, buffers and DNA encoding.
#pragma once
#include <seqnet/tensor/buffer.hpp>
#include <seqnet/tensor/device.hpp>
#include <seqnet/tensor/dna.hpp>
#include <seqnet/tensor/shape.hpp>
#include <seqnet/tensor/view.hpp>
#include <seqnet/tensor/xtensor_views.hpp>
