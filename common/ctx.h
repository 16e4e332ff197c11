/* The one context struct: options, error slot, log state. Passed explicitly,
 * there are no other globals. */
#ifndef XC_CTX_H
#define XC_CTX_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "common/img-format.h"	/* enum xc_codec */

enum xc_cmd { XC_CMD_NONE, XC_CMD_DUMP, XC_CMD_RESTORE, XC_CMD_SHOW, XC_CMD_CHECK, XC_CMD_RUN,
	      XC_CMD_PREDUMP };


/* Exit codes, documented in docs/xckpt.1. */
enum {
	XC_EXIT_OK = 0,
	XC_EXIT_FAIL = 1,	/* the operation failed; the target was left as it was */
	XC_EXIT_USAGE = 2,	/* bad command line */
	XC_EXIT_IMAGE = 3,	/* damaged, incomplete or incompatible image */
	XC_EXIT_UNSUPPORTED = 4,/* the target uses something xckpt cannot dump yet */
};

struct xc_err {
	int code;		/* negative errno, 0: none */
	pid_t pid;
	char obj[160];
	char step[128];
};

struct xc_ctx {
	enum xc_cmd cmd;
	const char *dir;	/* -D */
	const char *parent;	/* dump --parent: the image an incremental dump builds on */
	int verbose;
	bool progress;		/* stderr is a tty and not -v */
	bool json;

	/* dump */
	pid_t pid;		/* the first --pid; errors without a pid of their own name it */
#define XC_MAX_ROOTS 64
	pid_t roots[XC_MAX_ROOTS];/* every --pid: each is dumped with all its descendants */
	int nr_roots;
	const char *cgroup;	/* --cgroup: every process of this cgroup directory */
	const char *slurm_job;	/* --slurm-job: resolved into roots */
	bool leave_running;
	bool track;		/* dump --track, pre-dump: arm write tracking for the next dump */
	bool ext_unix_sk;	/* unix peers outside the dump: reconnect by name */
	bool tcp_established;	/* dump established TCP connections (TCP_REPAIR) */
	bool ext_pipe;		/* FIFOs held outside the dump: kept, not saved */
	int codec;
	int level;
	int jobs;		/* dump: compression threads; restore: page writers; -1: one per CPU */
	/* dump: the compressor of the last small process's pages, kept for the
	 * next one (img-pages.c): a tree of many small processes would
	 * otherwise set up zstd's tables and buffers again for each */
	struct xc_zpool *spare_zpool;
	/* dump: small image files are created and written by this queue's
	 * thread (common/imgq.h); NULL: by their writers */
	struct xc_imgq *imgq;

	/* plugins (plugins/): their own options */
	bool plugin_example;	/* dump: the example plugin records the timer slack */
	bool ignore_rdma;	/* dump: leave out idle /dev/infiniband fds */
	unsigned cuda_lock_timeout_ms;	/* dump: --cuda-lock-timeout, 0: wait forever */
#define XC_CUDA_MAP_MAX 16
	const char *cuda_gpu_map[XC_CUDA_MAP_MAX];	/* restore: OLD_UUID=NEW_UUID */
	int nr_cuda_gpu_map;

	/* restore */
#define XC_FILE_MAP_MAX 32
	const char *file_map[XC_FILE_MAP_MAX];	/* --file-map OLD=NEW */
	int nr_file_map;
	bool detach;
	const char *pidfile;
	bool pidns;		/* --pidns: the tree in a new pid namespace, same pids inside */
	bool lazy;		/* --lazy: private anonymous memory served on demand (restorer/lazy.c) */
	bool new_session;	/* --new-session: roots from a session outside the tree get one of their own */

	/* run */
	char **run_argv;	/* CMD..., NULL-terminated */
	uint64_t interval_ms;	/* 0: no periodic checkpoints */
	int keep;		/* generations kept, 0: all */
	int on_signal;		/* checkpoint, stop the job, exit */
	bool requeue;		/* then `scontrol requeue $SLURM_JOB_ID` */
	bool incremental;	/* each generation against the last (dump --parent) */
	const char *stage_dir;
	const char *run_compress;	/* --compress passed on to each dump */

	struct xc_err first_err;
	int exit_hint;		/* XC_EXIT_* chosen by the failing site, 0: generic */

	/* -v timing */
	const char *step_name;
	struct timespec step_start;
	struct timespec run_start;
	int progress_shown;
};

void xc_ctx_init(struct xc_ctx *ctx);
double xc_now(void);

#endif
