/* The few libibverbs entry points the InfiniBand plugin uses, loaded with
 * dlopen("libibverbs.so.1"): only xckpt check needs them, to name the RDMA
 * devices of this machine. Detection and the inventory of verbs objects go
 * through /proc and RDMA netlink, which need no library. */
#ifndef XC_IBV_API_H
#define XC_IBV_API_H

#include <stddef.h>

struct ibv_device;

struct ibv_api {
	void *lib;
	struct ibv_device **(*get_device_list)(int *num);
	void (*free_device_list)(struct ibv_device **list);
	const char *(*get_device_name)(struct ibv_device *dev);
};

/* 0, or -ENOENT (no library) / -ENOSYS (an entry point missing) with why. */
int ibv_api_load(struct ibv_api *api, char *why, size_t len);
void ibv_api_unload(struct ibv_api *api);

#endif
