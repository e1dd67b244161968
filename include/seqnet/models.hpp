// seqnet/models.hpp -- module header: sequential models, visitors and summaries.
#pragma once
#include <seqnet/models/input.hpp>
#include <seqnet/models/sequential.hpp>
#include <seqnet/models/summary.hpp>
#include <seqnet/models/visit.hpp>
#include <seqnet/models/zoo.hpp>
