# Victims of the files area (cases/files.sh).
add_executable(victim_files integ/victims/files.c)
set_target_properties(victim_files PROPERTIES OUTPUT_NAME files RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/victims)
