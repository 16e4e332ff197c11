/* The CUDA plugin: saves a CUDA process through the driver's checkpoint API
 * (cuCheckpointProcess*), with no code in the process.
 *
 * Dump: pause (before the seize, while the driver's threads still run):
 * GetState must say RUNNING; Lock with --cuda-lock-timeout; Checkpoint
 * (device memory into host memory, device handles released), after which
 * the process has no GPU state the core cannot save and every CUDA call in
 * it blocks. The /dev/nvidia* fds and mappings are claimed: they stay out of
 * the image, the driver's Restore makes them again. dump: CUDA_INFO and one
 * CUDA_GPU per visible GPU. Then either resume (--leave-running: Restore,
 * Unlock) or the core kills the target.
 * Undo (fini with an error): from CHECKPOINTED, Restore then Unlock; from
 * LOCKED, Unlock. A failed dump leaves the target RUNNING and unlocked.
 *
 * Restore: init checks the records and --cuda-gpu-map and calls cuInit (the
 * driver's Restore needs it, or persistence mode). restore (memory,
 * registers and rseq back, threads not yet released): GetState must say
 * CHECKPOINTED; Restore (onto the mapped GPUs), Unlock.
 *
 * Without libcuda the plugin stays out of the way, unless the target uses
 * /dev/nvidia*: then it refuses, naming what is missing. */
#define LOG_PREFIX "plugin cuda: "
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/ctx.h"
#include "common/log.h"
#include "plugins/cuda/cuda.h"

#define CUDA_DEV_PREFIX "/dev/nvidia"
#define CUDA_MAX_GPUS	64

struct cuda_state {
	struct cuda_api api;
	bool load_on_demand;		/* dump: load the driver for a CUDA target only */
	bool have_api;			/* library loaded, checkpoint API present */
	char why[192];			/* why not */
	char proc_root[64];
	enum xc_stage stage;

	/* dump */
	bool cuda;			/* the target is a CUDA process */
	pid_t pid;
	int state;			/* as xckpt left it: enum cu_process_state */
	int restore_tid;
	uint32_t dev_minors;
	uint64_t rss_before, rss_after;
	char dev_path[256];

	/* restore */
	const struct cuda_rec_info *info;
	const struct xc_plugin_rec *gpu_recs;	/* info->nr_gpus CUDA_GPU records */
	struct cu_gpu_pair pairs[XC_CUDA_MAP_MAX];
	uint32_t nr_pairs;
};

const char *cuda_state_name(int state)
{
	static const char *const n[] = { "RUNNING", "LOCKED", "CHECKPOINTED", "FAILED" };

	return state >= 0 && state < 4 ? n[state] : "unknown";
}

static int cu_errno(cu_result r)
{
	switch (r) {
	case CU_ERROR_TIMEOUT: return -ETIMEDOUT;
	case CU_ERROR_ILLEGAL_STATE: return -EBUSY;
	case CU_ERROR_NOT_SUPPORTED: return -ENOTSUP;
	case CU_ERROR_NOT_INITIALIZED: return -ENODEV;
	case CU_ERROR_NO_DEVICE: return -ENODEV;
	case CU_ERROR_INVALID_VALUE: return -EINVAL;
	case CU_ERROR_NOT_READY: return -EAGAIN;
	case CU_ERROR_NOT_FOUND: return -ESRCH;
	}
	return -EIO;
}

/* One error line: "CUDA (/dev/nvidia0): cuCheckpointProcessLock (CUDA error
 * 909, timeout 5000 ms): Connection timed out". */
static int cu_fail(struct xc_plugin_ctx *pc, pid_t pid, const char *call, cu_result r,
		   const char *extra)
{
	struct cuda_state *cs = pc->priv;
	char obj[300], step[160];

	snprintf(obj, sizeof(obj), "CUDA (%.255s)", cs->dev_path[0] ? cs->dev_path : "driver");
	snprintf(step, sizeof(step), "%s (CUDA error %d%s%s)", call, r, extra ? ", " : "",
		 extra ? extra : "");
	return xc_fail(pc->ctx, pid, obj, step, cu_errno(r));
}

