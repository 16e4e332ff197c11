/* Socket options a program sets that xckpt carries over (SKOPT records,
 * docs/image-format.md 5.8.15): which exist, on which sockets, how long
 * their value is. The dump records those that differ from a new socket's;
 * restore sets only options of this table. */
#ifndef XC_SKOPT_H
#define XC_SKOPT_H

#include <stdbool.h>
#include <stdint.h>

struct xc_skopt_desc {
	int level, name;
	uint32_t len;		/* bytes of the value: 4 (int), 8 (linger), 16 (a name) */
	int family;		/* AF_UNIX, AF_INET, AF_INET6, or 0: any */
	int protocol;		/* IPPROTO_TCP, IPPROTO_UDP, or 0: any */
	bool not_established;	/* an established connection's value is its own state */
	const char *what;
};

extern const struct xc_skopt_desc xc_skopts[];
extern const unsigned xc_nr_skopts;

/* The option as the table has it, NULL if not carried over. */
const struct xc_skopt_desc *xc_skopt_find(int level, int name);
/* Does desc apply to a socket of this family and protocol (and state)? */
bool xc_skopt_applies(const struct xc_skopt_desc *o, int family, int protocol, bool established);

#endif
