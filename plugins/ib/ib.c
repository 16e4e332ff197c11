/* The InfiniBand/RDMA plugin. A stock kernel gives another process no way
 * to save or recreate verbs objects (queue pairs and their peers' state,
 * memory registrations, completion queues): they live in the NIC and in the
 * driver's context of the process's /dev/infiniband/uverbs* file. So the
 * plugin finds them before the target is touched (pause): the process's
 * /dev/infiniband/ fds and mappings, and its verbs objects as RDMA netlink
 * resource tracking lists them ("rdma res show"); and it refuses, saying
 * what it found and what works instead: a TCP transport (UCX_TLS=tcp,self,sm
 * for UCX and MPI over UCX, NCCL_IB_DISABLE=1 for NCCL) or the
 * application's own checkpoint.
 *
 * --ignore-rdma lets a dump go on when nothing is live: no verbs mapping
 * and, where netlink answers, no verbs object. The device fds are then left
 * out of the image (the restored process does not have them) and the dump
 * says so. */
#define LOG_PREFIX "plugin ib: "
#include <errno.h>
#include <linux/netlink.h>
#include <rdma/rdma_netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/ctx.h"
#include "common/log.h"
#include "plugins/ib/ib.h"
#include "plugins/ib/ibv-api.h"

struct ib_state {
	char proc_root[64];
	const struct ib_inventory *fixed;	/* tests: instead of netlink */
	pid_t ignored_pid;			/* --ignore-rdma accepted for it */
};

const char *ib_qp_state_name(uint8_t s)
{
	static const char *const n[] = { "RESET", "INIT", "RTR", "RTS", "SQD", "SQE", "ERR" };

	return s < sizeof(n) / sizeof(n[0]) ? n[s] : "?";
}

const char *ib_qp_type_name(uint8_t t)
{
	static const char *const n[] = { "SMI", "GSI", "RC", "UC", "UD", "RAW_IPV6",
					  "RAW_ETHERTYPE", "?", "RAW_PACKET", "XRC_INI", "XRC_TGT" };

	return t < sizeof(n) / sizeof(n[0]) ? n[t] : t == 0xff ? "DRIVER" : "?";
}

/* ---- netlink parsing, pure ---------------------------------------------- */

struct attr {
	uint16_t type;
	const uint8_t *data;
	size_t len;
};

/* The next attribute of [*p, end): 1 with a set, 0 at the end, -EBADMSG. */
static int next_attr(const uint8_t **p, const uint8_t *end, struct attr *a)
{
	struct nlattr na;

	if (*p >= end)
		return 0;
	if ((size_t)(end - *p) < sizeof(na))
		return -EBADMSG;
	memcpy(&na, *p, sizeof(na));
	if (na.nla_len < sizeof(na) || na.nla_len > (size_t)(end - *p))
		return -EBADMSG;
	a->type = na.nla_type & NLA_TYPE_MASK;
	a->data = *p + NLA_HDRLEN;
	a->len = na.nla_len - NLA_HDRLEN;
	*p += NLA_ALIGN(na.nla_len) < (size_t)(end - *p) ? NLA_ALIGN(na.nla_len) : (size_t)(end - *p);
	return 1;
}

static bool attr_u32(const struct attr *a, uint32_t *v)
{
	if (a->len < 4)
		return false;
	memcpy(v, a->data, 4);
	return true;
}

static void attr_str(const struct attr *a, char *out, size_t len)
{
	size_t n = strnlen((const char *)a->data, a->len);

	if (n >= len)
		n = len - 1;
	memcpy(out, a->data, n);
	out[n] = 0;
}

/* One message's payload (attributes) and the walk over a buffer of
 * messages; fn sees each RDMA_NLDEV message's attributes. */
typedef int (*msg_fn)(const uint8_t *p, const uint8_t *end, void *arg);

