/* The process tree: which processes a dump takes, and freezing them all at
 * one moment. The roots are the --pid processes (or every process of a
 * cgroup); the tree is they and all their descendants, parents before
 * children. Seizing goes by rounds: look at /proc, check and seize every
 * process not yet held, look again; a process seized cannot fork any more,
 * so the first look that finds nothing new sees the whole tree frozen.
 * Processes forked while the first ones were being seized are caught by
 * the next round. Zombies are kept as they are: their parent reaps them
 * after the restore. */
#define LOG_PREFIX "pstree: "
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/log.h"
#include "tracer/tracer.h"

struct pinfo {
	pid_t pid, ppid, pgid, sid;
	char state;
	int exit_code;
	int exit_signal;
	char comm[16];
};

static int read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -ENODATA;
	buf[n] = 0;
	return (int)n;
}

static bool read_pinfo(pid_t pid, struct pinfo *pi)
{
	struct xc_proc_stat st;
	char path[64], buf[2048], *l, *r;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	n = read_small(path, buf, sizeof(buf));
	if (n <= 0 || xc_parse_stat(buf, (size_t)n, &st))
		return false;
	*pi = (struct pinfo){ pid, st.ppid, st.pgid, st.sid, st.state, st.exit_code, st.exit_signal,
			      "" };
	l = strchr(buf, '(');
	r = strrchr(buf, ')');
	if (l && r > l)
		snprintf(pi->comm, sizeof(pi->comm), "%.*s", (int)(r - l - 1), l + 1);
	return true;
}

/* Every process of the system, as /proc shows it now. Threads other than
 * the leader are not listed in /proc itself. */
static int scan(struct xc_tree *t, struct pinfo **out, size_t *nr)
{
	struct pinfo *a = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *dir = opendir("/proc");

	if (!dir)
		return xc_fail(t->ctx, 0, "/proc", "open", -errno);
	while ((de = readdir(dir))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		if (n == cap) {
			struct pinfo *na = realloc(a, (cap = cap ? cap * 2 : 512) * sizeof(*a));
			if (!na) {
				free(a);
				closedir(dir);
				return xc_fail(t->ctx, 0, "/proc", "allocate", -ENOMEM);
			}
			a = na;
		}
		if (read_pinfo(atoi(de->d_name), &a[n]))
			n++;
	}
	closedir(dir);
	*out = a;
	*nr = n;
	return 0;
}

static struct xc_tree_proc *find(struct xc_tree *t, pid_t pid)
{
	for (size_t i = 0; i < t->nr; i++)
		if (t->p[i].pid == pid)
			return &t->p[i];
	return NULL;
}

static int add(struct xc_tree *t, const struct pinfo *pi)
{
	if (t->nr == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct xc_tree_proc *np = realloc(t->p, cap * sizeof(*np));
		if (!np)
			return xc_fail(t->ctx, pi->pid, "process tree", "allocate", -ENOMEM);
		t->p = np;
		t->cap = cap;
	}
	t->p[t->nr] = (struct xc_tree_proc){ pi->pid, pi->ppid, pi->pgid, pi->sid, pi->state,
					     pi->exit_code, "", NULL };
	memcpy(t->p[t->nr++].comm, pi->comm, sizeof(pi->comm));
	return 0;
}

/* The members of the cgroup whose parent is not one: the tree's roots. */
static int keep_top(struct xc_tree *t, const pid_t *all, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct pinfo pi;
		bool top = true;

		if (read_pinfo(all[i], &pi))
			for (size_t k = 0; k < n && top; k++)
				top = all[k] != pi.ppid;
		if (!top)
			continue;
		if (t->nr_roots == XC_MAX_ROOTS)
			return xc_failf(t->ctx, 0, "more than 64 processes whose parent is outside it: "
					"not supported", -E2BIG, "cgroup %s", t->ctx->cgroup);
		t->roots[t->nr_roots++] = all[i];
	}
	return 0;
}

