/* xc_netlock_script(): the nftables table that blocks dumped connections,
 * for IPv4 and IPv6, both directions in both hooks; a buffer too small. */
#include "unit.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include "common/netlock.h"

static void test_script(void **state)
{
	struct xc_netlock_conn c[2] = { { .family = AF_INET, .sport = 8080, .dport = 40000 },
					{ .family = AF_INET6, .sport = 22, .dport = 50000 } };
	char buf[4096];
	int n;

	inet_pton(AF_INET, "10.1.2.1", c[0].src);
	inet_pton(AF_INET, "10.1.2.2", c[0].dst);
	inet_pton(AF_INET6, "fd00::1", c[1].src);
	inet_pton(AF_INET6, "fd00::2", c[1].dst);
	n = xc_netlock_script(buf, sizeof(buf), "xckpt_1_2", c, 2);
	assert_true(n > 0 && (size_t)n == strlen(buf));
	assert_non_null(strstr(buf, "table inet xckpt_1_2 {\n"));
	assert_non_null(strstr(buf, "type filter hook input priority -300; policy accept;"));
	assert_non_null(strstr(buf, "type filter hook output priority -300; policy accept;"));
	/* Each direction of each connection, once per chain. */
	assert_non_null(strstr(buf, "ip saddr 10.1.2.2 ip daddr 10.1.2.1 tcp sport 40000 tcp dport 8080 drop"));
	assert_non_null(strstr(buf, "ip saddr 10.1.2.1 ip daddr 10.1.2.2 tcp sport 8080 tcp dport 40000 drop"));
	assert_non_null(strstr(buf, "ip6 saddr fd00::2 ip6 daddr fd00::1 tcp sport 50000 tcp dport 22 drop"));
	assert_non_null(strstr(buf, "ip6 saddr fd00::1 ip6 daddr fd00::2 tcp sport 22 tcp dport 50000 drop"));
	{
		int rules = 0;
		for (const char *p = buf; (p = strstr(p, " drop\n")); p++)
			rules++;
		assert_int_equal(rules, 8);
	}
	assert_int_equal(buf[n - 2], '}');
}

static void test_too_small(void **state)
{
	struct xc_netlock_conn c = { .family = AF_INET, .sport = 1, .dport = 2 };
	char buf[200];

	assert_int_equal(xc_netlock_script(buf, sizeof(buf), "xckpt_1_2", &c, 1), -ENOSPC);
	assert_int_equal(xc_netlock_script(buf, 10, "xckpt_1_2", NULL, 0), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_script),
		cmocka_unit_test(test_too_small),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