static int walk_msgs(const void *buf, size_t len, msg_fn fn, void *arg)
{
	const uint8_t *p = buf, *end = p + len;

	while (p < end) {
		struct nlmsghdr h;
		int err;

		if ((size_t)(end - p) < sizeof(h))
			return -EBADMSG;
		memcpy(&h, p, sizeof(h));
		if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > (size_t)(end - p))
			return -EBADMSG;
		if (h.nlmsg_type == NLMSG_DONE)
			return 1;
		if (h.nlmsg_type == NLMSG_ERROR) {
			struct nlmsgerr e;

			if (h.nlmsg_len < NLMSG_LENGTH(sizeof(e)))
				return -EBADMSG;
			memcpy(&e, p + NLMSG_HDRLEN, sizeof(e));
			if (e.error)
				return e.error < 0 ? e.error : -EPROTO;
		} else if (h.nlmsg_type != NLMSG_NOOP) {
			err = fn(p + NLMSG_HDRLEN, p + h.nlmsg_len, arg);
			if (err)
				return err;
		}
		p += NLMSG_ALIGN(h.nlmsg_len) < (size_t)(end - p) ? NLMSG_ALIGN(h.nlmsg_len) :
								    (size_t)(end - p);
	}
	return 0;
}

struct devs_arg {
	struct ib_dev *devs;
	unsigned *nr, max;
};

static int dev_msg(const uint8_t *p, const uint8_t *end, void *arg)
{
	struct devs_arg *d = arg;
	struct ib_dev dev = { 0 };
	bool have_index = false;
	struct attr a;
	int r;

	while ((r = next_attr(&p, end, &a)) > 0) {
		if (a.type == RDMA_NLDEV_ATTR_DEV_INDEX)
			have_index = attr_u32(&a, &dev.index);
		else if (a.type == RDMA_NLDEV_ATTR_DEV_NAME)
			attr_str(&a, dev.name, sizeof(dev.name));
	}
	if (r < 0)
		return r;
	if (!have_index)
		return -EBADMSG;
	if (*d->nr < d->max)
		d->devs[(*d->nr)++] = dev;
	return 0;
}

int ib_parse_devs(const void *buf, size_t len, struct ib_dev *devs, unsigned *nr, unsigned max)
{
	struct devs_arg d = { devs, nr, max };

	return walk_msgs(buf, len, dev_msg, &d);
}

struct res_arg {
	uint32_t pid;
	struct ib_inventory *inv;
	char dev[32];
};

/* One *_ENTRY: count it if it belongs to pid. */
static int res_entry(struct res_arg *ra, uint16_t table, const uint8_t *p, const uint8_t *end)
{
	struct ib_qp qp = { 0 };
	uint32_t pid = 0, v;
	uint64_t mrlen = 0;
	bool have_pid = false;
	struct attr a;
	int r;

	while ((r = next_attr(&p, end, &a)) > 0) {
		switch (a.type) {
		case RDMA_NLDEV_ATTR_RES_PID: have_pid = attr_u32(&a, &pid); break;
		case RDMA_NLDEV_ATTR_RES_LQPN: if (attr_u32(&a, &v)) qp.lqpn = v; break;
		case RDMA_NLDEV_ATTR_RES_RQPN: if (attr_u32(&a, &v)) qp.rqpn = v; break;
		case RDMA_NLDEV_ATTR_RES_TYPE: if (a.len >= 1) qp.type = a.data[0]; break;
		case RDMA_NLDEV_ATTR_RES_STATE: if (a.len >= 1) qp.state = a.data[0]; break;
		case RDMA_NLDEV_ATTR_RES_MRLEN: if (a.len >= 8) memcpy(&mrlen, a.data, 8); break;
		}
	}
	if (r < 0)
		return r;
	/* No pid: a kernel user of the device, not the process's. */
	if (!have_pid || pid != ra->pid)
		return 0;
	if (table == RDMA_NLDEV_ATTR_RES_QP) {
		if (ra->inv->nr_qps < IB_MAX_QPS) {
			snprintf(qp.dev, sizeof(qp.dev), "%s", ra->dev);
			ra->inv->qps[ra->inv->nr_qps] = qp;
		}
		ra->inv->nr_qps++;
	} else if (table == RDMA_NLDEV_ATTR_RES_CQ) {
		ra->inv->nr_cqs++;
	} else {
		ra->inv->nr_mrs++;
		ra->inv->mr_bytes += mrlen;
	}
	return 0;
}