int xc_tree_roots(struct xc_tree *t)
{
	struct xc_ctx *ctx = t->ctx;
	char path[4200], *buf, *p;
	pid_t *all = NULL;
	size_t len = 0, cap = 1 << 16, n = 0;
	int fd, err = 0;

	if (!ctx->cgroup) {
		memcpy(t->roots, ctx->roots, sizeof(t->roots));
		t->nr_roots = ctx->nr_roots;
		if (!t->nr_roots && ctx->pid)	/* set by a caller other than the CLI */
			t->roots[t->nr_roots++] = ctx->pid;
		return 0;
	}
	/* cgroup v2 and v1 both list the processes (not threads) in
	 * cgroup.procs. */
	snprintf(path, sizeof(path), "%s/cgroup.procs", ctx->cgroup);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return xc_fail(ctx, 0, path, "open", -errno);
	buf = malloc(cap);
	while (buf) {
		ssize_t r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = xc_fail(ctx, 0, path, "read", -errno);
			break;
		}
		if (!r)
			break;
		len += r;
		if (len + 1 == cap) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb)
				free(buf);
			buf = nb;
		}
	}
	close(fd);
	if (buf)
		all = malloc((len / 2 + 1) * sizeof(*all));	/* a pid and a newline: 2 bytes at least */
	if (!buf || !all) {
		free(buf);
		return xc_fail(ctx, 0, path, "allocate", -ENOMEM);
	}
	buf[len] = 0;
	for (p = buf; !err && *p; ) {
		char *end;
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		p = end + (*end == '\n');
		all[n++] = (pid_t)pid;
	}
	free(buf);
	if (!err && !n)
		err = xc_failf(ctx, 0, "has no process", -ESRCH, "cgroup %s", ctx->cgroup);
	if (!err)
		err = keep_top(t, all, n);
	free(all);
	if (!err && !ctx->pid)
		ctx->pid = t->roots[0];
	return err;
}

static bool is_root(const struct xc_tree *t, pid_t pid)
{
	for (int i = 0; i < t->nr_roots; i++)
		if (t->roots[i] == pid)
			return true;
	return false;
}

/* Two processes of the tree that share what a fork copies (CLONE_VM of
 * vfork, CLONE_FILES, CLONE_FS, CLONE_SIGHAND) would come back as two
 * separate copies: refuse. A vfork parent is checked before it is seized,
 * as it would never reach the stop while its child runs. */
static int check_sharing(struct xc_tree *t, const struct xc_tree_proc *c)
{
	static const struct { int type; const char *what; } k[] = {
		{ KCMP_VM, "shares its memory with its parent (vfork or CLONE_VM): not supported" },
		{ KCMP_FILES, "shares its fd table with its parent (CLONE_FILES): not supported yet" },
		{ KCMP_FS, "shares cwd and root with its parent (CLONE_FS): not supported yet" },
		{ KCMP_SIGHAND, "shares signal handlers with its parent (CLONE_SIGHAND): "
				"not supported yet" },
	};
	const struct xc_tree_proc *p = find(t, c->ppid);

	if (!p || !p->d || !c->d)
		return 0;
	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		if (syscall(SYS_kcmp, p->pid, c->pid, k[i].type, 0, 0) == 0) {
			t->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
			return xc_failf(t->ctx, c->pid, k[i].what, -ENOTSUP, "process (parent %d)",
					p->pid);
		}
	return 0;
}

/* It exited since the look: a zombie now, its parent still running (or not
 * yet seized). Kept as one, its error forgotten. */
static bool drop_zombie(struct xc_tree *t, struct xc_tree_proc *m, int err)
{
	struct pinfo pi;

	if (m->d->seized || !read_pinfo(m->pid, &pi) || pi.state != 'Z' || is_root(t, m->pid))
		return false;
	t->ctx->first_err.code = 0;
	m->state = 'Z';
	xc_plugins_fini(&m->d->plugins, err);
	xc_dump_free(m->d);
	m->d = NULL;
	return true;
}

/* xc_seize_end() for the members [from, to) that xc_seize_begin() seized,
 * every one even after a failure; the first error. */