/* ---- parsing, pure ---------------------------------------------------- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int cuda_parse_uuid(const char *s, size_t len, struct cu_uuid *u)
{
	static const int dash_after[] = { 4, 6, 8, 10 };	/* bytes before each '-' */
	size_t i = 0, d = 0;

	if (len >= 4 && !strncmp(s, "GPU-", 4)) {
		s += 4;
		len -= 4;
	}
	for (int b = 0; b < 16; b++) {
		int hi, lo;

		if (d < 4 && b == dash_after[d]) {
			if (i >= len || s[i] != '-')
				return -EINVAL;
			i++;
			d++;
		}
		if (i + 2 > len || (hi = hexval(s[i])) < 0 || (lo = hexval(s[i + 1])) < 0)
			return -EINVAL;
		u->bytes[b] = (unsigned char)(hi << 4 | lo);
		i += 2;
	}
	return i == len ? 0 : -EINVAL;
}

int cuda_parse_gpu_map(const char *arg, struct cu_gpu_pair *pair)
{
	const char *eq = strchr(arg, '=');

	if (!eq || cuda_parse_uuid(arg, eq - arg, &pair->old_uuid) ||
	    cuda_parse_uuid(eq + 1, strlen(eq + 1), &pair->new_uuid))
		return -EINVAL;
	return 0;
}

