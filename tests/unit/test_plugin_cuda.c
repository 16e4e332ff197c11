/* The CUDA plugin's state machine against a fake driver (mocks/
 * fake_cuda_api.c) and a fixture /proc (fixtures/plugins/proc: 4242 holds
 * /dev/nvidia* fds and mappings, 4343 does not). Every dump-side failure
 * must leave the fake process RUNNING and unlocked. */
#include "unit.h"

#include "common/ctx.h"
#include "common/img.h"
#include "mocks/fake_cuda_api.h"
#include "plugins/cuda/cuda.h"

#define PROC XC_FIXTURES "/plugins/proc"
#define CUDA_PID 4242
#define PLAIN_PID 4343

struct t {
	struct xc_ctx ctx;
	struct xc_plugin_ctx pc;
	char *dir;
	int dirfd;
	struct xc_imgr r;
	struct xc_plugin_rec recs[8];
	size_t nr_recs;
};

static const struct xc_plugin *P = &xc_cuda_plugin;

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	xc_ctx_init(&t->ctx);
	t->pc.ctx = &t->ctx;
	t->pc.plugin = P;
	t->dir = unit_mkdtemp();
	t->dirfd = open(t->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	t->r.buf = NULL;
	fake_cuda_reset(CUDA_PID, CU_STATE_RUNNING);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;

	if (t->pc.priv)
		P->fini(&t->pc, XC_STAGE_DUMP, 0);
	if (t->r.buf)
		xc_imgr_close(&t->r);
	close(t->dirfd);
	unit_rmdir(t->dir);
	free(t);
	return 0;
}

static void start_dump(struct t *t, const struct cuda_api *api)
{
	assert_int_equal(cuda_start(&t->pc, XC_STAGE_DUMP, api,
				    "no CUDA driver here (libcuda.so.1: cannot open)", PROC), 0);
}

/* Runs the dump hook into a real process file and reads the records back
 * as the restore would hand them over. */
static void dump_records(struct t *t)
{
	struct xc_imgw w;
	const void *p;
	uint32_t kind, len;

	assert_int_equal(xc_imgw_open(&t->ctx, &w, t->dirfd, "proc.img", XC_FILE_PROC), 0);
	t->pc.img = &w;
	assert_int_equal(P->dump(&t->pc, CUDA_PID), 0);
	t->pc.img = NULL;
	assert_int_equal(xc_imgw_close(&t->ctx, &w), 0);
	assert_int_equal(xc_imgr_open(&t->ctx, &t->r, t->dirfd, "proc.img", XC_FILE_PROC), 0);
	while (xc_imgr_next(&t->r, &kind, &p, &len) > 0 && t->nr_recs < 8)
		t->recs[t->nr_recs++] = (struct xc_plugin_rec){ kind, len, p };
}

/* A new plugin context for the restore stage, with the dumped records. */
static int start_restore(struct t *t, const struct cuda_api *api)
{
	P->fini(&t->pc, XC_STAGE_DUMP, 0);
	memset(&t->pc, 0, sizeof(t->pc));
	t->pc.ctx = &t->ctx;
	t->pc.plugin = P;
	t->pc.recs = t->recs;
	t->pc.nr_recs = t->nr_recs;
	return cuda_start(&t->pc, XC_STAGE_RESTORE, api, "no CUDA driver here (libcuda.so.1: cannot open)",
			  PROC);
}

static void assert_running_unlocked(void)
{
	assert_int_equal(fake_cuda.state, CU_STATE_RUNNING);
}