static int end_seize(struct xc_tree *t, size_t from, size_t to)
{
	int err = 0;

	for (size_t i = from; i < to; i++) {
		struct xc_tree_proc *m = &t->p[i];
		int e;

		if (!m->d || !m->d->seized)
			continue;
		e = xc_seize_end(m->d);
		if (e && !err && drop_zombie(t, m, e))
			continue;
		if (e && !err)
			err = e;
	}
	return err;
}

/* The new members [first, nr): checked, then seized, parents first. */
static int take_new(struct xc_tree *t, size_t first)
{
	int err;

	for (size_t i = first; i < t->nr; i++) {
		struct xc_tree_proc *m = &t->p[i];

		if (m->state == 'Z' || m->state == 'X') {
			if (is_root(t, m->pid))
				return xc_fail(t->ctx, m->pid, "process", "is a zombie", -ESRCH);
			continue;
		}
		m->d = xc_dump_new(t->ctx, m->pid);
		if (!m->d)
			return xc_fail(t->ctx, m->pid, "process", "allocate", -ENOMEM);
		m->d->file_ids = &t->file_ids;
		m->d->tree = t;
		err = xc_plugins_init(&m->d->plugins, t->ctx, XC_STAGE_DUMP, NULL, 0, m->pid);
		if (!err)
			err = xc_check_target(m->d);
		if (!err)
			err = dump_parent_open(m->d, t);
		/* Traced by a process of the tree: that one is the cause. */
		if (err && m->d->st.tracer_pid && find(t, m->d->st.tracer_pid)) {
			t->ctx->first_err.code = 0;
			t->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
			err = xc_failf(t->ctx, m->d->st.tracer_pid, "a process that traces others is "
				       "not supported yet", -ENOTSUP, "process (tracing %d)", m->pid);
		}
		if (err)
			return err;
	}
	for (size_t i = first; i < t->nr; i++) {
		err = check_sharing(t, &t->p[i]);
		if (err)
			return err;
	}
	/* Every new member is seized and asked to stop before the first stop
	 * is waited for: the stops come together instead of one after the
	 * other. */
	if (!t->seized_at)
		t->seized_at = xc_now();
	for (size_t i = first; i < t->nr; i++) {
		struct xc_tree_proc *m = &t->p[i];

		if (!m->d)
			continue;
		/* Devices are quiesced while the process still runs (a driver's
		 * own threads must run to do it); a failure from here on undoes
		 * it in xc_plugins_fini(). */
		err = xc_plugins_pause(&m->d->plugins, m->pid);
		if (!err)
			err = xc_seize_begin(m->d);
		if (err && drop_zombie(t, m, err))
			continue;
		if (err) {
			/* Those begun before it wait for their stops all the
			 * same: none is released half seized. */
			end_seize(t, first, i);
			return err;
		}
	}
	return end_seize(t, first, t->nr);
}

/* Members and their children, breadth first from index 0. */
static int grow(struct xc_tree *t, const struct pinfo *all, size_t n)
{
	int err;

	for (size_t i = 0; i < t->nr; i++) {
		if (t->p[i].state == 'Z' || t->p[i].state == 'X')
			continue;	/* a zombie has no children */
		for (size_t k = 0; k < n; k++)
			if (all[k].ppid == t->p[i].pid && !find(t, all[k].pid)) {
				err = add(t, &all[k]);
				if (err)
					return err;
			}
	}
	return 0;
}

/* After the last round: ids as they are now that nothing moves, zombies
 * reaped meanwhile dropped. */
/* A child made by clone() with another exit signal than SIGCHLD would come
 * back with SIGCHLD (and waitpid() without __WCLONE would see it again). */
static int check_exit_signals(struct xc_tree *t, const struct pinfo *all, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		const struct xc_tree_proc *m = find(t, all[k].pid);

		if (!m || !find(t, m->ppid) || all[k].exit_signal == SIGCHLD)
			continue;
		t->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
		return xc_failf(t->ctx, m->pid, "child with another exit signal than SIGCHLD: not "
				"supported yet", -ENOTSUP, "process (exit signal %d)", all[k].exit_signal);
	}
	return 0;
}

