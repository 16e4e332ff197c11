# Victims of the page-pipeline tests (cases/perf.sh).
add_executable(victim_pagegen integ/victims/pagegen.c)
set_target_properties(victim_pagegen PROPERTIES OUTPUT_NAME pagegen RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/victims)
target_link_libraries(victim_pagegen PRIVATE m)
# scripts/bench --table: memory of each kind, and the naive reference dump.
add_executable(victim_memkind integ/victims/memkind.c)
set_target_properties(victim_memkind PROPERTIES OUTPUT_NAME memkind RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/victims)
target_link_libraries(victim_memkind PRIVATE m)
add_executable(naive_dump integ/victims/naive_dump.c)
set_target_properties(naive_dump PROPERTIES OUTPUT_NAME naive_dump RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/victims)
# Write tracking: memory of every kind, changed between generations.
add_executable(victim_trackw integ/victims/trackw.c)
set_target_properties(victim_trackw PROPERTIES OUTPUT_NAME trackw RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/victims)
target_link_libraries(victim_trackw PRIVATE pthread)
add_executable(victim_busyw integ/victims/busyw.c)
set_target_properties(victim_busyw PROPERTIES OUTPUT_NAME busyw RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/victims)
