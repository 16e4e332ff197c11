# Victim of the interrupted-call cases (cases/restart.sh).
add_executable(victim_restart integ/victims/restart.c)
set_target_properties(victim_restart PROPERTIES OUTPUT_NAME restart RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/victims)
target_link_libraries(victim_restart PRIVATE Threads::Threads)
set(INTEG_TIMEOUT_restart_signal_stopped 120)
set(INTEG_TIMEOUT_restart_signal_running 120)
set(INTEG_TIMEOUT_restart_temp_mask 120)
set(INTEG_TIMEOUT_restart_sleeps 120)
set(INTEG_TIMEOUT_restart_sleeps_twice 120)
