# Memory of other kinds than plain anonymous memory (cases/mem.sh).
add_executable(victim_mem integ/victims/mem.c)
set_target_properties(victim_mem PROPERTIES OUTPUT_NAME mem RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/victims)
target_compile_options(victim_mem PRIVATE -Wall -Wextra)
