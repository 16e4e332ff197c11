/* xckpt: the command line. Parses options into struct xc_ctx, runs one
 * command, and prints the single error line on failure. The only file that
 * knows both the tracer and the restorer. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cmds.h"
#include "common/ctx.h"
#include "common/gens.h"
#include "common/run.h"
#include "common/slurm.h"
#include "common/log.h"
#include "restorer/restore.h"
#include "tracer/dump.h"

static const char usage_main[] =
	"usage: xckpt [-v] COMMAND [OPTIONS]\n"
	"\n"
	"Checkpoint and restore Linux processes.\n"
	"\n"
	"commands:\n"
	"  dump     save a running process to an image directory\n"
	"  pre-dump save a process and leave it running, as the parent of a later dump\n"
	"  restore  bring a process back from an image directory\n"
	"  run      start or resume a job and checkpoint it periodically or on a signal\n"
	"  show     print what an image holds\n"
	"  check    report which kernel features xckpt relies on are present\n"
	"\n"
	"options:\n"
	"  -v, --verbose   progress and timing of each step (twice: debug)\n"
	"  -h, --help      this help; 'xckpt COMMAND --help' for a command's\n"
	"  -V, --version   print the version\n"
	"\n"
	"Exit status: 0 success, 1 failure (the target was left as it was),\n"
	"2 usage, 3 bad or incompatible image, 4 target uses something unsupported.\n";

static const char usage_dump[] =
	"usage: xckpt dump (--pid PID... | --cgroup PATH | --slurm-job JOBID) -D DIR\n"
	"                  [--leave-running [--track]] [--compress zstd[:LEVEL]|none]\n"
	"                  [--parent PARENT]\n"
	"                  [--threads N] [--cuda-lock-timeout MS] [--ignore-rdma] [--plugin-example]\n"
	"                  [--ext-unix-sk] [--ext-pipe] [--tcp-established]\n"
	"\n"
	"Save process PID and all its descendants into the new or empty directory DIR.\n"
	"The image is written to a temporary directory, synced, then renamed to DIR.\n"
	"By default the processes are killed once the image is on disk.\n"
	"\n"
	"  -p, --pid PID          a process to dump with its descendants (repeatable)\n"
	"      --cgroup PATH      every process of the cgroup directory PATH (v1 or v2)\n"
	"      --slurm-job JOBID  the processes of a Slurm job on this node (scontrol listpids)\n"
	"  -D, --dir DIR          image directory\n"
	"  -R, --leave-running    resume the process after the dump instead of killing it\n"
	"  -z, --compress CODEC   zstd (default, level 1), zstd:LEVEL (1-19) or none\n"
	"      --parent PARENT    incremental: store only the pages changed since the\n"
	"                         image PARENT of the same process (a dump or pre-dump)\n"
	"      --track            with --leave-running: track writes from now on, so that\n"
	"                         a next 'dump --parent DIR' reads only the pages written\n"
	"                         since (userfaultfd write-protect; see xckpt(1))\n"
	"  -j, --threads N        compression threads (default: one per CPU, at most 8)\n"
	"      --cuda-lock-timeout MS  how long a CUDA process may take to reach a\n"
	"                         point where it can be locked (default 10000, 0: no limit)\n"
	"      --ignore-rdma      dump a process whose /dev/infiniband fds hold nothing\n"
	"                         live (no mapping, no verbs object); they are left out\n"
	"      --plugin-example   run the example plugin (records the timer slack;\n"
	"                         docs/plugins.md)\n"
	"      --ext-unix-sk      a unix socket connected to a peer outside the dump is\n"
	"                         connected again to the peer's name at restore\n"
	"      --tcp-established  dump established TCP connections: their traffic is\n"
	"                         blocked until the restore (nftables)\n"
	"      --ext-pipe         a FIFO that a process outside the dump holds too is\n"
	"                         kept: reopened at restore, its data left to that process\n"
	"  -v, --verbose          progress and timing of each step\n";

static const char usage_predump[] =
	"usage: xckpt pre-dump (--pid PID... | --cgroup PATH) -D DIR [--parent PARENT]\n"
	"                      [--compress zstd[:LEVEL]|none] [--threads N]\n"
	"\n"
	"Save the processes into DIR and leave them running, as the parent of a later\n"
	"'xckpt dump --parent DIR', which then reads, compresses and writes while the\n"
	"process is stopped only the pages written since. Writes are tracked from\n"
	"then on (as dump --track), and memory is copied while the processes run;\n"
	"such an image is only a parent (restore refuses it). Where writes cannot be\n"
	"tracked, memory is copied while they are stopped. Options as for dump.\n";

static const char usage_restore[] =
	"usage: xckpt restore -D DIR [--detach] [--pidfile FILE] [--threads N] [--pidns]\n"
	"                     [--lazy] [--new-session] [--file-map OLD=NEW]...\n"
	"                     [--cuda-gpu-map OLD_UUID=NEW_UUID]...\n"
	"\n"
	"Check the whole image, recreate the processes with their original pids and let\n"
	"them carry on. Without --detach xckpt waits for the first dumped process and\n"
	"exits with its exit status\n"
	"(128+N if it was killed by signal N). A terminal, pipe or socket that was on\n"
	"fd 0-2 is replaced by xckpt's own.\n"
	"\n"
	"  -D, --dir DIR          image directory\n"
	"  -d, --detach           print the pid and return once the process runs\n"
	"      --pidfile FILE     write the pid to FILE\n"
	"      --lazy             start at once; private memory is brought in on demand\n"
	"                         and in the background by a page server (an xckpt\n"
	"                         process that stays until every page is in)\n"
	"      --pidns            restore into a new pid namespace, where every process\n"
	"                         has its original pid (for when those pids are taken)\n"
	"      --new-session      a process whose session was outside the image gets a\n"
	"                         session of its own instead of joining xckpt's\n"
	"  -j, --threads N        threads writing memory (default: one per CPU, at most 8)\n"
	"      --file-map OLD=NEW open files and mapped files under OLD (a file or a\n"
	"                         directory) are at NEW now (repeatable)\n"
	"      --cuda-gpu-map OLD_UUID=NEW_UUID\n"
	"                         restore the GPU state of OLD_UUID onto NEW_UUID\n"
	"                         (GPU-... as nvidia-smi -L prints; repeatable)\n"
	"  -v, --verbose          progress and timing of each step\n";

static const char usage_run[] =
	"usage: xckpt run -D DIR [--interval DURATION] [--keep N] [--on-signal SIG]\n"
	"                 [--requeue] [--stage-dir LOCALDIR] [--incremental] [--compress C]\n"
	"                 -- CMD [ARG...]\n"
	"\n"
	"Start CMD, or, if DIR holds a complete checkpoint, restore the newest one\n"
	"instead: the same command line starts and resumes a job. Checkpoints go to\n"
	"DIR/gen-NNNNNN, each complete only once it is on disk. CMD may ask for a\n"
	"checkpoint itself: write 'checkpoint PID' to the FIFO $XCKPT_CONTROL and\n"
	"stop itself (SIGSTOP); it is continued once the checkpoint is saved.\n"
	"Exits with CMD's status, or 75 after a checkpoint on --on-signal.\n"
	"\n"
	"  -D, --dir DIR          job directory (created if missing)\n"
	"      --interval DUR     checkpoint every DUR while the job runs (90, 30s, 10m, 2h, 1d)\n"
	"      --keep N           keep only the newest N generations\n"
	"      --on-signal SIG    on SIG (default USR1): checkpoint, stop the job, exit 75\n"
	"      --requeue          after that checkpoint, 'scontrol requeue $SLURM_JOB_ID'\n"
	"      --stage-dir DIR    write each image to DIR first, copy it to -D in the background\n"
	"      --incremental      store only pages changed since the last generation\n"
	"                         (a full image every 8; --keep keeps what they need)\n"
	"  -z, --compress CODEC   passed to each dump\n"
	"      --ext-pipe, --ignore-rdma, --cuda-lock-timeout MS\n"
	"                         passed to each dump\n"
	"      --pidns, --cuda-gpu-map OLD=NEW, --file-map OLD=NEW\n"
	"                         passed to the restore of the newest generation\n"
	"      --ext-unix-sk      passed to each dump\n"
	"      --tcp-established  passed to each dump\n"
	"      --ext-pipe         passed to each dump\n"
	"  -v, --verbose          progress and timing of each step\n";

static const char usage_show[] =
	"usage: xckpt show -D DIR [--json]\n"
	"\n"
	"Print what an image holds: process, mappings, registers, files, pages and\n"
	"compression, and the stack of each thread at the moment of the dump.\n"
	"\n"
	"  -D, --dir DIR          image directory\n"
	"      --json             machine-readable output\n";

static const char usage_check[] =
	"usage: xckpt check\n"
	"\n"
	"Report which kernel features xckpt relies on are present on this machine.\n"
	"Exits 0 when dump and restore can work here.\n";

static int usage_error(const char *cmd, const char *fmt, const char *arg)
{
	fprintf(stderr, "xckpt: %s", cmd ? cmd : "");
	if (cmd)
		fprintf(stderr, ": ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'xckpt %s%s--help'.\n", cmd ? cmd : "", cmd ? " " : "");
	return XC_EXIT_USAGE;
}

static int parse_compress(struct xc_ctx *ctx, const char *v)
{
	char *end;

	if (!strcmp(v, "none")) {
		ctx->codec = XC_CODEC_NONE;
		return 0;
	}
	if (strncmp(v, "zstd", 4))
		return -1;
	ctx->codec = XC_CODEC_ZSTD;
	if (!v[4])
		return 0;
	if (v[4] != ':')
		return -1;
	ctx->level = (int)strtol(v + 5, &end, 10);
	return (*end || ctx->level < 1 || ctx->level > 19) ? -1 : 0;
}

enum { OPT_JSON = 0x100, OPT_PIDFILE, OPT_PLUGIN_EXAMPLE, OPT_CUDA_LOCK_TIMEOUT, OPT_CUDA_GPU_MAP,
       OPT_INTERVAL, OPT_KEEP, OPT_ON_SIGNAL, OPT_REQUEUE, OPT_STAGE_DIR, OPT_EXT_UNIX_SK,
       OPT_IGNORE_RDMA, OPT_CGROUP, OPT_PIDNS, OPT_NEW_SESSION, OPT_TCP_ESTABLISHED,
       OPT_FILE_MAP, OPT_EXT_PIPE,
       OPT_PARENT, OPT_SLURM_JOB, OPT_INCREMENTAL, OPT_TRACK, OPT_LAZY };

static const struct option opts[] = {
	{ "pid", required_argument, 0, 'p' },
	{ "dir", required_argument, 0, 'D' },
	{ "leave-running", no_argument, 0, 'R' },
	{ "compress", required_argument, 0, 'z' },
	{ "detach", no_argument, 0, 'd' },
	{ "pidfile", required_argument, 0, OPT_PIDFILE },
	{ "cgroup", required_argument, 0, OPT_CGROUP },
	{ "pidns", no_argument, 0, OPT_PIDNS },
	{ "lazy", no_argument, 0, OPT_LAZY },
	{ "new-session", no_argument, 0, OPT_NEW_SESSION },
	{ "json", no_argument, 0, OPT_JSON },
	{ "interval", required_argument, 0, OPT_INTERVAL },
	{ "keep", required_argument, 0, OPT_KEEP },
	{ "on-signal", required_argument, 0, OPT_ON_SIGNAL },
	{ "requeue", no_argument, 0, OPT_REQUEUE },
	{ "stage-dir", required_argument, 0, OPT_STAGE_DIR },
	{ "slurm-job", required_argument, 0, OPT_SLURM_JOB },
	{ "incremental", no_argument, 0, OPT_INCREMENTAL },
	{ "track", no_argument, 0, OPT_TRACK },
	{ "ext-unix-sk", no_argument, 0, OPT_EXT_UNIX_SK },
	{ "tcp-established", no_argument, 0, OPT_TCP_ESTABLISHED },
	{ "ext-pipe", no_argument, 0, OPT_EXT_PIPE },
	{ "parent", required_argument, 0, OPT_PARENT },
	{ "threads", required_argument, 0, 'j' },
	{ "plugin-example", no_argument, 0, OPT_PLUGIN_EXAMPLE },
	{ "cuda-lock-timeout", required_argument, 0, OPT_CUDA_LOCK_TIMEOUT },
	{ "cuda-gpu-map", required_argument, 0, OPT_CUDA_GPU_MAP },
	{ "ignore-rdma", no_argument, 0, OPT_IGNORE_RDMA },
	{ "file-map", required_argument, 0, OPT_FILE_MAP },
	{ "verbose", no_argument, 0, 'v' },
	{ "help", no_argument, 0, 'h' },
	{ 0, 0, 0, 0 },
};

static const char *opt_name(int c)
{
	static char buf[32];	/* only used for the one error line */

	for (const struct option *o = opts; o->name; o++)
		if (o->val == c) {
			snprintf(buf, sizeof(buf), "--%s", o->name);
			return buf;
		}
	return "?";
}

