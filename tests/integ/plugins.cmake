# Victims of tests/integ/cases/plugins.sh.
add_executable(victim_slack ${CMAKE_CURRENT_SOURCE_DIR}/integ/victims/slack.c)
set_target_properties(victim_slack PROPERTIES OUTPUT_NAME slack RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/victims)

# The CUDA victim, built only where nvcc is found; integ_cuda_sum skips
# (with the reason) where it is missing, as it does without a GPU or driver.
find_program(XC_NVCC nvcc PATHS /usr/local/cuda/bin NO_CACHE)
if(XC_NVCC)
  set(cuda_sum ${CMAKE_BINARY_DIR}/victims/cuda_sum)
  add_custom_command(OUTPUT ${cuda_sum}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/victims
    COMMAND ${XC_NVCC} -O2 -I${CMAKE_CURRENT_SOURCE_DIR}/integ/victims -o ${cuda_sum}
            ${CMAKE_CURRENT_SOURCE_DIR}/integ/victims/cuda_sum.cu
    DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/integ/victims/cuda_sum.cu
            ${CMAKE_CURRENT_SOURCE_DIR}/integ/victims/ready.h
    COMMENT "nvcc cuda_sum" VERBATIM)
  add_custom_target(victim_cuda_sum ALL DEPENDS ${cuda_sum})
else()
  message(STATUS "nvcc not found: the CUDA victim is not built, integ_cuda_sum will skip")
endif()
set(INTEG_TIMEOUT_cuda_sum 180)
add_executable(victim_devfd ${CMAKE_CURRENT_SOURCE_DIR}/integ/victims/devfd.c)
set_target_properties(victim_devfd PROPERTIES OUTPUT_NAME devfd RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/victims)
# A stand-in CUDA driver (victims/fakecuda/libcuda.so.1) for the
# integ_cuda_fake_* tests: the plugin's calls, end to end, without a GPU.
add_library(fake_libcuda SHARED ${CMAKE_CURRENT_SOURCE_DIR}/integ/victims/fake_libcuda.c)
set_target_properties(fake_libcuda PROPERTIES OUTPUT_NAME cuda SOVERSION 1
  LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/victims/fakecuda)
add_library(fake_libcuda_old SHARED ${CMAKE_CURRENT_SOURCE_DIR}/integ/victims/fake_libcuda.c)
target_compile_definitions(fake_libcuda_old PRIVATE FAKE_OLD_DRIVER)
set_target_properties(fake_libcuda_old PROPERTIES OUTPUT_NAME cuda SOVERSION 1
  LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/victims/fakecuda-old)