static void test_success_then_restore(void **state)
{
	struct t *t = *state;
	struct xc_vma dev = { .path = "/dev/nvidia0" }, lib = { .path = "/usr/lib/libc.so.6" };
	char text[256];

	start_dump(t, &fake_cuda_api);
	t->ctx.cuda_lock_timeout_ms = 5000;
	assert_int_equal(P->pause(&t->pc, CUDA_PID), 0);
	assert_string_equal(fake_cuda.trace, "state lock checkpoint");
	assert_int_equal(fake_cuda.last_timeout_ms, 5000);
	assert_int_equal(fake_cuda.state, CU_STATE_CHECKPOINTED);
	/* Its device fds and mappings are the plugin's, nothing else is. */
	assert_int_equal(P->claim_vma(&t->pc, CUDA_PID, &dev), 0);
	assert_int_equal(P->claim_vma(&t->pc, CUDA_PID, &lib), -ENOTSUP);
	assert_int_equal(P->claim_fd(&t->pc, CUDA_PID, 3, "/dev/nvidiactl", S_IFCHR), 0);
	assert_int_equal(P->claim_fd(&t->pc, CUDA_PID, 7, "/dev/null", S_IFCHR), -ENOTSUP);
	dump_records(t);
	assert_int_equal(t->nr_recs, 3);		/* two GPUs, then INFO */
	assert_int_equal(t->recs[0].kind, CUDA_REC_GPU);
	assert_int_equal(t->recs[2].kind, CUDA_REC_INFO);
	assert_int_equal(((const struct cuda_rec_info *)t->recs[2].data)->driver_version, 12080);
	assert_int_equal(((const struct cuda_rec_info *)t->recs[2].data)->dev_minors, 1);
	P->describe(CUDA_REC_INFO, t->recs[2].data, t->recs[2].len, text, sizeof(text));
	assert_non_null(strstr(text, "driver 12.8, 2 GPU(s), GPU memory saved"));
	P->describe(CUDA_REC_GPU, t->recs[1].data, t->recs[1].len, text, sizeof(text));
	assert_string_equal(text, "GPU 1: Fake GPU 1, GPU-22222222-2222-2222-2222-222222222222, 81920 MiB");
	/* Killed after the dump: nothing to undo. */
	P->fini(&t->pc, XC_STAGE_DUMP, 0);
	assert_int_equal(fake_cuda.state, CU_STATE_CHECKPOINTED);

	/* Restore: cuInit at init, then Restore and Unlock before the release. */
	fake_cuda.trace[0] = 0;
	assert_int_equal(start_restore(t, &fake_cuda_api), 0);
	assert_int_equal(P->restore(&t->pc, CUDA_PID), 0);
	assert_string_equal(fake_cuda.trace, "init state restore unlock");
	assert_int_equal(fake_cuda.nr_pairs, 0);
	assert_running_unlocked();
	P->fini(&t->pc, XC_STAGE_RESTORE, 0);
}

static void test_leave_running(void **state)
{
	struct t *t = *state;

	start_dump(t, &fake_cuda_api);
	assert_int_equal(P->pause(&t->pc, CUDA_PID), 0);
	dump_records(t);
	assert_int_equal(P->resume(&t->pc, CUDA_PID), 0);
	assert_string_equal(fake_cuda.trace, "state lock checkpoint init restore unlock");
	assert_running_unlocked();
	P->fini(&t->pc, XC_STAGE_DUMP, 0);
	assert_int_equal(fake_cuda.nr_unlock, 1);
}

static void test_lock_timeout(void **state)
{
	struct t *t = *state;
	int err;

	fake_cuda.lock_ret = CU_ERROR_TIMEOUT;
	start_dump(t, &fake_cuda_api);
	err = P->pause(&t->pc, CUDA_PID);
	assert_int_equal(err, -ETIMEDOUT);
	assert_string_equal(t->ctx.first_err.step, "cuCheckpointProcessLock (CUDA error 909, timeout 10000 ms)");
	assert_memory_equal(t->ctx.first_err.obj, "CUDA (/dev/nvidia", 17);
	P->fini(&t->pc, XC_STAGE_DUMP, err);
	assert_running_unlocked();
	assert_int_equal(fake_cuda.nr_unlock, 0);	/* it was never locked */
	assert_null(strstr(fake_cuda.trace, "checkpoint"));
}

static void test_checkpoint_failure(void **state)
{
	struct t *t = *state;
	int err;

	fake_cuda.checkpoint_ret = CU_ERROR_NOT_SUPPORTED;
	start_dump(t, &fake_cuda_api);
	err = P->pause(&t->pc, CUDA_PID);
	assert_int_equal(err, -ENOTSUP);
	assert_string_equal(t->ctx.first_err.step, "cuCheckpointProcessCheckpoint (CUDA error 801)");
	assert_int_equal(fake_cuda.state, CU_STATE_LOCKED);
	P->fini(&t->pc, XC_STAGE_DUMP, err);
	assert_running_unlocked();
	assert_string_equal(fake_cuda.trace, "state lock checkpoint state unlock");
}

/* The core fails after the checkpoint (a full disk, a refused fd): the
 * undo restores the GPU state and unlocks. */
static void test_later_failure_undone(void **state)
{
	struct t *t = *state;

	start_dump(t, &fake_cuda_api);
	assert_int_equal(P->pause(&t->pc, CUDA_PID), 0);
	P->fini(&t->pc, XC_STAGE_DUMP, -ENOSPC);
	assert_running_unlocked();
	assert_string_equal(fake_cuda.trace, "state lock checkpoint restore unlock");
}

/* --leave-running and the driver's Restore fails once: the dump reports
 * it, and the undo in fini tries again and gets the process running. */
