# Runs one libFuzzer target for ctest (see CMakeLists.txt), in one of two modes:
#   MODE=fuzz:   fuzz for SECONDS from a fresh copy of SEEDS in WORK/corpus (with DICTIONARY,
#                a libFuzzer -dict file, if given);
#   MODE=replay: run every file of REGRESSIONS and SEEDS once, no fuzzing.
# Either way artifacts (crash-*, timeout-*, leak-*) go to WORK/, never into the source tree.
# Usage: cmake -DFUZZER=<exe> -DWORK=<dir> -DSEEDS=<dir> -DMODE=fuzz -DSECONDS=<n> -P run_fuzzer.cmake
cmake_minimum_required(VERSION 3.25)

foreach(variable FUZZER WORK SEEDS MODE)
    if(NOT DEFINED ${variable})
        message(FATAL_ERROR "run_fuzzer.cmake: -D${variable}=... is required")
    endif()
endforeach()

# -timeout: a single input running this long is a hang, reported like a crash.
set(common_options -artifact_prefix=${WORK}/ -timeout=10)
if(DEFINED DICTIONARY)
    list(APPEND common_options -dict=${DICTIONARY})
endif()

if(MODE STREQUAL "fuzz")
    file(REMOVE_RECURSE ${WORK}/corpus)
    file(MAKE_DIRECTORY ${WORK}/corpus)
    file(GLOB seeds ${SEEDS}/*)
    file(COPY ${seeds} DESTINATION ${WORK}/corpus)
    # The fuzzer's progress lines go to a log, not to ctest's output: a CI log is cut to its
    # ends, and a failure's report is what must survive (printed below).
    file(GLOB old_artifacts ${WORK}/crash-* ${WORK}/timeout-* ${WORK}/leak-* ${WORK}/oom-*)
    if(old_artifacts)
        file(REMOVE ${old_artifacts})
    endif()
    execute_process(
        COMMAND ${FUZZER} ${common_options} -max_total_time=${SECONDS} -print_final_stats=1
                ${WORK}/corpus
        OUTPUT_FILE ${WORK}/fuzz.log ERROR_FILE ${WORK}/fuzz.log
        RESULT_VARIABLE status)
    if(NOT status EQUAL 0)
        # The report (the sanitizer's or the harness's message, the stack) is at the log's end;
        # the input is printed in hex so a failure seen only in CI can be replayed anywhere
        # (xxd -r -p) and kept in regressions/.
        file(STRINGS ${WORK}/fuzz.log lines)
        list(LENGTH lines count)
        math(EXPR first "${count} - 80")
        if(first LESS 0)
            set(first 0)
        endif()
        list(SUBLIST lines ${first} 80 tail)
        list(JOIN tail "\n" tail)
        message("---- the last lines of ${WORK}/fuzz.log ----\n${tail}")
        file(GLOB artifacts ${WORK}/crash-* ${WORK}/timeout-* ${WORK}/leak-* ${WORK}/oom-*)
        foreach(artifact IN LISTS artifacts)
            file(READ ${artifact} bytes HEX)
            get_filename_component(name ${artifact} NAME)
            message("---- ${name} in hex ----\n${bytes}")
        endforeach()
    else()
        file(STRINGS ${WORK}/fuzz.log stats REGEX "^(stat::|Done )")
        list(JOIN stats "\n" stats)
        message("${stats}")
    endif()
elseif(MODE STREQUAL "replay")
    file(MAKE_DIRECTORY ${WORK})
    set(inputs "")
    if(DEFINED REGRESSIONS)
        file(GLOB inputs ${REGRESSIONS}/*)
    endif()
    file(GLOB seeds ${SEEDS}/*)
    list(APPEND inputs ${seeds})
    # Files rather than directories: libFuzzer then only runs them, and writes no corpus.
    execute_process(COMMAND ${FUZZER} ${common_options} -runs=0 ${inputs} RESULT_VARIABLE status)
else()
    message(FATAL_ERROR "run_fuzzer.cmake: MODE must be fuzz or replay, not '${MODE}'")
endif()

if(NOT status EQUAL 0)
    message(FATAL_ERROR "${FUZZER} failed (${status}); reproduce with: ${FUZZER} <input file>")
endif()
