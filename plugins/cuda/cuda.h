/* The CUDA plugin: policy in cuda.c, driver entry points in cuda-api.[ch].
 * Records (docs/image-format.md 5.18): CUDA_INFO 0x1100, CUDA_GPU 0x1101. */
#ifndef XC_PLUGIN_CUDA_H
#define XC_PLUGIN_CUDA_H

#include <stdint.h>

#include "plugins/cuda/cuda-api.h"
#include "plugins/plugin.h"

#define CUDA_REC_INFO	0x1100u
#define CUDA_REC_GPU	0x1101u

struct cuda_rec_info {
	uint32_t driver_version;	/* cuDriverGetVersion, e.g. 12080 */
	uint32_t restore_tid;		/* the driver's restore thread at dump */
	uint32_t nr_gpus;		/* CUDA_GPU records that follow */
	uint32_t dev_minors;		/* bit N: the process had /dev/nvidiaN open or mapped */
	uint64_t saved_bytes;		/* host memory the checkpoint added (RssAnon growth) */
	uint64_t reserved;
};
_Static_assert(sizeof(struct cuda_rec_info) == 32, "doc: CUDA_INFO");

struct cuda_rec_gpu {
	uint32_t ordinal;		/* CUDA device ordinal on the dumping machine */
	uint32_t reserved;
	uint64_t total_mem;		/* bytes */
	uint8_t uuid[16];
	char name[96];			/* cuDeviceGetName, NUL-terminated */
};
_Static_assert(sizeof(struct cuda_rec_gpu) == 128, "doc: CUDA_GPU");

extern const struct xc_plugin xc_cuda_plugin;

/* What init does once the library is loaded (or not): tests call it with a
 * fake table and a fixture /proc. api NULL: no driver, why says so. */
int cuda_start(struct xc_plugin_ctx *pc, enum xc_stage stage, const struct cuda_api *api,
	       const char *why, const char *proc_root);

/* "GPU-8-4-4-4-12 hex" (the form nvidia-smi -L prints), the "GPU-" prefix
 * optional. 0 or -EINVAL. */
int cuda_parse_uuid(const char *s, size_t len, struct cu_uuid *u);
/* "OLD_UUID=NEW_UUID" */
int cuda_parse_gpu_map(const char *arg, struct cu_gpu_pair *pair);
void cuda_format_uuid(const uint8_t b[16], char out[41]);
const char *cuda_state_name(int state);

#endif
