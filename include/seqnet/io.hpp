// seqnet/io.hpp -- module header: file formats and run-time models from JSON (target seqnet::io, which
// adds nlohmann-json and zlib to the core's dependencies).
#pragma once
#include <seqnet/io/attribution_svg.hpp>
#include <seqnet/io/bed.hpp>
#include <seqnet/io/fai.hpp>
#include <seqnet/io/fasta.hpp>
#include <seqnet/io/jaspar.hpp>
#include <seqnet/io/labels.hpp>
#include <seqnet/io/meme.hpp>
#include <seqnet/io/model_file.hpp>
#include <seqnet/io/motif_logo_svg.hpp>
#include <seqnet/io/motif_report_html.hpp>
#include <seqnet/io/npz.hpp>
#include <seqnet/io/safetensors.hpp>
#include <seqnet/io/spec_json.hpp>
#include <seqnet/io/state_dict.hpp>
#include <seqnet/io/svg.hpp>
#include <seqnet/io/tensor_file.hpp>
#include <seqnet/io/text_file.hpp>
