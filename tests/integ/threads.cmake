# Victims of the threads cases (cases/threads.sh).
add_executable(victim_threads integ/victims/threads.c)
set_target_properties(victim_threads PROPERTIES OUTPUT_NAME threads RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/victims)
target_link_libraries(victim_threads PRIVATE Threads::Threads)
set(INTEG_TIMEOUT_threads_64 120)
set(INTEG_TIMEOUT_threads_64_leave_running 120)
set(INTEG_TIMEOUT_threads_python 120)
