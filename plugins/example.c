/* The example plugin (docs/plugins.md walks through it): with
 * --plugin-example, the dump records the timer slack of the process's main
 * thread (/proc/PID/timerslack_ns, prctl PR_SET_TIMERSLACK), which the core
 * carries too; the restore writes it back while the process is still
 * stopped, after the core, so its record is what the process gets. One
 * record kind, 0x1000. */
#define LOG_PREFIX "plugin example: "
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/ctx.h"
#include "common/log.h"
#include "plugins/plugin.h"

#define EXAMPLE_REC_SLACK	0x1000u

/* docs/image-format.md, "EXAMPLE_SLACK" */
struct example_rec_slack {
	uint64_t timerslack_ns;
};
_Static_assert(sizeof(struct example_rec_slack) == 8, "doc: example slack");

/* At restore the records are checked here, before any process exists. */
static int example_init(struct xc_plugin_ctx *pc, enum xc_stage stage)
{
	const struct example_rec_slack *rec;

	if (stage == XC_STAGE_DUMP)
		return pc->ctx->plugin_example ? 0 : -ENOTSUP;
	if (!pc->nr_recs)
		return -ENOTSUP;
	pc->ctx->exit_hint = XC_EXIT_IMAGE;
	if (pc->nr_recs != 1 || pc->recs[0].kind != EXAMPLE_REC_SLACK ||
	    pc->recs[0].len != sizeof(*rec))
		return xc_fail(pc->ctx, 0, "plugin example", "bad record", -EBADMSG);
	rec = pc->recs[0].data;
	/* 0 would mean "the default" to the kernel; a dump never reads 0. */
	if (!rec->timerslack_ns)
		return xc_fail(pc->ctx, 0, "plugin example", "timer slack of 0", -EBADMSG);
	pc->ctx->exit_hint = 0;
	return 0;
}

static int slack_path(char *buf, size_t len, pid_t pid)
{
	return snprintf(buf, len, "/proc/%d/timerslack_ns", pid);
}

static int example_dump(struct xc_plugin_ctx *pc, pid_t pid)
{
	struct example_rec_slack rec = { 0 };
	char path[64], buf[32];
	ssize_t n;
	int fd;

	slack_path(path, sizeof(path), pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return xc_fail(pc->ctx, pid, "timerslack_ns", "open", -errno);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return xc_fail(pc->ctx, pid, "timerslack_ns", "read", n < 0 ? -errno : -EIO);
	buf[n] = 0;
	rec.timerslack_ns = strtoull(buf, NULL, 10);
	xc_debug("pid %d: timer slack %" PRIu64 " ns", pid, rec.timerslack_ns);
	return xc_plugin_put(pc, EXAMPLE_REC_SLACK, &rec, sizeof(rec));
}

static int example_restore(struct xc_plugin_ctx *pc, pid_t pid)
{
	const struct example_rec_slack *rec = pc->recs[0].data;	/* checked by init */
	char path[64], buf[32];
	int fd, n;

	slack_path(path, sizeof(path), pid);
	n = snprintf(buf, sizeof(buf), "%" PRIu64, rec->timerslack_ns);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return xc_fail(pc->ctx, pid, "timerslack_ns", "open", -errno);
	if (write(fd, buf, n) != n) {
		int err = -errno;
		close(fd);
		return xc_fail(pc->ctx, pid, "timerslack_ns", "write", err);
	}
	close(fd);
	return 0;
}

static void example_describe(uint32_t kind, const void *data, uint32_t len, char *out,
			     size_t outlen)
{
	const struct example_rec_slack *rec = data;

	if (kind == EXAMPLE_REC_SLACK && len == sizeof(*rec))
		snprintf(out, outlen, "timer slack %" PRIu64 " ns", rec->timerslack_ns);
	else
		snprintf(out, outlen, "unknown record");
}

const struct xc_plugin xc_example_plugin = {
	.name = "example",
	.kind_first = 0x1000,
	.kind_last = 0x10ff,
	.init = example_init,
	.dump = example_dump,
	.restore = example_restore,
	.describe = example_describe,
};