void cuda_format_uuid(const uint8_t b[16], char out[41])
{
	snprintf(out, 41, "GPU-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
}

/* ---- dump --------------------------------------------------------------- */

/* Anonymous resident memory: the checkpoint moves device memory there. */
static uint64_t rss_anon(const struct cuda_state *cs, pid_t pid)
{
	char path[128], line[256];
	unsigned long long kb = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d/status", cs->proc_root, pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "RssAnon: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return (uint64_t)kb << 10;
}

/* Bit N for each /dev/nvidiaN (not nvidiactl, nvidia-uvm, ...) in use. */
static uint32_t dev_minors(const struct cuda_state *cs, pid_t pid)
{
	uint32_t m = 0;

	for (int n = 0; n < 32; n++) {
		char prefix[32];
		struct xc_dev_use u;

		snprintf(prefix, sizeof(prefix), CUDA_DEV_PREFIX "%d", n);
		/* Prefix "/dev/nvidia1" also matches nvidia10..19: compare whole. */
		if (!xc_plugin_dev_use(cs->proc_root, pid, prefix, &u) && u.nr_fds + u.nr_maps &&
		    !strcmp(u.first_path, prefix))
			m |= 1u << n;
	}
	return m;
}

static bool api_complete(const struct cuda_api *api)
{
	return api && cuda_api_has_checkpoint(api) && api->driver_get_version && api->init &&
	       api->device_get_count && api->device_get_name && api->device_get_uuid &&
	       api->device_total_mem;
}

static void load_driver(struct cuda_state *cs)
{
	char why[160] = "";

	cs->load_on_demand = false;
	if (cuda_api_load(&cs->api, why, sizeof(why))) {
		cuda_api_unload(&cs->api);
		snprintf(cs->why, sizeof(cs->why), "%s", why);
		return;
	}
	cs->have_api = api_complete(&cs->api);
}

static int cuda_pause(struct xc_plugin_ctx *pc, pid_t pid)
{
	struct cuda_state *cs = pc->priv;
	struct cu_lock_args la = { .timeout_ms = pc->ctx->cuda_lock_timeout_ms };
	struct cu_checkpoint_args ca = { { 0 } };
	struct xc_dev_use use;
	char extra[48];
	cu_result r;
	int err, st;

	err = xc_plugin_dev_use(cs->proc_root, pid, CUDA_DEV_PREFIX, &use);
	if (err)
		return xc_fail(pc->ctx, pid, "fd/ and maps", "look for /dev/nvidia*", err);
	if (!use.nr_fds && !use.nr_maps)
		return 0;		/* not a CUDA process: not ours */
	snprintf(cs->dev_path, sizeof(cs->dev_path), "%s", use.first_path);
	if (cs->load_on_demand)
		load_driver(cs);
	if (!cs->have_api) {
		pc->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
		return xc_failf(pc->ctx, pid, cs->why, -ENOTSUP, "CUDA (%.255s)", cs->dev_path);
	}
	r = cs->api.get_state(pid, &st);
	if (r)
		return cu_fail(pc, pid, "cuCheckpointProcessGetState", r, NULL);
	if (st != CU_STATE_RUNNING) {
		pc->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
		return xc_failf(pc->ctx, pid, "already locked or checkpointed by another tool", -EBUSY,
				"CUDA (%.255s, state %s)", cs->dev_path, cuda_state_name(st));
	}
	cs->pid = pid;
	cs->cuda = true;
	cs->state = CU_STATE_RUNNING;
	if (cs->api.get_restore_tid(pid, &cs->restore_tid))
		cs->restore_tid = 0;	/* informational only */
	cs->dev_minors = dev_minors(cs, pid);
	cs->rss_before = rss_anon(cs, pid);
	r = cs->api.lock(pid, &la);
	if (r) {
		/* The driver leaves it RUNNING on a timeout; make sure. */
		if (!cs->api.get_state(pid, &st) && st == CU_STATE_LOCKED)
			cs->state = CU_STATE_LOCKED;
		snprintf(extra, sizeof(extra), "timeout %u ms", la.timeout_ms);
		return cu_fail(pc, pid, "cuCheckpointProcessLock", r, extra);
	}
	cs->state = CU_STATE_LOCKED;
	r = cs->api.checkpoint(pid, &ca);
	if (r) {
		if (!cs->api.get_state(pid, &st))
			cs->state = st;
		return cu_fail(pc, pid, "cuCheckpointProcessCheckpoint", r, NULL);
	}
	cs->state = CU_STATE_CHECKPOINTED;
	cs->rss_after = rss_anon(cs, pid);
	xc_info("pid %d: checkpointed (restore thread %d), host memory +%llu MiB", pid,
		cs->restore_tid,
		(unsigned long long)((cs->rss_after > cs->rss_before ? cs->rss_after - cs->rss_before : 0) >> 20));
	return 0;
}

static bool is_cuda_dev(const char *path)
{
	return !strncmp(path, CUDA_DEV_PREFIX, strlen(CUDA_DEV_PREFIX));
}

/* Once checkpointed, whatever /dev/nvidia* the process still holds is
 * made again by the driver's Restore, not by xckpt. */
static int cuda_claim_vma(struct xc_plugin_ctx *pc, pid_t pid, const struct xc_vma *vma)
{
	struct cuda_state *cs = pc->priv;

	return cs->cuda && pid == cs->pid && is_cuda_dev(vma->path) ? 0 : -ENOTSUP;
}

static int cuda_claim_fd(struct xc_plugin_ctx *pc, pid_t pid, int fd, const char *path,
			 mode_t mode)
{
	struct cuda_state *cs = pc->priv;

	return cs->cuda && pid == cs->pid && is_cuda_dev(path) ? 0 : -ENOTSUP;
}

static int put_gpus(struct xc_plugin_ctx *pc, struct cuda_state *cs, uint32_t *nr)
{
	int count = 0;

	*nr = 0;
	if (cs->api.init(0) || cs->api.device_get_count(&count))
		return 0;	/* GPU details are informational */
	for (int i = 0; i < count && i < CUDA_MAX_GPUS; i++) {
		struct cuda_rec_gpu g = { .ordinal = (uint32_t)i };
		struct cu_uuid u;
		size_t mem = 0;
		int err;

		if (cs->api.device_get_name(g.name, sizeof(g.name) - 1, i) ||
		    cs->api.device_get_uuid(&u, i))
			continue;
		g.name[sizeof(g.name) - 1] = 0;
		memcpy(g.uuid, u.bytes, sizeof(g.uuid));
		if (!cs->api.device_total_mem(&mem, i))
			g.total_mem = mem;
		err = xc_plugin_put(pc, CUDA_REC_GPU, &g, sizeof(g));
		if (err)
			return err;
		(*nr)++;
	}
	return 0;
}

static int cuda_dump(struct xc_plugin_ctx *pc, pid_t pid)
{
	struct cuda_state *cs = pc->priv;
	struct cuda_rec_info info = { 0 };
	int v = 0, err;

	if (!cs->cuda || pid != cs->pid)
		return 0;
	if (cs->api.driver_get_version(&v))
		v = 0;
	info.driver_version = (uint32_t)v;
	info.restore_tid = (uint32_t)cs->restore_tid;
	info.dev_minors = cs->dev_minors;
	info.saved_bytes = cs->rss_after > cs->rss_before ? cs->rss_after - cs->rss_before : 0;
	/* INFO first: the reader takes the GPUs that follow it. */
	err = put_gpus(pc, cs, &info.nr_gpus);
	if (err)
		return err;
	return xc_plugin_put(pc, CUDA_REC_INFO, &info, sizeof(info));
}

/* From wherever xckpt left it back to RUNNING; the first failure is
 * returned, having been reported. */
static int back_to_running(struct xc_plugin_ctx *pc, struct cuda_state *cs, pid_t pid,
			   struct cu_restore_args *ra)
{
	struct cu_restore_args none = { 0 };
	struct cu_unlock_args ua = { { 0 } };
	cu_result r;

	if (cs->state == CU_STATE_CHECKPOINTED) {
		r = cs->api.restore(pid, ra ? ra : &none);
		if (r)
			return cu_fail(pc, pid, "cuCheckpointProcessRestore", r, NULL);
		cs->state = CU_STATE_LOCKED;
	}
	if (cs->state == CU_STATE_LOCKED) {
		r = cs->api.unlock(pid, &ua);
		if (r)
			return cu_fail(pc, pid, "cuCheckpointProcessUnlock", r, NULL);
		cs->state = CU_STATE_RUNNING;
	}
	return 0;
}

/* --leave-running: the target was released; give it its GPU back. */
static int cuda_resume_dump(struct xc_plugin_ctx *pc, pid_t pid)
{
	struct cuda_state *cs = pc->priv;

	if (!cs->cuda || pid != cs->pid)
		return 0;
	return back_to_running(pc, cs, pid, NULL);
}

/* ---- restore ------------------------------------------------------------ */

static bool known_gpu(const struct cuda_state *cs, const struct cu_uuid *u)
{
	for (uint32_t i = 0; i < cs->info->nr_gpus; i++)
		if (!memcmp(((const struct cuda_rec_gpu *)cs->gpu_recs[i].data)->uuid, u->bytes, 16))
			return true;
	return false;
}

/* The records: GPU records, then INFO; --cuda-gpu-map against them. */
static int check_records(struct xc_plugin_ctx *pc, struct cuda_state *cs)
{
	size_t n = pc->nr_recs;

	pc->ctx->exit_hint = XC_EXIT_IMAGE;
	if (!n || pc->recs[n - 1].kind != CUDA_REC_INFO ||
	    pc->recs[n - 1].len != sizeof(struct cuda_rec_info))
		return xc_fail(pc->ctx, 0, "plugin cuda", "bad or missing CUDA_INFO record", -EBADMSG);
	cs->info = pc->recs[n - 1].data;
	if (cs->info->nr_gpus != n - 1 || n - 1 > CUDA_MAX_GPUS)
		return xc_fail(pc->ctx, 0, "plugin cuda", "CUDA_GPU count does not match", -EBADMSG);
	for (size_t i = 0; i + 1 < n; i++) {
		const struct cuda_rec_gpu *g = pc->recs[i].data;

		if (pc->recs[i].kind != CUDA_REC_GPU || pc->recs[i].len != sizeof(*g) ||
		    !memchr(g->name, 0, sizeof(g->name)))
			return xc_fail(pc->ctx, 0, "plugin cuda", "bad CUDA_GPU record", -EBADMSG);
	}
	cs->gpu_recs = pc->recs;
	pc->ctx->exit_hint = XC_EXIT_USAGE;
	for (int i = 0; i < pc->ctx->nr_cuda_gpu_map; i++) {
		struct cu_gpu_pair *p = &cs->pairs[cs->nr_pairs];

		if (cuda_parse_gpu_map(pc->ctx->cuda_gpu_map[i], p))
			return xc_failf(pc->ctx, 0, "expected OLD_UUID=NEW_UUID", -EINVAL,
					"--cuda-gpu-map %s", pc->ctx->cuda_gpu_map[i]);
		if (!known_gpu(cs, &p->old_uuid))
			return xc_failf(pc->ctx, 0, "no such GPU in the image", -ENODEV,
					"--cuda-gpu-map %s", pc->ctx->cuda_gpu_map[i]);
		cs->nr_pairs++;
	}
	pc->ctx->exit_hint = 0;
	return 0;
}

/* GPU records are separate records: gather them into the pairs array the
 * driver wants, which must name every checkpointed GPU once any is mapped. */
static void complete_pairs(struct xc_plugin_ctx *pc, struct cuda_state *cs)
{
	if (!cs->nr_pairs)
		return;
	for (uint32_t i = 0; i < cs->info->nr_gpus && cs->nr_pairs < XC_CUDA_MAP_MAX; i++) {
		const struct cuda_rec_gpu *g = cs->gpu_recs[i].data;
		bool mapped = false;

		for (uint32_t k = 0; k < cs->nr_pairs; k++)
			mapped |= !memcmp(cs->pairs[k].old_uuid.bytes, g->uuid, 16);
		if (mapped)
			continue;
		memcpy(cs->pairs[cs->nr_pairs].old_uuid.bytes, g->uuid, 16);
		memcpy(cs->pairs[cs->nr_pairs].new_uuid.bytes, g->uuid, 16);
		cs->nr_pairs++;
	}
}

static int cuda_restore(struct xc_plugin_ctx *pc, pid_t pid)
{
	struct cuda_state *cs = pc->priv;
	struct cu_restore_args ra = { .pairs = cs->nr_pairs ? cs->pairs : NULL,
				      .nr_pairs = cs->nr_pairs };
	cu_result r;
	int st;

	snprintf(cs->dev_path, sizeof(cs->dev_path), "restore");
	r = cs->api.get_state(pid, &st);
	if (r)
		return cu_fail(pc, pid, "cuCheckpointProcessGetState", r, NULL);
	if (st != CU_STATE_CHECKPOINTED)
		return xc_failf(pc->ctx, pid, "not in the CHECKPOINTED state", -EBUSY,
				"CUDA (state %s)", cuda_state_name(st));
	cs->pid = pid;
	cs->cuda = true;
	cs->state = CU_STATE_CHECKPOINTED;
	return back_to_running(pc, cs, pid, &ra);
}

/* ---- life cycle --------------------------------------------------------- */

int cuda_start(struct xc_plugin_ctx *pc, enum xc_stage stage, const struct cuda_api *api,
	       const char *why, const char *proc_root)
{
	struct cuda_state *cs = calloc(1, sizeof(*cs));
	cu_result r;
	int err;

	if (!cs)
		return xc_fail(pc->ctx, 0, "plugin cuda", "allocate", -ENOMEM);
	pc->priv = cs;
	cs->stage = stage;
	snprintf(cs->proc_root, sizeof(cs->proc_root), "%s", proc_root);
	if (api)
		cs->api = *api;
	cs->have_api = api_complete(api);
	snprintf(cs->why, sizeof(cs->why), "%s",
		 why && why[0] ? why : "CUDA driver without the checkpoint API");
	if (stage == XC_STAGE_DUMP)
		return 0;	/* pause decides, per target */
	if (!pc->nr_recs)
		return -ENOTSUP;
	err = check_records(pc, cs);
	if (err)
		return err;
	if (!cs->have_api) {
		pc->ctx->exit_hint = XC_EXIT_IMAGE;
		return xc_fail(pc->ctx, 0, "image holds CUDA state", cs->why, -ENOTSUP);
	}
	/* The driver restores only where persistence mode is on or cuInit
	 * was called in some process. */
	r = cs->api.init(0);
	if (r)
		return cu_fail(pc, 0, "cuInit", r, NULL);
	complete_pairs(pc, cs);
	return 0;
}

static void cuda_fini(struct xc_plugin_ctx *pc, enum xc_stage stage, int err)
{
	struct cuda_state *cs = pc->priv;

	if (!cs)
		return;
	/* A failed dump: the target was released; give it its GPU back. On a
	 * failed restore the process is killed, nothing to undo. */
	if (stage == XC_STAGE_DUMP && err && cs->cuda && cs->state != CU_STATE_RUNNING &&
	    (back_to_running(pc, cs, cs->pid, NULL) || cs->state != CU_STATE_RUNNING))
		xc_warn("pid %d: left in CUDA state %s", cs->pid, cuda_state_name(cs->state));
	if (cs->api.lib)
		cuda_api_unload(&cs->api);
	free(cs);
	pc->priv = NULL;
}

static int cuda_init(struct xc_plugin_ctx *pc, enum xc_stage stage)
{
	struct cuda_api api;
	char why[160] = "";
	int err, r;

	/* Dump: the driver is loaded only for a target that uses a GPU
	 * (pause). Restore: only for an image with CUDA state. */
	if (stage == XC_STAGE_DUMP) {
		err = cuda_start(pc, stage, NULL, NULL, "/proc");
		if (!err)
			((struct cuda_state *)pc->priv)->load_on_demand = true;
		return err;
	}
	if (!pc->nr_recs)
		return -ENOTSUP;
	r = cuda_api_load(&api, why, sizeof(why));
	if (r)
		cuda_api_unload(&api);	/* the state gets no table */
	err = cuda_start(pc, stage, r ? NULL : &api, why, "/proc");
	if (err)
		cuda_fini(pc, stage, 0);	/* not active: fini would not run */
	return err;
}

static int cuda_resume(struct xc_plugin_ctx *pc, pid_t pid)
{
	struct cuda_state *cs = pc->priv;

	return cs->stage == XC_STAGE_DUMP ? cuda_resume_dump(pc, pid) : 0;
}

static void cuda_describe(uint32_t kind, const void *data, uint32_t len, char *out,
			  size_t outlen)
{
	if (kind == CUDA_REC_INFO && len == sizeof(struct cuda_rec_info)) {
		const struct cuda_rec_info *i = data;
		snprintf(out, outlen, "driver %u.%u, %u GPU(s), GPU memory saved %llu MiB, restore thread %u",
			 i->driver_version / 1000, i->driver_version % 1000 / 10, i->nr_gpus,
			 (unsigned long long)(i->saved_bytes >> 20), i->restore_tid);
	} else if (kind == CUDA_REC_GPU && len == sizeof(struct cuda_rec_gpu)) {
		const struct cuda_rec_gpu *g = data;
		char uuid[41];
		cuda_format_uuid(g->uuid, uuid);
		snprintf(out, outlen, "GPU %u: %.95s, %s, %llu MiB", g->ordinal, g->name, uuid,
			 (unsigned long long)(g->total_mem >> 20));
	} else {
		snprintf(out, outlen, "unknown record");
	}
}

/* xckpt check: driver present, its version, the checkpoint API. */
static int cuda_check(char *note, size_t len)
{
	struct cuda_api api;
	char why[160] = "";
	int r = cuda_api_load(&api, why, sizeof(why)), v = 0;

	if (r == -ENOENT) {
		snprintf(note, len, "%s", why);
		cuda_api_unload(&api);
		return r;
	}
	if (api.driver_get_version && !api.driver_get_version(&v))
		snprintf(note, len, "driver %d.%d, checkpoint API %s", v / 1000, v % 1000 / 10,
			 r ? "absent" : "present");
	else
		snprintf(note, len, "%s", why);
	cuda_api_unload(&api);
	return r;
}

const struct xc_plugin xc_cuda_plugin = {
	.name = "cuda",
	.kind_first = 0x1100,
	.kind_last = 0x11ff,
	.init = cuda_init,
	.fini = cuda_fini,
	.pause = cuda_pause,
	.claim_vma = cuda_claim_vma,
	.claim_fd = cuda_claim_fd,
	.dump = cuda_dump,
	.restore = cuda_restore,
	.resume = cuda_resume,
	.describe = cuda_describe,
	.check = cuda_check,
};
