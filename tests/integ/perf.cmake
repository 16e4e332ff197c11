# Victims of the page-pipeline tests (cases/perf.sh).
add_executable(victim_pagegen integ/victims/pagegen.c)
set_target_properties(victim_pagegen PROPERTIES OUTPUT_NAME pagegen RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/victims)
target_link_libraries(victim_pagegen PRIVATE m)
