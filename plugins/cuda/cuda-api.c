/* dlopen/dlsym of the CUDA driver: the only file that touches libcuda. */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "plugins/cuda/cuda-api.h"

struct sym {
	const char *name;
	size_t off;
	int checkpoint;		/* part of the checkpoint API */
};

#define SYM(field, name, ckpt) { name, offsetof(struct cuda_api, field), ckpt }
static const struct sym syms[] = {
	SYM(driver_get_version, "cuDriverGetVersion", 0),
	SYM(init, "cuInit", 0),
	SYM(device_get_count, "cuDeviceGetCount", 0),
	SYM(device_get_name, "cuDeviceGetName", 0),
	SYM(device_get_uuid, "cuDeviceGetUuid_v2", 0),
	SYM(device_total_mem, "cuDeviceTotalMem_v2", 0),
	SYM(get_state, "cuCheckpointProcessGetState", 1),
	SYM(get_restore_tid, "cuCheckpointProcessGetRestoreThreadId", 1),
	SYM(lock, "cuCheckpointProcessLock", 1),
	SYM(checkpoint, "cuCheckpointProcessCheckpoint", 1),
	SYM(restore, "cuCheckpointProcessRestore", 1),
	SYM(unlock, "cuCheckpointProcessUnlock", 1),
};

int cuda_api_has_checkpoint(const struct cuda_api *api)
{
	return api && api->get_state && api->get_restore_tid && api->lock && api->checkpoint &&
	       api->restore && api->unlock;
}

int cuda_api_load(struct cuda_api *api, char *why, size_t len)
{
	const char *missing = NULL;

	memset(api, 0, sizeof(*api));
	/* RTLD_LOCAL: the driver's symbols stay out of xckpt's namespace. */
	api->lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!api->lib) {
		const char *e = dlerror();
		snprintf(why, len, "no CUDA driver here (%s)", e ? e : "libcuda.so.1 not found");
		return -ENOENT;
	}
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		void *f = dlsym(api->lib, syms[i].name);

		/* Function pointers and void * have one representation on every
		 * platform dlsym exists on (POSIX requires it). */
		memcpy((char *)api + syms[i].off, &f, sizeof(f));
		if (!f && !missing)
			missing = syms[i].name;
	}
	if (missing) {
		snprintf(why, len, "CUDA driver without the checkpoint API (libcuda.so.1 lacks %s; "
			 "driver 550 or later has it)", missing);
		return -ENOSYS;
	}
	return 0;
}

void cuda_api_unload(struct cuda_api *api)
{
	if (api->lib)
		dlclose(api->lib);
	memset(api, 0, sizeof(*api));
}
