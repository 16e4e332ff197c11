/* The socket option table (common/skopt.c): which options exist, which
 * sockets each applies to, and that restore never learns of another. */
#include "unit.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "common/skopt.h"

static void test_find(void **state)
{
	const struct xc_skopt_desc *o = xc_skopt_find(IPPROTO_TCP, TCP_CONGESTION);

	(void)state;
	assert_non_null(o);
	assert_int_equal(o->len, 16);
	assert_int_equal(xc_skopt_find(SOL_SOCKET, SO_LINGER)->len, 8);
	/* Handled elsewhere, or dynamic, or dangerous: never from a record. */
	assert_null(xc_skopt_find(IPPROTO_TCP, TCP_QUICKACK));
	assert_null(xc_skopt_find(SOL_SOCKET, SO_RCVBUF));
	assert_null(xc_skopt_find(SOL_SOCKET, SO_ATTACH_FILTER));
	assert_null(xc_skopt_find(SOL_SOCKET, SO_BINDTODEVICE));
	for (unsigned i = 0; i < xc_nr_skopts; i++)
		assert_true(xc_skopts[i].len == 4 || xc_skopts[i].len == 8 || xc_skopts[i].len == 16);
}

static void test_applies(void **state)
{
	const struct xc_skopt_desc *tos = xc_skopt_find(IPPROTO_IP, IP_TOS);
	const struct xc_skopt_desc *mss = xc_skopt_find(IPPROTO_TCP, TCP_MAXSEG);
	const struct xc_skopt_desc *mcttl = xc_skopt_find(IPPROTO_IP, IP_MULTICAST_TTL);
	const struct xc_skopt_desc *prio = xc_skopt_find(SOL_SOCKET, SO_PRIORITY);

	(void)state;
	assert_true(xc_skopt_applies(tos, AF_INET, IPPROTO_TCP, true));
	assert_false(xc_skopt_applies(tos, AF_INET6, IPPROTO_UDP, false));
	assert_false(xc_skopt_applies(tos, AF_UNIX, 0, false));
	/* A connection's segment size is its own state (repair sets it). */
	assert_true(xc_skopt_applies(mss, AF_INET, IPPROTO_TCP, false));
	assert_false(xc_skopt_applies(mss, AF_INET6, IPPROTO_TCP, true));
	assert_false(xc_skopt_applies(mss, AF_INET, IPPROTO_UDP, false));
	assert_true(xc_skopt_applies(mcttl, AF_INET, IPPROTO_UDP, false));
	assert_false(xc_skopt_applies(mcttl, AF_INET, IPPROTO_TCP, false));
	assert_true(xc_skopt_applies(prio, AF_UNIX, 0, false));
	/* SO_PRIORITY comes after IP_TOS, which sets it from the TOS bits. */
	assert_true(prio > tos);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_applies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
