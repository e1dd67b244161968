// seqnet/data.hpp -- module header: data sets in memory, motifs, and simulated data with planted motifs.
#pragma once
#include <seqnet/data/dataset.hpp>
#include <seqnet/data/motif_set.hpp>
#include <seqnet/data/simulate.hpp>
