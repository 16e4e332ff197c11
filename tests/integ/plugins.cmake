# Victims of tests/integ/cases/plugins.sh.
add_executable(victim_slack ${CMAKE_CURRENT_SOURCE_DIR}/integ/victims/slack.c)
set_target_properties(victim_slack PROPERTIES OUTPUT_NAME slack RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/victims)
