# Test of `seqnet interpret` (run by CTest with cmake -P): trains a small model on simulated data, then
# runs every method on a few sequences and checks the files: the npz (by its members' names), one SVG
# per sequence with --logos, the per-base TSV's shape, a bedGraph for windows named chrom:start-end,
# and clear errors for a bedGraph without coordinates and for a sequence of the wrong length.
# (tests/reference/interpret_roundtrip.py checks the numbers against PyTorch.)
#   cmake -DSEQNET=path/to/seqnet -DOUT=scratch/dir -P interpret_check.cmake
cmake_minimum_required(VERSION 3.20)
foreach(var SEQNET OUT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "define ${var}")
  endif()
endforeach()
file(REMOVE_RECURSE ${OUT})

function(run)
  execute_process(COMMAND ${SEQNET} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "seqnet ${ARGN} failed (${rc}): ${out}${err}")
  endif()
endfunction()

run(simulate --out ${OUT}/sim --n 300 --length 100 --motifs ctcf,sp1 --seed 3)
run(train --arch deepbind --fasta ${OUT}/sim/sequences.fa --labels ${OUT}/sim/labels.tsv --valid-fraction 0.2
    --epochs 2 --threads 2 --out ${OUT}/model.safetensors)

# Three sequences: two simulated ones, renamed as genome windows, and one with an N.
file(STRINGS ${OUT}/sim/sequences.fa fasta)
set(seqs "")
set(current "")
foreach(line ${fasta})
  if(line MATCHES "^>")
    if(NOT current STREQUAL "")
      list(APPEND seqs ${current})
    endif()
    set(current "")
  else()
    string(APPEND current ${line})
  endif()
endforeach()
list(APPEND seqs ${current})
list(GET seqs 0 s0)
list(GET seqs 1 s1)
list(GET seqs 2 s2)
string(SUBSTRING ${s2} 0 50 head)
string(SUBSTRING ${s2} 51 49 tail)
file(WRITE ${OUT}/three.fa ">chr2:1000-1100\n${s0}\n>chr2:5000-5100 a window\n${s1}\n>with_n\n${head}N${tail}\n")

foreach(method saliency gxi ig deeplift deepshap ism)
  run(interpret --model ${OUT}/model.safetensors --fasta ${OUT}/three.fa --method ${method} --task 1
      --steps 20 --references 3 --threads 2 --logos ${OUT}/logos_${method} --tsv --out ${OUT}/${method})
  if(NOT EXISTS ${OUT}/${method}.npz)
    message(FATAL_ERROR "${method}: no ${method}.npz")
  endif()
  # npz member names appear in the zip directory as plain text
  file(READ ${OUT}/${method}.npz npz HEX)
  foreach(member attributions names sequences settings)
    string(HEX "${member}.npy" want)
    string(TOLOWER "${want}" want)
    string(FIND "${npz}" "${want}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "${method}.npz has no member ${member}")
    endif()
  endforeach()
  file(GLOB svgs ${OUT}/logos_${method}/*.svg)
  list(LENGTH svgs n)
  if(NOT n EQUAL 3)
    message(FATAL_ERROR "${method}: expected 3 SVG files, found ${n}")
  endif()
  file(STRINGS ${OUT}/${method}.tsv rows)
  list(LENGTH rows n)
  if(NOT n EQUAL 301)
    message(FATAL_ERROR "${method}.tsv: expected a header and 300 rows, found ${n} lines")
  endif()
  message(STATUS "${method}: npz, 3 pictures and 300 TSV rows")
endforeach()

# bedGraph: the two windows' 100 positions each, at their genome coordinates.
run(interpret --model ${OUT}/model.safetensors --fasta ${OUT}/three.fa --method gxi --bedgraph --out ${OUT}/bg)
file(STRINGS ${OUT}/bg.bedGraph rows)
list(LENGTH rows n)
list(GET rows 1 first)
if(NOT n EQUAL 201 OR NOT first MATCHES "^chr2\t1000\t1001\t")
  message(FATAL_ERROR "bg.bedGraph: expected a track line and 200 rows starting chr2 1000 1001, got ${n} lines, first '${first}'")
endif()

# Errors: a bedGraph nobody can place; a sequence the model cannot take.
file(WRITE ${OUT}/nameless.fa ">plain\n${s0}\n")
execute_process(COMMAND ${SEQNET} interpret --model ${OUT}/model.safetensors --fasta ${OUT}/nameless.fa --bedgraph
                --out ${OUT}/none RESULT_VARIABLE rc ERROR_VARIABLE err)
if(rc EQUAL 0 OR NOT err MATCHES "genome coordinates")
  message(FATAL_ERROR "a bedGraph without coordinates should fail naming the reason, got ${rc}: ${err}")
endif()
file(WRITE ${OUT}/short.fa ">short\nACGT\n")
execute_process(COMMAND ${SEQNET} interpret --model ${OUT}/model.safetensors --fasta ${OUT}/short.fa
                --out ${OUT}/short RESULT_VARIABLE rc ERROR_VARIABLE err)
if(rc EQUAL 0 OR NOT err MATCHES "short.fa:1: record 'short' has 4 bases; the model takes 100")
  message(FATAL_ERROR "a short sequence should fail naming the file, line and lengths, got ${rc}: ${err}")
endif()
message(STATUS "seqnet interpret: every method, every output, and the errors")
