# Victims of cases/lazy.sh.
add_executable(victim_lazymem integ/victims/lazymem.c)
set_target_properties(victim_lazymem PROPERTIES OUTPUT_NAME lazymem RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/victims)
target_link_libraries(victim_lazymem PRIVATE Threads::Threads)