static int res_msg(const uint8_t *p, const uint8_t *end, void *arg)
{
	struct res_arg *ra = arg;
	struct attr a, e;
	int r, r2;

	ra->dev[0] = 0;
	while ((r = next_attr(&p, end, &a)) > 0) {
		const uint8_t *q = a.data, *qend = a.data + a.len;

		if (a.type == RDMA_NLDEV_ATTR_DEV_NAME) {
			attr_str(&a, ra->dev, sizeof(ra->dev));
			continue;
		}
		if (a.type != RDMA_NLDEV_ATTR_RES_QP && a.type != RDMA_NLDEV_ATTR_RES_CQ &&
		    a.type != RDMA_NLDEV_ATTR_RES_MR)
			continue;
		while ((r2 = next_attr(&q, qend, &e)) > 0) {
			if (e.type != RDMA_NLDEV_ATTR_RES_QP_ENTRY &&
			    e.type != RDMA_NLDEV_ATTR_RES_CQ_ENTRY &&
			    e.type != RDMA_NLDEV_ATTR_RES_MR_ENTRY)
				continue;
			r2 = res_entry(ra, a.type, e.data, e.data + e.len);
			if (r2)
				return r2;
		}
		if (r2 < 0)
			return r2;
	}
	return r;
}

int ib_parse_res(const void *buf, size_t len, uint32_t pid, struct ib_inventory *inv)
{
	struct res_arg ra = { .pid = pid, .inv = inv };

	return walk_msgs(buf, len, res_msg, &ra);
}

void ib_format_inventory(const struct ib_inventory *inv, char *out, size_t len)
{
	size_t n;

	if (!inv->known) {
		snprintf(out, len, "verbs objects unknown: no RDMA netlink here");
		return;
	}
	n = snprintf(out, len, "%u QP%s", inv->nr_qps, inv->nr_qps == 1 ? "" : "s");
	for (unsigned i = 0; i < inv->nr_qps && i < IB_MAX_QPS && n < len; i++) {
		const struct ib_qp *q = &inv->qps[i];

		n += snprintf(out + n, len - n, "%s%s QP %#x %s %s", i ? ", " : " (", q->dev, q->lqpn,
			      ib_qp_type_name(q->type), ib_qp_state_name(q->state));
		if (n < len && q->rqpn)
			n += snprintf(out + n, len - n, " to QP %#x", q->rqpn);
		if (n < len && i + 1 == inv->nr_qps)
			n += snprintf(out + n, len - n, ")");
	}
	if (n < len && inv->nr_qps > IB_MAX_QPS)
		n += snprintf(out + n, len - n, ", ...)");
	if (n < len)
		snprintf(out + n, len - n, ", %u CQ%s, %u MR%s (%llu KiB)", inv->nr_cqs,
			 inv->nr_cqs == 1 ? "" : "s", inv->nr_mrs, inv->nr_mrs == 1 ? "" : "s",
			 (unsigned long long)(inv->mr_bytes >> 10));
}

/* ---- the kernel side ---------------------------------------------------- */

