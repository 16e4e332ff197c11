# Victims of cases/trees.sh.
add_executable(victim_tree integ/victims/tree.c)
set_target_properties(victim_tree PROPERTIES OUTPUT_NAME tree RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/victims)
set(INTEG_TIMEOUT_tree_ring 120)
set(INTEG_TIMEOUT_tree_ring_pidns 120)
set(INTEG_TIMEOUT_tree_make 120)
set(INTEG_TIMEOUT_tree_pipeline 120)
