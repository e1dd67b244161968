// seqnet/models/zoo.hpp -- the published architectures as ready types (each takes tasks and length).
#pragma once
#include <seqnet/models/zoo/basset.hpp>
#include <seqnet/models/zoo/danq.hpp>
#include <seqnet/models/zoo/deepbind.hpp>
#include <seqnet/models/zoo/deepsea.hpp>