/* One RDMA_NLDEV dump request; replies go through parse until it says done. */
static int nl_dump(int fd, uint16_t cmd, const uint32_t *dev_index,
		   int (*parse)(const void *, size_t, void *), void *arg)
{
	struct {
		struct nlmsghdr h;
		struct nlattr a;
		uint32_t index;
	} req = { 0 };
	size_t cap = 1 << 16;
	char *buf = malloc(cap);
	int err = 0;

	if (!buf)
		return -ENOMEM;
	req.h.nlmsg_len = dev_index ? sizeof(req) : sizeof(req.h);
	req.h.nlmsg_type = RDMA_NL_GET_TYPE(RDMA_NL_NLDEV, cmd);
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.h.nlmsg_seq = 1;
	if (dev_index) {
		req.a.nla_len = NLA_HDRLEN + 4;
		req.a.nla_type = RDMA_NLDEV_ATTR_DEV_INDEX;
		req.index = *dev_index;
	}
	if (send(fd, &req, req.h.nlmsg_len, 0) != (ssize_t)req.h.nlmsg_len)
		err = -errno;
	while (!err) {
		ssize_t n = recv(fd, buf, cap, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			break;
		}
		err = parse(buf, (size_t)n, arg);
	}
	free(buf);
	return err > 0 ? 0 : err;
}

struct query {
	struct ib_dev *devs;
	unsigned nr, max;
	uint32_t pid;
	struct ib_inventory *inv;
};

static int parse_devs_cb(const void *b, size_t l, void *arg)
{
	struct query *q = arg;

	return ib_parse_devs(b, l, q->devs, &q->nr, q->max);
}

static int parse_res_cb(const void *b, size_t l, void *arg)
{
	struct query *q = arg;

	return ib_parse_res(b, l, q->pid, q->inv);
}

/* The verbs objects of pid on every RDMA device; inv->known stays false
 * where the kernel has no RDMA netlink (no CONFIG_INFINIBAND). */
static int query_inventory(pid_t pid, struct ib_inventory *inv)
{
	static const uint16_t cmds[] = { RDMA_NLDEV_CMD_RES_QP_GET, RDMA_NLDEV_CMD_RES_CQ_GET,
					 RDMA_NLDEV_CMD_RES_MR_GET };
	struct ib_dev devs[IB_MAX_DEVS];
	struct query q = { .devs = devs, .max = IB_MAX_DEVS, .pid = (uint32_t)pid, .inv = inv };
	int fd, err;

	memset(inv, 0, sizeof(*inv));
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_RDMA);
	if (fd < 0)
		return 0;
	err = nl_dump(fd, RDMA_NLDEV_CMD_GET, NULL, parse_devs_cb, &q);
	for (unsigned i = 0; !err && i < q.nr; i++)
		for (size_t c = 0; !err && c < sizeof(cmds) / sizeof(cmds[0]); c++)
			err = nl_dump(fd, cmds[c], &devs[i].index, parse_res_cb, &q);
	close(fd);
	inv->known = !err;
	if (err)
		xc_debug("pid %d: RDMA netlink: %s", pid, strerror(-err));
	return 0;
}

/* ---- the hooks ---------------------------------------------------------- */

static int refuse(struct xc_plugin_ctx *pc, pid_t pid, const struct xc_dev_use *use,
		  const struct ib_inventory *inv, const char *why)
{
	char what[512];

	ib_format_inventory(inv, what, sizeof(what));
	/* The full picture first; the error line says it short. */
	xc_warn("pid %d: %u fd(s) and %u mapping(s) of %s; %s", pid, use->nr_fds, use->nr_maps,
		use->first_path, what);
	xc_warn("pid %d: RDMA state cannot be saved from outside the process: run it over TCP "
		"(UCX_TLS=tcp,self,sm for UCX and MPI over UCX; NCCL_IB_DISABLE=1 for NCCL; "
		"OMPI_MCA_btl=tcp,self,vader for Open MPI's BTLs) or use its own checkpoint", pid);
	pc->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
	return xc_failf(pc->ctx, pid, why, -ENOTSUP, "RDMA (%.60s; %.80s)", use->first_path, what);
}

