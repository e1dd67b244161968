// seqnet/models.hpp -- module header: compile-time and run-time models, visitors and summaries.
#pragma once
#include <seqnet/models/any_layer.hpp>
#include <seqnet/models/input.hpp>
#include <seqnet/models/model_base.hpp>
#include <seqnet/models/sequential.hpp>
#include <seqnet/models/spec_model.hpp>
#include <seqnet/models/summary.hpp>
#include <seqnet/models/visit.hpp>
#include <seqnet/models/zoo.hpp>
