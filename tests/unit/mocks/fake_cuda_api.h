/* A fake CUDA driver: one process whose checkpoint state moves as the real
 * driver documents it (RUNNING → LOCKED → CHECKPOINTED → LOCKED → RUNNING),
 * with failures a test asks for, and a trace of the calls made. */
#ifndef FAKE_CUDA_API_H
#define FAKE_CUDA_API_H

#include "plugins/cuda/cuda-api.h"

struct fake_cuda {
	int pid;			/* the one CUDA process */
	int state;			/* enum cu_process_state */
	cu_result lock_ret;		/* returned by Lock, state left RUNNING */
	cu_result checkpoint_ret;	/* returned by Checkpoint, state left LOCKED */
	cu_result restore_ret;		/* returned by the next restore_fails Restores */
	int restore_fails;
	cu_result init_ret;
	unsigned last_timeout_ms;
	struct cu_gpu_pair pairs[16];	/* as the last successful Restore got them */
	unsigned nr_pairs;
	int nr_unlock;
	char trace[512];		/* "state lock checkpoint ..." */
};

extern struct fake_cuda fake_cuda;
extern const struct cuda_api fake_cuda_api;
/* Two GPUs, their UUIDs bytes 0x11.. and 0x22.. */
extern const struct cu_uuid fake_cuda_uuid[2];
void fake_cuda_reset(int pid, int state);

#endif
