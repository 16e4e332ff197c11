/* The fake CUDA driver of fake_cuda_api.h. */
#include <stdio.h>
#include <string.h>

#include "fake_cuda_api.h"

struct fake_cuda fake_cuda;

const struct cu_uuid fake_cuda_uuid[2] = {
	{ { 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11 } },
	{ { 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22 } },
};

void fake_cuda_reset(int pid, int state)
{
	memset(&fake_cuda, 0, sizeof(fake_cuda));
	fake_cuda.pid = pid;
	fake_cuda.state = state;
}

static void trace(const char *what)
{
	size_t n = strlen(fake_cuda.trace);

	snprintf(fake_cuda.trace + n, sizeof(fake_cuda.trace) - n, "%s%s", n ? " " : "", what);
}

static cu_result f_version(int *v) { *v = 12080; return CU_SUCCESS; }
static cu_result f_init(unsigned flags) { trace("init"); return fake_cuda.init_ret; }
static cu_result f_count(int *n) { *n = 2; return CU_SUCCESS; }

static cu_result f_name(char *name, int len, int dev)
{
	snprintf(name, len, "Fake GPU %d", dev);
	return dev < 2 ? CU_SUCCESS : CU_ERROR_INVALID_VALUE;
}

static cu_result f_uuid(struct cu_uuid *u, int dev)
{
	if (dev >= 2)
		return CU_ERROR_INVALID_VALUE;
	*u = fake_cuda_uuid[dev];
	return CU_SUCCESS;
}

static cu_result f_mem(size_t *b, int dev) { *b = (size_t)80 << 30; return CU_SUCCESS; }

static cu_result f_state(int pid, int *st)
{
	trace("state");
	if (pid != fake_cuda.pid)
		return CU_ERROR_NOT_FOUND;
	*st = fake_cuda.state;
	return CU_SUCCESS;
}

static cu_result f_tid(int pid, int *tid)
{
	*tid = pid + 1;
	return pid == fake_cuda.pid ? CU_SUCCESS : CU_ERROR_NOT_FOUND;
}

static cu_result f_lock(int pid, struct cu_lock_args *a)
{
	trace("lock");
	fake_cuda.last_timeout_ms = a->timeout_ms;
	if (fake_cuda.state != CU_STATE_RUNNING)
		return CU_ERROR_ILLEGAL_STATE;
	if (fake_cuda.lock_ret)
		return fake_cuda.lock_ret;
	fake_cuda.state = CU_STATE_LOCKED;
	return CU_SUCCESS;
}

static cu_result f_checkpoint(int pid, struct cu_checkpoint_args *a)
{
	trace("checkpoint");
	if (fake_cuda.state != CU_STATE_LOCKED)
		return CU_ERROR_ILLEGAL_STATE;
	if (fake_cuda.checkpoint_ret)
		return fake_cuda.checkpoint_ret;
	fake_cuda.state = CU_STATE_CHECKPOINTED;
	return CU_SUCCESS;
}

static cu_result f_restore(int pid, struct cu_restore_args *a)
{
	trace("restore");
	if (fake_cuda.state != CU_STATE_CHECKPOINTED)
		return CU_ERROR_ILLEGAL_STATE;
	if (fake_cuda.restore_fails > 0) {
		fake_cuda.restore_fails--;
		return fake_cuda.restore_ret;
	}
	fake_cuda.nr_pairs = a->nr_pairs;
	if (a->nr_pairs && a->nr_pairs <= 16)
		memcpy(fake_cuda.pairs, a->pairs, a->nr_pairs * sizeof(*a->pairs));
	fake_cuda.state = CU_STATE_LOCKED;
	return CU_SUCCESS;
}

static cu_result f_unlock(int pid, struct cu_unlock_args *a)
{
	trace("unlock");
	fake_cuda.nr_unlock++;
	if (fake_cuda.state != CU_STATE_LOCKED)
		return CU_ERROR_ILLEGAL_STATE;
	fake_cuda.state = CU_STATE_RUNNING;
	return CU_SUCCESS;
}

const struct cuda_api fake_cuda_api = {
	.driver_get_version = f_version,
	.init = f_init,
	.device_get_count = f_count,
	.device_get_name = f_name,
	.device_get_uuid = f_uuid,
	.device_total_mem = f_mem,
	.get_state = f_state,
	.get_restore_tid = f_tid,
	.lock = f_lock,
	.checkpoint = f_checkpoint,
	.restore = f_restore,
	.unlock = f_unlock,
};
