# Victims of tests/integ/cases/sockets.sh.
add_executable(victim_unixsk integ/victims/unixsk.c)
set_target_properties(victim_unixsk PROPERTIES OUTPUT_NAME unixsk RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/victims)
