# Victims of the `xckpt run` tests (cases/jobs.sh).
add_executable(victim_job integ/victims/job.c)
set_target_properties(victim_job PROPERTIES OUTPUT_NAME job RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/victims)
set(INTEG_TIMEOUT_run_periodic 120)
set(INTEG_TIMEOUT_run_crash_mid_dump 120)
set(INTEG_TIMEOUT_slurm_requeue 180)
set(INTEG_TIMEOUT_slurm_rescue 240)
set(INTEG_TIMEOUT_slurm_prolog_epilog 180)
set(INTEG_TIMEOUT_deb_package 180)
# Not a test: the compute-bound job of scripts/bench-jobs.
add_executable(victim_compute integ/victims/compute.c)
set_target_properties(victim_compute PROPERTIES OUTPUT_NAME compute RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/victims)
target_compile_options(victim_compute PRIVATE -O2)
set(INTEG_TIMEOUT_run_incremental 120)
