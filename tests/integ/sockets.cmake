# Victims of tests/integ/cases/sockets.sh.
add_executable(victim_unixsk integ/victims/unixsk.c)
set_target_properties(victim_unixsk PROPERTIES OUTPUT_NAME unixsk RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/victims)
add_executable(victim_inetsk integ/victims/inetsk.c)
set_target_properties(victim_inetsk PROPERTIES OUTPUT_NAME inetsk RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/victims)
set(INTEG_TIMEOUT_tcp_netns_outage 90)
set(INTEG_TIMEOUT_redis 120)
set(INTEG_TIMEOUT_http_server 90)
