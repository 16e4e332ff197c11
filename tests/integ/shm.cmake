# Victims of tests/integ/cases/shm.sh.
add_executable(victim_sysvshm integ/victims/sysvshm.c)
set_target_properties(victim_sysvshm PROPERTIES OUTPUT_NAME sysvshm RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/victims)
set(INTEG_TIMEOUT_tree_python_procpool 120)
add_executable(victim_cow integ/victims/cow.c)
set_target_properties(victim_cow PROPERTIES OUTPUT_NAME cow RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/victims)
