# Exactness: the state inspector every integration test runs before the dump
# and after the restore (lib.sh: snap, snap_compare), and its victims.
add_executable(xc_inspect integ/inspect.c)
set_target_properties(xc_inspect PROPERTIES OUTPUT_NAME inspect RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/victims)
target_compile_options(xc_inspect PRIVATE -Wall -Wextra)
target_include_directories(xc_inspect PRIVATE ${CMAKE_SOURCE_DIR})
add_executable(victim_quiet integ/victims/quiet.c)
set_target_properties(victim_quiet PROPERTIES OUTPUT_NAME quiet RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/victims)
add_executable(victim_attrs integ/victims/attrs.c)
set_target_properties(victim_attrs PROPERTIES OUTPUT_NAME attrs RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/victims)
set(INTEG_TIMEOUT_attr_itimer_loop 180)
