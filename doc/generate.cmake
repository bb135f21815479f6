# Writes one generated document by running the built feedd.
#
#   cmake -DFEEDD=<binary> -DWHAT=man|man-config|completion -DOUTPUT=<file> [-DGZIP=<gzip>] -P generate.cmake
#
# With GZIP, OUTPUT.gz is written as well, with `gzip -9n` (no name, no
# timestamp), so the same sources give the same bytes.

if(WHAT STREQUAL "man")
  set(feedd_args help --man)
elseif(WHAT STREQUAL "man-config")
  set(feedd_args help --man-config)
elseif(WHAT STREQUAL "completion")
  set(feedd_args completion bash)
else()
  message(FATAL_ERROR "generate.cmake: WHAT must be man, man-config or completion, not '${WHAT}'")
endif()

execute_process(COMMAND "${FEEDD}" ${feedd_args}
  OUTPUT_FILE "${OUTPUT}.tmp" RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  file(REMOVE "${OUTPUT}.tmp")
  message(FATAL_ERROR "${FEEDD} ${feedd_args}: exit status ${status}")
endif()
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")

if(GZIP)
  execute_process(COMMAND "${GZIP}" -9 -n -c "${OUTPUT}"
    OUTPUT_FILE "${OUTPUT}.gz.tmp" RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    file(REMOVE "${OUTPUT}.gz.tmp")
    message(FATAL_ERROR "${GZIP} -9 -n ${OUTPUT}: exit status ${status}")
  endif()
  file(RENAME "${OUTPUT}.gz.tmp" "${OUTPUT}.gz")
endif()
