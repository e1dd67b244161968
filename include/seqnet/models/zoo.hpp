// seqnet/models/zoo.hpp -- the published architectures as ready types (each takes tasks and length).
// DanQ (conv, max pool, BiLSTM) arrives with the BiLSTM layer.
#pragma once
#include <seqnet/models/zoo/basset.hpp>
#include <seqnet/models/zoo/deepbind.hpp>
#include <seqnet/models/zoo/deepsea.hpp>