static void refresh(struct xc_tree *t, const struct pinfo *all, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < t->nr; i++) {
		struct xc_tree_proc *m = &t->p[i];
		const struct pinfo *pi = NULL;

		for (size_t k = 0; k < n && !pi; k++)
			if (all[k].pid == m->pid)
				pi = &all[k];
		if (!pi && !m->d)
			continue;
		if (pi) {
			m->ppid = pi->ppid;
			m->pgid = pi->pgid;
			m->sid = pi->sid;
			m->exit_code = pi->exit_code;
			memcpy(m->comm, pi->comm, sizeof(m->comm));
			if (!m->d)
				m->state = pi->state;
		}
		t->p[o++] = *m;
	}
	t->nr = o;
}

/* A process of the tree that traces another process would lose its
 * tracee at restore. */
static int check_tracers(struct xc_tree *t, const struct pinfo *all, size_t n)
{
	char path[64], buf[2048], *tp;

	for (size_t k = 0; k < n; k++) {
		const struct xc_tree_proc *m = find(t, all[k].pid);
		pid_t tracer;

		if (m && m->d)
			continue;	/* seized: traced by xckpt */
		snprintf(path, sizeof(path), "/proc/%d/status", all[k].pid);
		if (read_small(path, buf, sizeof(buf)) <= 0 || !(tp = strstr(buf, "\nTracerPid:")))
			continue;
		tracer = atoi(tp + 11);
		if (tracer && tracer != getpid() && find(t, tracer)) {
			t->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
			return xc_failf(t->ctx, tracer, "a process that traces others is not supported yet",
					-ENOTSUP, "process (tracing %d)", all[k].pid);
		}
	}
	return 0;
}

/* Sessions and groups are rebuilt by setsid()/setpgid() at creation, parents
 * first: a process not leading its session must be in its parent's, and a
 * group whose leader is gone cannot be made again. */
static int check_ids(struct xc_tree *t)
{
	for (size_t i = 0; i < t->nr; i++) {
		const struct xc_tree_proc *m = &t->p[i], *p = find(t, m->ppid);
		const struct xc_tree_proc *sl = find(t, m->sid);

		t->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
		if (p && m->sid != m->pid && m->sid != p->sid)
			return xc_failf(t->ctx, m->pid, "in another session than its parent and not "
					"leading it: not supported", -ENOTSUP, "session %d (parent %d in %d)",
					m->sid, p->pid, p->sid);
		if (!p && sl && m->sid != m->pid)
			return xc_failf(t->ctx, m->pid, "in the session of another process of the "
					"image that is not its ancestor: not supported", -ENOTSUP,
					"session %d", m->sid);
		if (m->pgid != m->pid && !find(t, m->pgid) && sl)
			return xc_failf(t->ctx, m->pid, "process group whose leader is gone: not "
					"supported yet", -ENOTSUP, "process group %d", m->pgid);
		if (!m->d && (m->exit_code & 0x80))
			return xc_failf(t->ctx, m->pid, "zombie that dumped core: not supported",
					-ENOTSUP, "process (status %#x)", m->exit_code);
		t->ctx->exit_hint = 0;
	}
	t->ctx->exit_hint = 0;
	return 0;
}

int xc_tree_seize(struct xc_tree *t)
{
	struct pinfo *all = NULL;
	size_t n = 0;
	int err = 0;

	xc_file_ids_init(&t->file_ids, NULL);
	for (int round = 0; !err; round++) {
		size_t first = t->nr;

		free(all);
		all = NULL;
		err = scan(t, &all, &n);
		if (err)
			break;
		if (round == 0) {
			for (int r = 0; !err && r < t->nr_roots; r++) {
				struct pinfo pi = { .pid = t->roots[r], .state = 'R' };
				if (find(t, pi.pid))
					continue;
				for (size_t k = 0; k < n; k++)
					if (all[k].pid == pi.pid)
						pi = all[k];
				err = add(t, &pi);
			}
		}
		if (!err)
			err = grow(t, all, n);
		if (err || t->nr == first)
			break;
		xc_debug("round %d: %zu new processes", round, t->nr - first);
		err = take_new(t, first);
	}
	if (!err) {
		refresh(t, all, n);
		err = check_tracers(t, all, n);
		if (!err)
			err = check_exit_signals(t, all, n);
	}
	if (!err)
		err = check_ids(t);
	free(all);
	return err;
}