static int ib_pause(struct xc_plugin_ctx *pc, pid_t pid)
{
	struct ib_state *st = pc->priv;
	struct ib_inventory inv;
	struct xc_dev_use use;
	int err;

	err = xc_plugin_dev_use(st->proc_root, pid, IB_DEV_PREFIX, &use);
	if (err)
		return xc_fail(pc->ctx, pid, "fd/ and maps", "look for /dev/infiniband/*", err);
	if (!use.nr_fds && !use.nr_maps)
		return 0;
	if (st->fixed)
		inv = *st->fixed;
	else
		query_inventory(pid, &inv);
	if (!pc->ctx->ignore_rdma)
		return refuse(pc, pid, &use, &inv,
			      "verbs state cannot be saved; use TCP (UCX_TLS=tcp,self,sm) or its own checkpoint");
	if (use.nr_maps)
		return refuse(pc, pid, &use, &inv, "--ignore-rdma refused: a verbs mapping is live");
	if (inv.known && inv.nr_qps + inv.nr_cqs + inv.nr_mrs)
		return refuse(pc, pid, &use, &inv, "--ignore-rdma refused: verbs objects are live");
	xc_warn("pid %d: --ignore-rdma: %u fd(s) of %s left out; the restored process will not have them",
		pid, use.nr_fds, use.first_path);
	st->ignored_pid = pid;
	return 0;
}

static bool is_ib_dev(const char *path)
{
	return !strncmp(path, IB_DEV_PREFIX, strlen(IB_DEV_PREFIX));
}

static int ib_claim_fd(struct xc_plugin_ctx *pc, pid_t pid, int fd, const char *path, mode_t mode)
{
	struct ib_state *st = pc->priv;

	return st->ignored_pid == pid && is_ib_dev(path) ? 0 : -ENOTSUP;
}

/* A mapping that appeared after the pause: never claimed, so the generic
 * code refuses it ("device memory"). */

int ib_start(struct xc_plugin_ctx *pc, enum xc_stage stage, const char *proc_root,
	     const struct ib_inventory *fixed)
{
	struct ib_state *st;

	/* Nothing to restore: an image never holds RDMA state. */
	if (stage != XC_STAGE_DUMP)
		return -ENOTSUP;
	st = calloc(1, sizeof(*st));
	if (!st)
		return xc_fail(pc->ctx, 0, "plugin ib", "allocate", -ENOMEM);
	snprintf(st->proc_root, sizeof(st->proc_root), "%s", proc_root);
	st->fixed = fixed;
	pc->priv = st;
	return 0;
}

static int ib_init(struct xc_plugin_ctx *pc, enum xc_stage stage)
{
	return ib_start(pc, stage, "/proc", NULL);
}

static void ib_fini(struct xc_plugin_ctx *pc, enum xc_stage stage, int err)
{
	free(pc->priv);
	pc->priv = NULL;
}

/* xckpt check: which RDMA devices this machine has, through libibverbs. */
static int ib_check(char *note, size_t len)
{
	struct ibv_api api;
	struct ibv_device **list;
	char why[160] = "";
	int n = 0, r = ibv_api_load(&api, why, sizeof(why));
	size_t off;

	if (r) {
		snprintf(note, len, "no libibverbs: %s", why);
		ibv_api_unload(&api);
		return r;
	}
	list = api.get_device_list(&n);
	off = snprintf(note, len, "%d RDMA device(s)", n);
	for (int i = 0; list && i < n && off < len; i++)
		off += snprintf(note + off, len - off, "%s%s", i ? " " : ": ",
				api.get_device_name(list[i]));
	if (off < len)
		snprintf(note + off, len - off, "; processes using them are refused");
	if (list)
		api.free_device_list(list);
	ibv_api_unload(&api);
	return n ? 0 : -ENODEV;
}

const struct xc_plugin xc_ib_plugin = {
	.name = "ib",
	.init = ib_init,
	.fini = ib_fini,
	.pause = ib_pause,
	.claim_fd = ib_claim_fd,
	.check = ib_check,
};
