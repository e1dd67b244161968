// seqnet/motif.hpp -- module header: motifs, what the first layer's filters learned, and how they
// compare with known motifs.
#pragma once
#include <seqnet/motif/compare.hpp>
#include <seqnet/motif/from_filters.hpp>
#include <seqnet/motif/influence.hpp>
#include <seqnet/motif/init.hpp>
#include <seqnet/motif/motif.hpp>