int xc_tree_write_inventory(struct xc_tree *t, int dirfd)
{
	struct xc_rec_inventory inv = { 0 };
	struct timespec ts;
	struct utsname u;
	struct xc_imgw w;
	int err;

	clock_gettime(CLOCK_REALTIME, &ts);
	uname(&u);
	inv.created_ns = (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	t->created_ns = inv.created_ns;
	inv.nr_processes = (uint32_t)t->nr;
	inv.root_pid = (uint32_t)t->roots[0];
	inv.flags = t->ctx->leave_running ? 0 : XC_INV_TARGET_KILLED;
	if (t->live)
		inv.flags |= XC_INV_LIVE;
	snprintf(inv.xckpt_version, sizeof(inv.xckpt_version), "%s", XC_VERSION);
	snprintf(inv.kernel_release, sizeof(inv.kernel_release), "%.63s", u.release);
	memcpy(inv.parent, t->parent_path, sizeof(inv.parent));
	err = xc_imgw_open(t->ctx, &w, dirfd, "inventory.img", XC_FILE_INVENTORY);
	if (!err)
		err = xc_imgw_put(t->ctx, &w, XC_REC_INVENTORY, &inv, sizeof(inv));
	if (!err && t->parent.depth)	/* an incremental image */
		err = xc_imgw_put(t->ctx, &w, XC_REC_PARENT, &t->parent, sizeof(t->parent));
	for (size_t i = 0; !err && i < t->nr; i++) {
		const struct xc_tree_proc *m = &t->p[i];
		struct xc_rec_process p = { 0 };

		p.pid = m->pid;
		p.ppid = find(t, m->ppid) ? m->ppid : 0;
		p.pgid = m->pgid;
		p.sid = m->sid;
		p.nr_threads = m->d ? m->d->st.threads : 0;
		p.flags = m->d ? 0 : XC_PROC_ZOMBIE;
		p.exit_status = m->d ? 0 : (uint32_t)m->exit_code;
		memcpy(p.comm, m->comm, sizeof(p.comm));
		p.comm[15] = 0;
		err = xc_imgw_put(t->ctx, &w, XC_REC_PROCESS, &p, sizeof(p));
	}
	if (!err)
		err = xc_tree_write_pipes(t, &w);
	if (!err)
		err = xc_tree_write_sysvshm(t, &w);
	if (err) {
		xc_imgw_abort(&w);
		return err;
	}
	return xc_imgw_close(t->ctx, &w);
}

void xc_tree_release(struct xc_tree *t)
{
	for (size_t i = t->nr; i-- > 0;)
		if (t->p[i].d)
			xc_release(t->p[i].d);
}

int xc_tree_resume(struct xc_tree *t)
{
	int err = 0;

	xc_tree_release(t);
	for (size_t i = 0; i < t->nr; i++)
		if (t->p[i].d && !err)
			err = xc_plugins_resume(&t->p[i].d->plugins, t->p[i].pid);
	return err;
}

/* Every process first, then the waits: none of them runs again. */
int xc_tree_kill(struct xc_tree *t)
{
	int err = 0;

	for (size_t i = 0; i < t->nr; i++)
		if (t->p[i].d && kill(t->p[i].pid, SIGKILL) && !err)
			err = xc_fail(t->ctx, t->p[i].pid, "process", "kill after dump", -errno);
	for (size_t i = 0; i < t->nr; i++)
		if (t->p[i].d)
			xc_kill_wait(t->p[i].d);
	return err;
}

void xc_tree_free(struct xc_tree *t, int err)
{
	for (size_t i = 0; i < t->nr; i++)
		if (t->p[i].d) {
			xc_plugins_fini(&t->p[i].d->plugins, err);
			xc_dump_free(t->p[i].d);
		}
	dump_sockets_tree_free(t);
	dump_backtrace_cache_free(t);
	free(t->p);
	xc_file_ids_free(&t->file_ids);
	xc_tree_pipes_free(t);
	xc_tree_sysvshm_free(t);
	xc_buildid_memo_free(&t->buildids);
}