static void test_restore_failure_dump(void **state)
{
	struct t *t = *state;
	int err;

	fake_cuda.restore_ret = CU_ERROR_ILLEGAL_STATE;
	fake_cuda.restore_fails = 1;
	start_dump(t, &fake_cuda_api);
	assert_int_equal(P->pause(&t->pc, CUDA_PID), 0);
	err = P->resume(&t->pc, CUDA_PID);
	assert_int_equal(err, -EBUSY);
	assert_string_equal(t->ctx.first_err.step, "cuCheckpointProcessRestore (CUDA error 401)");
	P->fini(&t->pc, XC_STAGE_DUMP, err);
	assert_running_unlocked();
}

/* The restore side: a failed Restore is reported with the call; the core
 * kills the new process, so nothing is unlocked that was never restored. */
static void test_restore_failure_restore(void **state)
{
	struct t *t = *state;

	start_dump(t, &fake_cuda_api);
	assert_int_equal(P->pause(&t->pc, CUDA_PID), 0);
	dump_records(t);
	assert_int_equal(start_restore(t, &fake_cuda_api), 0);
	fake_cuda.restore_ret = CU_ERROR_INVALID_VALUE;
	fake_cuda.restore_fails = 1;
	fake_cuda.trace[0] = 0;
	assert_int_equal(P->restore(&t->pc, CUDA_PID), -EINVAL);
	assert_string_equal(t->ctx.first_err.step, "cuCheckpointProcessRestore (CUDA error 1)");
	assert_string_equal(fake_cuda.trace, "state restore");
	assert_int_equal(fake_cuda.nr_unlock, 0);
	P->fini(&t->pc, XC_STAGE_RESTORE, -EINVAL);
	assert_string_equal(fake_cuda.trace, "state restore");
}

static void test_wrong_state(void **state)
{
	struct t *t = *state;
	int err;

	/* Another tool (cuda-checkpoint --toggle) holds it: not ours to touch. */
	fake_cuda_reset(CUDA_PID, CU_STATE_LOCKED);
	start_dump(t, &fake_cuda_api);
	err = P->pause(&t->pc, CUDA_PID);
	assert_int_equal(err, -EBUSY);
	assert_string_equal(t->ctx.first_err.step, "already locked or checkpointed by another tool");
	assert_non_null(strstr(t->ctx.first_err.obj, "state LOCKED"));
	P->fini(&t->pc, XC_STAGE_DUMP, err);
	assert_string_equal(fake_cuda.trace, "state");
	assert_int_equal(fake_cuda.state, CU_STATE_LOCKED);

	/* Restore finds a process that is not CHECKPOINTED. */
	xc_ctx_init(&t->ctx);
	fake_cuda_reset(CUDA_PID, CU_STATE_RUNNING);
	start_dump(t, &fake_cuda_api);
	assert_int_equal(P->pause(&t->pc, CUDA_PID), 0);
	dump_records(t);
	assert_int_equal(start_restore(t, &fake_cuda_api), 0);
	fake_cuda_reset(CUDA_PID, CU_STATE_RUNNING);
	assert_int_equal(P->restore(&t->pc, CUDA_PID), -EBUSY);
	assert_string_equal(fake_cuda.trace, "state");
	assert_running_unlocked();
	P->fini(&t->pc, XC_STAGE_RESTORE, -EBUSY);
}

static void test_driver_missing(void **state)
{
	struct t *t = *state;

	/* Not a CUDA process: the plugin stays out of the way. */
	start_dump(t, NULL);
	assert_int_equal(P->pause(&t->pc, PLAIN_PID), 0);
	assert_int_equal(P->claim_fd(&t->pc, PLAIN_PID, 0, "/dev/null", S_IFCHR), -ENOTSUP);
	/* A CUDA process: refused, untouched, saying what is missing. */
	assert_int_equal(P->pause(&t->pc, CUDA_PID), -ENOTSUP);
	assert_int_equal(t->ctx.exit_hint, XC_EXIT_UNSUPPORTED);
	assert_string_equal(t->ctx.first_err.step, "no CUDA driver here (libcuda.so.1: cannot open)");
	assert_string_equal(fake_cuda.trace, "");
	P->fini(&t->pc, XC_STAGE_DUMP, -ENOTSUP);
	assert_running_unlocked();

	/* An image with CUDA state, restored where there is no driver. */
	xc_ctx_init(&t->ctx);
	start_dump(t, &fake_cuda_api);
	assert_int_equal(P->pause(&t->pc, CUDA_PID), 0);
	dump_records(t);
	assert_int_equal(start_restore(t, NULL), -ENOTSUP);
	assert_int_equal(t->ctx.exit_hint, XC_EXIT_IMAGE);
	assert_string_equal(t->ctx.first_err.obj, "image holds CUDA state");
}

