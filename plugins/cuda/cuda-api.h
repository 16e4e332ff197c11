/* The CUDA driver entry points the CUDA plugin uses, as a table of typed
 * function pointers filled by dlopen("libcuda.so.1") and dlsym. xckpt has
 * no link-time dependency on libcuda and does not need cuda.h: the few types
 * and values are restated here from the driver API (cuda.h, CUDA 12.8+,
 * "CUDA_CHECKPOINT"), with their sizes checked. Tests install a fake table
 * (tests/unit/mocks/fake_cuda_api.c). */
#ifndef XC_CUDA_API_H
#define XC_CUDA_API_H

#include <stddef.h>
#include <stdint.h>

typedef int cu_result;			/* CUresult */

enum {
	CU_SUCCESS = 0,
	CU_ERROR_INVALID_VALUE = 1,
	CU_ERROR_NOT_INITIALIZED = 3,
	CU_ERROR_NO_DEVICE = 100,
	CU_ERROR_ILLEGAL_STATE = 401,
	CU_ERROR_NOT_FOUND = 500,
	CU_ERROR_NOT_READY = 600,
	CU_ERROR_NOT_SUPPORTED = 801,
	CU_ERROR_TIMEOUT = 909,
};

/* CUprocessState */
enum cu_process_state {
	CU_STATE_RUNNING = 0,		/* CUDA calls proceed */
	CU_STATE_LOCKED = 1,		/* CUDA calls block */
	CU_STATE_CHECKPOINTED = 2,	/* device memory in host memory, device handles released */
	CU_STATE_FAILED = 3,		/* uncorrectable error during checkpoint or restore */
};

struct cu_uuid {			/* CUuuid */
	unsigned char bytes[16];
};

struct cu_lock_args {			/* CUcheckpointLockArgs */
	uint32_t timeout_ms;		/* 0: no timeout */
	uint32_t reserved0;
	uint64_t reserved1[7];
};

struct cu_checkpoint_args {		/* CUcheckpointCheckpointArgs */
	uint64_t reserved[8];
};

struct cu_gpu_pair {			/* CUcheckpointGpuPair */
	struct cu_uuid old_uuid;
	struct cu_uuid new_uuid;
};

struct cu_restore_args {		/* CUcheckpointRestoreArgs */
	struct cu_gpu_pair *pairs;	/* must name every checkpointed GPU, or be NULL */
	uint32_t nr_pairs;
	char reserved[52 - sizeof(void *)];
	uint64_t reserved1;
};

struct cu_unlock_args {			/* CUcheckpointUnlockArgs */
	uint64_t reserved[8];
};

_Static_assert(sizeof(struct cu_lock_args) == 64, "CUcheckpointLockArgs");
_Static_assert(sizeof(struct cu_checkpoint_args) == 64, "CUcheckpointCheckpointArgs");
_Static_assert(sizeof(struct cu_gpu_pair) == 32, "CUcheckpointGpuPair");
_Static_assert(sizeof(struct cu_restore_args) == 64, "CUcheckpointRestoreArgs");
_Static_assert(sizeof(struct cu_unlock_args) == 64, "CUcheckpointUnlockArgs");

struct cuda_api {
	void *lib;			/* dlopen handle; NULL in a fake table */
	cu_result (*driver_get_version)(int *version);
	cu_result (*init)(unsigned int flags);
	cu_result (*device_get_count)(int *count);
	cu_result (*device_get_name)(char *name, int len, int dev);
	cu_result (*device_get_uuid)(struct cu_uuid *uuid, int dev);
	cu_result (*device_total_mem)(size_t *bytes, int dev);
	/* The checkpoint API (driver 550+; all of them or none). */
	cu_result (*get_state)(int pid, int *state);
	cu_result (*get_restore_tid)(int pid, int *tid);
	cu_result (*lock)(int pid, struct cu_lock_args *args);
	cu_result (*checkpoint)(int pid, struct cu_checkpoint_args *args);
	cu_result (*restore)(int pid, struct cu_restore_args *args);
	cu_result (*unlock)(int pid, struct cu_unlock_args *args);
};

/* Fills api from libcuda.so.1. 0: loaded, with the checkpoint API;
 * -ENOENT: no driver library; -ENOSYS: a driver without the checkpoint API
 * or a basic entry point (the library stays loaded so the version can still
 * be read). why: what a refusal says ("no CUDA driver here (dlerror's
 * words)", "CUDA driver without the checkpoint API (... lacks NAME ...)"). */
int cuda_api_load(struct cuda_api *api, char *why, size_t len);
void cuda_api_unload(struct cuda_api *api);
/* True when every checkpoint entry point is present. */
int cuda_api_has_checkpoint(const struct cuda_api *api);

#endif