/* Which options each command takes. */
static bool allowed(enum xc_cmd cmd, int opt)
{
	/* pre-dump is a dump that always leaves the target running. */
	if (cmd == XC_CMD_PREDUMP)
		cmd = opt == 'R' ? XC_CMD_NONE : XC_CMD_DUMP;
	switch (opt) {
	case 'v': case 'h': return true;
	case OPT_PARENT: case OPT_TRACK: return cmd == XC_CMD_DUMP;
	case 'D': return cmd != XC_CMD_CHECK;
	case 'j': return cmd == XC_CMD_DUMP || cmd == XC_CMD_RESTORE;
	case 'p': case 'R': case OPT_PLUGIN_EXAMPLE: case OPT_CGROUP: case OPT_SLURM_JOB:
		return cmd == XC_CMD_DUMP;
	/* run passes these on to each dump ... */
	case 'z': case OPT_EXT_UNIX_SK: case OPT_TCP_ESTABLISHED: case OPT_EXT_PIPE:
	case OPT_IGNORE_RDMA: case OPT_CUDA_LOCK_TIMEOUT:
		return cmd == XC_CMD_DUMP || cmd == XC_CMD_RUN;
	case OPT_INTERVAL: case OPT_KEEP: case OPT_ON_SIGNAL: case OPT_REQUEUE:
	case OPT_STAGE_DIR: case OPT_INCREMENTAL: return cmd == XC_CMD_RUN;
	/* ... and these to its restore. */
	case OPT_CUDA_GPU_MAP: case OPT_PIDNS: case OPT_FILE_MAP:
		return cmd == XC_CMD_RESTORE || cmd == XC_CMD_RUN;
	case 'd': case OPT_PIDFILE: case OPT_NEW_SESSION: case OPT_LAZY:
		return cmd == XC_CMD_RESTORE;
	case OPT_JSON: return cmd == XC_CMD_SHOW;
	}
	return false;
}

