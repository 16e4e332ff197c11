/* The InfiniBand/RDMA plugin: finds verbs devices in use and refuses the
 * dump, saying what it found and what works instead. Pure parts exposed
 * for tests/unit/test_plugin_ib.c. */
#ifndef XC_PLUGIN_IB_H
#define XC_PLUGIN_IB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plugins/plugin.h"

#define IB_DEV_PREFIX	"/dev/infiniband/"
#define IB_MAX_QPS	8	/* QPs described one by one; the rest are counted */
#define IB_MAX_DEVS	16

struct ib_qp {
	char dev[32];
	uint32_t lqpn, rqpn;	/* rqpn 0: not connected */
	uint8_t type, state;	/* IB_QPT_*, IB_QPS_* as the kernel numbers them */
};

/* What one process holds, from RDMA netlink resource tracking (as
 * "rdma res show" prints it). */
struct ib_inventory {
	bool known;		/* netlink answered */
	unsigned nr_qps, nr_cqs, nr_mrs;
	uint64_t mr_bytes;
	struct ib_qp qps[IB_MAX_QPS];
};

struct ib_dev {
	uint32_t index;
	char name[32];
};

/* RDMA netlink replies (a buffer of netlink messages), pure. Each returns 0
 * (more to come), 1 (NLMSG_DONE seen), -EBADMSG (malformed) or the negative
 * errno of an NLMSG_ERROR. */
int ib_parse_devs(const void *buf, size_t len, struct ib_dev *devs, unsigned *nr, unsigned max);
int ib_parse_res(const void *buf, size_t len, uint32_t pid, struct ib_inventory *inv);

const char *ib_qp_state_name(uint8_t state);
const char *ib_qp_type_name(uint8_t type);
/* "2 QPs (mlx5_0 QP 0x11 RC RTS to 0x22, ...), 3 CQs, 2 MRs (1 MiB)" */
void ib_format_inventory(const struct ib_inventory *inv, char *out, size_t len);

/* What init does; tests pass a fixture /proc and a fixed inventory
 * (NULL: ask the kernel). */
int ib_start(struct xc_plugin_ctx *pc, enum xc_stage stage, const char *proc_root,
	     const struct ib_inventory *fixed);

extern const struct xc_plugin xc_ib_plugin;

#endif