static void test_not_cuda_with_driver(void **state)
{
	struct t *t = *state;

	start_dump(t, &fake_cuda_api);
	assert_int_equal(P->pause(&t->pc, PLAIN_PID), 0);
	assert_string_equal(fake_cuda.trace, "");
	dump_records(t);	/* writes nothing for a process it did not pause */
	assert_int_equal(t->nr_recs, 0);
}

static void test_gpu_map(void **state)
{
	struct t *t = *state;
	struct cu_gpu_pair p;
	struct cu_uuid u;
	char s[41];

	assert_int_equal(cuda_parse_uuid("GPU-11111111-1111-1111-1111-111111111111", 40, &u), 0);
	assert_memory_equal(u.bytes, fake_cuda_uuid[0].bytes, 16);
	assert_int_equal(cuda_parse_uuid("22222222-2222-2222-2222-222222222222", 36, &u), 0);
	assert_memory_equal(u.bytes, fake_cuda_uuid[1].bytes, 16);
	cuda_format_uuid(u.bytes, s);
	assert_string_equal(s, "GPU-22222222-2222-2222-2222-222222222222");
	/* Malformed: short, no dashes, bad hex, trailing bytes. */
	assert_int_equal(cuda_parse_uuid("GPU-1111", 8, &u), -EINVAL);
	assert_int_equal(cuda_parse_uuid("11111111111111111111111111111111", 32, &u), -EINVAL);
	assert_int_equal(cuda_parse_uuid("GPU-1111111g-1111-1111-1111-111111111111", 40, &u), -EINVAL);
	assert_int_equal(cuda_parse_uuid("GPU-11111111-1111-1111-1111-1111111111110", 41, &u), -EINVAL);
	assert_int_equal(cuda_parse_gpu_map("GPU-11111111-1111-1111-1111-111111111111", &p), -EINVAL);

	start_dump(t, &fake_cuda_api);
	assert_int_equal(P->pause(&t->pc, CUDA_PID), 0);
	dump_records(t);
	/* A GPU the image does not hold is refused before anything exists. */
	t->ctx.cuda_gpu_map[0] = "GPU-33333333-3333-3333-3333-333333333333=GPU-11111111-1111-1111-1111-111111111111";
	t->ctx.nr_cuda_gpu_map = 1;
	assert_int_equal(start_restore(t, &fake_cuda_api), -ENODEV);
	assert_string_equal(t->ctx.first_err.step, "no such GPU in the image");
	/* GPU 0 onto GPU 1: the driver gets every checkpointed GPU. */
	xc_ctx_init(&t->ctx);
	t->ctx.cuda_gpu_map[0] = "GPU-11111111-1111-1111-1111-111111111111=GPU-22222222-2222-2222-2222-222222222222";
	t->ctx.nr_cuda_gpu_map = 1;
	assert_int_equal(start_restore(t, &fake_cuda_api), 0);
	assert_int_equal(P->restore(&t->pc, CUDA_PID), 0);
	assert_int_equal(fake_cuda.nr_pairs, 2);
	assert_memory_equal(fake_cuda.pairs[0].old_uuid.bytes, fake_cuda_uuid[0].bytes, 16);
	assert_memory_equal(fake_cuda.pairs[0].new_uuid.bytes, fake_cuda_uuid[1].bytes, 16);
	assert_memory_equal(fake_cuda.pairs[1].old_uuid.bytes, fake_cuda_uuid[1].bytes, 16);
	assert_memory_equal(fake_cuda.pairs[1].new_uuid.bytes, fake_cuda_uuid[1].bytes, 16);
	assert_running_unlocked();
	P->fini(&t->pc, XC_STAGE_RESTORE, 0);
}

static void test_bad_records(void **state)
{
	struct t *t = *state;

	start_dump(t, &fake_cuda_api);
	assert_int_equal(P->pause(&t->pc, CUDA_PID), 0);
	dump_records(t);
	t->nr_recs = 2;		/* INFO lost: GPUs alone */
	assert_int_equal(start_restore(t, &fake_cuda_api), -EBADMSG);
	assert_int_equal(t->ctx.exit_hint, XC_EXIT_IMAGE);
	xc_ctx_init(&t->ctx);
	t->recs[1] = t->recs[2];	/* INFO says 2 GPUs, one follows */
	assert_int_equal(start_restore(t, &fake_cuda_api), -EBADMSG);
	assert_string_equal(t->ctx.first_err.step, "CUDA_GPU count does not match");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_success_then_restore), T(test_leave_running), T(test_lock_timeout),
		T(test_checkpoint_failure), T(test_later_failure_undone),
		T(test_restore_failure_dump), T(test_restore_failure_restore), T(test_wrong_state),
		T(test_driver_missing), T(test_not_cuda_with_driver), T(test_gpu_map),
		T(test_bad_records),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