static int parse_cmd(struct xc_ctx *ctx, const char *name, int argc, char **argv,
		     const char *help)
{
	int c;
	char *end;

	optind = 1;
	opterr = 0;	/* one error line, ours */
	while ((c = getopt_long(argc, argv, "+:p:D:Rz:dj:vh", opts, NULL)) != -1) {
		if (c == '?')
			return usage_error(name, "unknown option '%s'", argv[optind - 1]);
		if (c == ':')
			return usage_error(name, "option '%s' needs a value", argv[optind - 1]);
		if (!allowed(ctx->cmd, c))
			return usage_error(name, "option '%s' does not apply here", opt_name(c));
		switch (c) {
		case 'p': {
			pid_t pid = (pid_t)strtol(optarg, &end, 10);
			if (*end || pid <= 0)
				return usage_error(name, "bad pid '%s'", optarg);
			if (ctx->nr_roots == XC_MAX_ROOTS)
				return usage_error(name, "too many --pid (at most 64): '%s'", optarg);
			ctx->roots[ctx->nr_roots++] = pid;
			if (!ctx->pid)
				ctx->pid = pid;
			break;
		}
		case OPT_CGROUP: ctx->cgroup = optarg; break;
		case OPT_PIDNS: ctx->pidns = true; break;
		case OPT_LAZY: ctx->lazy = true; break;
		case OPT_NEW_SESSION: ctx->new_session = true; break;
		case 'D': ctx->dir = optarg; break;
		case OPT_PARENT: ctx->parent = optarg; break;
		case 'R': ctx->leave_running = true; break;
		case 'z':
			if (parse_compress(ctx, optarg))
				return usage_error(name, "bad --compress '%s'", optarg);
			ctx->run_compress = optarg;
			break;
		case OPT_INTERVAL:
			if (xc_parse_duration(optarg, &ctx->interval_ms))
				return usage_error(name, "bad --interval '%s' (e.g. 90, 30s, 10m, 2h)", optarg);
			break;
		case OPT_KEEP:
			ctx->keep = (int)strtol(optarg, &end, 10);
			if (*end || ctx->keep < 1 || ctx->keep > 1000000)
				return usage_error(name, "bad --keep '%s'", optarg);
			break;
		case OPT_ON_SIGNAL:
			if (xc_parse_signal(optarg, &ctx->on_signal))
				return usage_error(name, "bad --on-signal '%s'", optarg);
			break;
		case OPT_REQUEUE: ctx->requeue = true; break;
		case OPT_INCREMENTAL: ctx->incremental = true; break;
		case OPT_TRACK: ctx->track = true; break;
		case OPT_STAGE_DIR: ctx->stage_dir = optarg; break;
		case OPT_SLURM_JOB:
			for (const char *q = optarg; *q; q++)
				if (*q < '0' || *q > '9')
					return usage_error(name, "bad --slurm-job '%s'", optarg);
			ctx->slurm_job = optarg;
			break;
		case 'd': ctx->detach = true; break;
		case 'j':
			ctx->jobs = (int)strtol(optarg, &end, 10);
			if (*end || ctx->jobs < 1 || ctx->jobs > 8)
				return usage_error(name, "bad --threads '%s' (1-8)", optarg);
			break;
		case OPT_PIDFILE: ctx->pidfile = optarg; break;
		case OPT_PLUGIN_EXAMPLE: ctx->plugin_example = true; break;
		case OPT_IGNORE_RDMA: ctx->ignore_rdma = true; break;
		case OPT_CUDA_LOCK_TIMEOUT: {
			unsigned long ms = strtoul(optarg, &end, 10);
			if (*end || !*optarg || optarg[0] == '-' || ms > 86400000)
				return usage_error(name, "bad --cuda-lock-timeout '%s' (milliseconds)", optarg);
			ctx->cuda_lock_timeout_ms = (unsigned)ms;
			break;
		}
		case OPT_CUDA_GPU_MAP:
			/* The plugin parses it, against the image's GPUs. */
			if (ctx->nr_cuda_gpu_map == XC_CUDA_MAP_MAX)
				return usage_error(name, "too many --cuda-gpu-map ('%s')", optarg);
			ctx->cuda_gpu_map[ctx->nr_cuda_gpu_map++] = optarg;
			break;
		case OPT_FILE_MAP: {
			size_t ol, nl;
			const char *nw;

			if (xc_file_map_parse(optarg, &ol, &nw, &nl))
				return usage_error(name, "--file-map wants OLD=NEW, both absolute paths "
						   "other than / ('%s')", optarg);
			if (ctx->nr_file_map == XC_FILE_MAP_MAX)
				return usage_error(name, "too many --file-map ('%s')", optarg);
			ctx->file_map[ctx->nr_file_map++] = optarg;
			break;
		}
		case OPT_JSON: ctx->json = true; break;
		case OPT_EXT_UNIX_SK: ctx->ext_unix_sk = true; break;
		case OPT_TCP_ESTABLISHED: ctx->tcp_established = true; break;
		case OPT_EXT_PIPE: ctx->ext_pipe = true; break;
		case 'v': ctx->verbose++; break;
		case 'h': fputs(help, stdout); exit(0);
		}
	}
	if (ctx->cmd == XC_CMD_RUN) {
		if (optind == argc)
			return usage_error(name, "%s", "no command to run (xckpt run -D DIR -- CMD...)");
		ctx->run_argv = argv + optind;
	} else if (optind < argc)
		return usage_error(name, "unexpected argument '%s'", argv[optind]);
	if (ctx->cmd == XC_CMD_PREDUMP)
		ctx->leave_running = ctx->track = true;
	if (ctx->track && !ctx->leave_running)
		return usage_error(name, "%s", "--track needs --leave-running (a killed process has "
				   "no next dump)");
	if ((ctx->cmd == XC_CMD_DUMP || ctx->cmd == XC_CMD_PREDUMP) && !ctx->pid && !ctx->cgroup &&
	    !ctx->slurm_job)
		return usage_error(name, "%s", "--pid is required (or --cgroup, --slurm-job)");
	if ((ctx->cmd == XC_CMD_DUMP || ctx->cmd == XC_CMD_PREDUMP) &&
	    !!ctx->pid + !!ctx->cgroup + !!ctx->slurm_job > 1)
		return usage_error(name, "%s", "--pid, --cgroup and --slurm-job do not go together");
	if (ctx->cmd != XC_CMD_CHECK && !ctx->dir)
		return usage_error(name, "%s", "-D DIR is required");
	return 0;
}

