// seqnet/data.hpp -- module header: data sets in memory, motifs, simulated data with planted motifs,
// training windows cut from a genome around peaks (windows.hpp), dinucleotide shuffles (shuffle.hpp).
#pragma once
#include <seqnet/data/dataset.hpp>
#include <seqnet/data/motif_set.hpp>
#include <seqnet/data/shuffle.hpp>
#include <seqnet/data/simulate.hpp>
#include <seqnet/data/windows.hpp>
