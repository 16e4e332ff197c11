# Victims of tests/integ/cases/events.sh.
add_executable(victim_events integ/victims/events.c)
set_target_properties(victim_events PROPERTIES OUTPUT_NAME events RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/victims)