static int report(struct xc_ctx *ctx, const char *cmd, int err)
{
	const struct xc_err *e = &ctx->first_err;
	char who[48] = "";

	if (!err)
		return 0;
	if (!e->code) {
		fprintf(stderr, "xckpt: %s: %s\n", cmd, strerror(-err));
		return XC_EXIT_FAIL;
	}
	if (e->pid)
		snprintf(who, sizeof(who), " pid %d", e->pid);
	else if (ctx->pid)
		snprintf(who, sizeof(who), " pid %d", ctx->pid);
	fprintf(stderr, "xckpt: %s%s: %s: %s: %s\n", cmd, who, e->obj, e->step, strerror(-e->code));
	return ctx->exit_hint ? ctx->exit_hint : XC_EXIT_FAIL;
}

int main(int argc, char **argv)
{
	static const struct { const char *name; enum xc_cmd cmd; const char *help; } cmds[] = {
		{ "dump", XC_CMD_DUMP, usage_dump },
		{ "pre-dump", XC_CMD_PREDUMP, usage_predump },
		{ "restore", XC_CMD_RESTORE, usage_restore },
		{ "show", XC_CMD_SHOW, usage_show },
		{ "check", XC_CMD_CHECK, usage_check },
		{ "run", XC_CMD_RUN, usage_run },
	};
	struct xc_ctx ctx;
	int verbose = 0, i = 1, err;
	const char *name = NULL;

	xc_ctx_init(&ctx);
	/* Started with stdin, stdout or stderr closed, xckpt's own files would
	 * take those numbers (and a restored process inherits stdio): keep
	 * them taken by /dev/null. */
	for (int fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd) {
			/* stderr may be the one that is missing: try anyway. */
			dprintf(STDERR_FILENO, "xckpt: fd %d: open /dev/null: %s\n", fd, strerror(errno));
			return XC_EXIT_FAIL;
		}
	/* Installed with file capabilities, xckpt starts non-dumpable, and so
	 * would every process it clones (a restored process, check's probes):
	 * it could not trace them. Dumpable, it is still out of reach of the
	 * user's other processes, which lack its capabilities. */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	/* Started by a dump, never by a user: not in the usage. */
	if (argc > 1 && !strcmp(argv[1], "__track-keeper"))
		return xc_track_keeper_main(argc, argv);
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose"))
			verbose++;
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage_main, stdout);
			return 0;
		} else if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
			printf("xckpt %s\n", XC_VERSION);
			return 0;
		} else
			return usage_error(NULL, "unknown option '%s'", argv[i]);
	}
	if (i == argc) {
		fputs(usage_main, stderr);
		return XC_EXIT_USAGE;
	}
	for (size_t k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++)
		if (!strcmp(argv[i], cmds[k].name)) {
			ctx.cmd = cmds[k].cmd;
			name = cmds[k].name;
			err = parse_cmd(&ctx, name, argc - i, argv + i, cmds[k].help);
			if (err)
				return err;
		}
	if (!name)
		return usage_error(NULL, "unknown command '%s'", argv[i]);
	ctx.verbose += verbose;
	xc_log_set_level(ctx.verbose >= 2 ? XC_LOG_DEBUG : ctx.verbose ? XC_LOG_INFO : XC_LOG_WARN);
	ctx.progress = !ctx.verbose && isatty(STDERR_FILENO);

	switch (ctx.cmd) {
	case XC_CMD_DUMP:
	case XC_CMD_PREDUMP:
		err = ctx.slurm_job ? xc_slurm_job_pids(&ctx) : 0;
		return report(&ctx, name, err ? err : xc_dump(&ctx));
	case XC_CMD_RESTORE:
		err = xc_restore(&ctx);
		/* Positive: the restored process's own exit status. */
		return err > 0 ? err : report(&ctx, name, err);
	case XC_CMD_SHOW:
		return report(&ctx, name, xc_show(&ctx));
	case XC_CMD_CHECK:
		return xc_check(&ctx);
	case XC_CMD_RUN:
		if (!ctx.on_signal)
			ctx.on_signal = SIGUSR1;
		err = xc_run(&ctx);
		/* Zero or positive: the job's exit status, or 75. */
		return err >= 0 ? err : report(&ctx, name, err);
	default:
		return XC_EXIT_USAGE;
	}
}
