/* Blocking the traffic of TCP connections while their process is down:
 * one nftables table per dump, dropping every packet of each connection in
 * both directions (input and output hooks), so the peer sees silence, never
 * a reset, until the restored process takes over. */
#ifndef XC_NETLOCK_H
#define XC_NETLOCK_H

#include <stddef.h>
#include <stdint.h>

struct xc_netlock_conn {
	int family;			/* AF_INET, AF_INET6 */
	uint8_t src[16], dst[16];	/* network order; IPv4 in the first 4 bytes */
	uint16_t sport, dport;		/* host order */
};

/* The nft script that creates table name with the rules for conns: pure,
 * for the unit tests. Returns the length written (< cap) or -ENOSPC. */
int xc_netlock_script(char *buf, size_t cap, const char *name,
		      const struct xc_netlock_conn *conns, size_t n);
/* Runs nft to create (add) or delete the table. 0 or -errno; *why says
 * what failed (nft's own message is logged). */
int xc_netlock_add(const char *name, const struct xc_netlock_conn *conns, size_t n,
		   const char **why);
int xc_netlock_del(const char *name, const char **why);

#endif
