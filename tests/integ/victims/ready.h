/* The victims' side of the harness protocol: DIR/ready holds the pid, and
 * its appearance says the victim has set up all its state. Written last. */
#ifndef VICTIM_READY_H
#define VICTIM_READY_H
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void victim_ready(const char *dir)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/ready", dir);
	f = fopen(path, "w");
	if (!f || fprintf(f, "%d\n", getpid()) < 0 || fclose(f))
		exit(4);
}
#endif
