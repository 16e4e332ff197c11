# Victims of the `xckpt run` tests (cases/jobs.sh).
add_executable(victim_job integ/victims/job.c)
set_target_properties(victim_job PROPERTIES OUTPUT_NAME job RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/victims)
set(INTEG_TIMEOUT_run_periodic 120)
set(INTEG_TIMEOUT_run_crash_mid_dump 120)
set(INTEG_TIMEOUT_slurm_requeue 180)
set(INTEG_TIMEOUT_slurm_rescue 240)
set(INTEG_TIMEOUT_deb_package 180)
