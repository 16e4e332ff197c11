/* dlopen/dlsym of libibverbs: the only file that touches it. */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "plugins/ib/ibv-api.h"

int ibv_api_load(struct ibv_api *api, char *why, size_t len)
{
	static const struct { const char *name; size_t off; } syms[] = {
		{ "ibv_get_device_list", offsetof(struct ibv_api, get_device_list) },
		{ "ibv_free_device_list", offsetof(struct ibv_api, free_device_list) },
		{ "ibv_get_device_name", offsetof(struct ibv_api, get_device_name) },
	};

	memset(api, 0, sizeof(*api));
	api->lib = dlopen("libibverbs.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!api->lib) {
		const char *e = dlerror();
		snprintf(why, len, "%s", e ? e : "libibverbs.so.1 not found");
		return -ENOENT;
	}
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		void *f = dlsym(api->lib, syms[i].name);

		if (!f) {
			snprintf(why, len, "libibverbs.so.1 lacks %s", syms[i].name);
			return -ENOSYS;
		}
		/* POSIX: function pointers and void * share a representation. */
		memcpy((char *)api + syms[i].off, &f, sizeof(f));
	}
	return 0;
}

void ibv_api_unload(struct ibv_api *api)
{
	if (api->lib)
		dlclose(api->lib);
	memset(api, 0, sizeof(*api));
}
