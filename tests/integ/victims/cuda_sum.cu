// Victim of integ_cuda_sum (real GPU only): keeps a running sum in device
// memory, one kernel launch per step, and the same sum on the host. After
// SIGUSR1 it copies the device array back and compares it with the host's
// copy element by element, prints PASS or FAIL, and exits. Dumped, killed
// and restored in between, the device data must come back identical and
// the GPU must still work (more steps run after the restore).
//
// usage: cuda_sum DIR
#include <cuda_runtime.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ready.h"

#define N (1 << 24)		// 16 Mi uint64: 128 MiB of device memory

static volatile sig_atomic_t check;
static void on_usr1(int sig) { check = 1; }

__global__ void step(unsigned long long *sum, unsigned long long k)
{
	size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;

	if (i < N)
		sum[i] += (i * 2654435761ull) ^ k;
}

static int cuda_ok(cudaError_t e, const char *what)
{
	if (e == cudaSuccess)
		return 1;
	printf("FAIL: %s: %s\n", what, cudaGetErrorString(e));
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long *dev, *host, *back, k = 0;
	size_t bytes = N * sizeof(*dev);

	if (argc != 2)
		return 2;
	host = (unsigned long long *)calloc(N, sizeof(*host));
	back = (unsigned long long *)malloc(bytes);
	if (!host || !back || !cuda_ok(cudaMalloc(&dev, bytes), "cudaMalloc") ||
	    !cuda_ok(cudaMemset(dev, 0, bytes), "cudaMemset"))
		return 3;
	signal(SIGUSR1, on_usr1);
	for (;; k++) {
		step<<<(N + 255) / 256, 256>>>(dev, k);
		for (size_t i = 0; i < N; i++)
			host[i] += (i * 2654435761ull) ^ k;
		if (!cuda_ok(cudaDeviceSynchronize(), "kernel"))
			return 4;
		if (k == 3)
			victim_ready(argv[1]);
		if (check)
			break;
		usleep(20000);
	}
	if (!cuda_ok(cudaMemcpy(back, dev, bytes, cudaMemcpyDeviceToHost), "cudaMemcpy"))
		return 5;
	for (size_t i = 0; i < N; i++)
		if (back[i] != host[i]) {
			printf("FAIL: element %zu: device %llu, host %llu after %llu steps\n", i,
			       back[i], host[i], k + 1);
			return 6;
		}
	printf("PASS %llu steps\n", k + 1);
	return 0;
}
