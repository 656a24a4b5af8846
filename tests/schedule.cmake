# Read by ctest after the tests of each test directory (TEST_INCLUDE_FILES): every test listed in
# tests/test_seconds.txt, with the seconds it took in a full scripts/test.sh run on a two-core
# machine, gets that figure as its COST, so that `ctest -j` starts the slowest tests first, and
# three times it (30 s at least) as its TIMEOUT. A test not listed keeps the TIMEOUT of its
# registration. `bash scripts/test-seconds.sh` writes the list again from the last run.
file(STRINGS "${CMAKE_CURRENT_LIST_DIR}/test_seconds.txt" grantor_test_seconds REGEX "^[0-9]")
foreach(grantor_line IN LISTS grantor_test_seconds)
  string(REGEX MATCH "^([0-9]+) (.+)$" grantor_match "${grantor_line}")
  math(EXPR grantor_timeout "${CMAKE_MATCH_1} * 3")
  if(grantor_timeout LESS 30)
    set(grantor_timeout 30)
  endif()
  # A name another directory registers is not a test here: ctest ignores it.
  set_tests_properties("${CMAKE_MATCH_2}" PROPERTIES COST ${CMAKE_MATCH_1}
                       TIMEOUT ${grantor_timeout})
endforeach()
