/* The parasite: map an area in the target with a remote mmap, place the
 * relocated blob there through /proc/PID/mem, run it until its trap, read
 * the answer back, and unmap the area. The mapping is on the undo list from
 * the moment it exists, so the target is never left with it. */
#define LOG_PREFIX "parasite: "
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/blob.h"
#include "common/log.h"
#include "tracer/tracer.h"

extern const char xc_parasite_elf[], xc_parasite_elf_end[];

static int unmap_area(struct xc_dump *d, uint64_t addr, uint64_t len)
{
	uint64_t a[6] = { addr, len };
	long ret;
	int err = xc_rsys(d, SYS_munmap, a, &ret);

	if (!err && ret)
		err = xc_fail(d->ctx, d->pid, "parasite area", "remote munmap", (int)ret);
	return err;
}

static void undo_map(struct xc_dump *d, struct xc_undo *u)
{
	if (unmap_area(d, u->a, u->b))
		xc_warn("pid %d: remove parasite area at %#llx: failed", d->pid,
			(unsigned long long)u->a);
}

/* The blob started in thread t; run_end() waits for its trap. */
static int run_start(struct xc_dump *d, struct xc_dthread *t, uint64_t entry, uint64_t args_addr,
		     uint64_t sp)
{
	struct xc_rec_regs r = t->regs;
	int err;

	err = xc_borrow(d, t);
	if (err)
		return err;
	arch_blob_call_prepare(&r, entry, args_addr, sp);
	err = arch_set_regs(t->tid, &r);
	if (err)
		return xc_failf(d->ctx, d->pid, "ptrace setregs", err, "parasite (thread %d)", t->tid);
	t->dirty = true;
	return xc_resume(d, t, PTRACE_CONT, "parasite");
}

/* *rax: the return register at the trap, which tells why the entry
 * stopped early (see xc_parasite_entry). */
static int run_end(struct xc_dump *d, struct xc_dthread *t, long *rax)
{
	struct xc_rec_regs r;
	int sig, err;

	err = xc_wait_resumed(d, t, PTRACE_CONT, "parasite", &sig);
	if (err)
		return err;
	/* The trap is consumed here: the next resume passes signal 0. */
	if ((sig & 0x7f) != SIGTRAP || (sig >> 8))
		return xc_failf(d->ctx, d->pid, "run", -EFAULT,
				"parasite (thread %d stopped by signal %d)", t->tid, sig & 0x7f);
	err = arch_get_regs(t->tid, &r);
	if (err)
		return xc_failf(d->ctx, d->pid, "ptrace getregs", err, "parasite (thread %d)", t->tid);
	*rax = arch_rsys_ret(&r);
	return xc_give_back(d, t);
}

static int run_blob(struct xc_dump *d, struct xc_dthread *t, uint64_t entry, uint64_t args_addr,
		    uint64_t sp, long *rax)
{
	int err = run_start(d, t, entry, args_addr, sp);

	return err ? err : run_end(d, t, rax);
}

/* The answer's ret still as written: the entry could not make the args
 * area writable, and rax says why. */
static int check_ran(struct xc_dump *d, const struct xc_parasite_args *a, long rax, pid_t tid)
{
	if (a->ret != XC_PARASITE_NOT_RUN)
		return 0;
	return xc_failf(d->ctx, d->pid, "parasite: make its args and stack writable (mprotect)",
			rax < 0 && rax > -4096 ? (int)rax : -EIO, "thread %d", tid);
}

/* The per-thread command in every thread, one after the other, on the same
 * args and stack; the leader's answer came with the process-wide command. */
static int run_threads(struct xc_dump *d, uint64_t entry, uint64_t args_addr, uint64_t sp)
{
	struct xc_parasite_args *ta = calloc(1, sizeof(*ta));
	int err = 0;

	if (!ta)
		return xc_fail(d->ctx, d->pid, "parasite", "allocate", -ENOMEM);
	for (size_t i = 1; i < d->nr_thr && !err; i++) {
		struct xc_dthread *t = &d->thr[i];

		long rax = 0;

		memset(ta, 0, sizeof(*ta));
		ta->cmd = XC_PCMD_DUMP_THREAD;
		ta->ret = XC_PARASITE_NOT_RUN;
		errno = EIO;
		if (pwrite(d->memfd, ta, sizeof(*ta), args_addr) != (ssize_t)sizeof(*ta))
			err = xc_fail(d->ctx, d->pid, "parasite area", "write args", -errno);
		if (!err)
			err = run_blob(d, t, entry, args_addr, sp, &rax);
		if (!err && pread(d->memfd, ta, sizeof(*ta), args_addr) != (ssize_t)sizeof(*ta))
			err = xc_fail(d->ctx, d->pid, "parasite area", "read answer", -EIO);
		if (!err)
			err = check_ran(d, ta, rax, t->tid);
		if (!err && ta->ret)
			err = xc_failf(d->ctx, d->pid, "parasite: dump thread state", ta->ret,
				       "thread %d", t->tid);
		if (!err)
			t->ps = ta->thr;
	}
	free(ta);
	return err;
}

/* The int3 that ends the parasite raised SIGTRAP while it was blocked, so
 * the kernel reset SIGTRAP's disposition to SIG_DFL: put back the one the
 * parasite found first (a handler, or SIG_IGN). The threads' runs, after
 * the leader's trap, found SIG_DFL and wrote it over the area: the
 * leader's answer is written back before the call reads it. */
static int put_back_trap(struct xc_dump *d, const struct xc_parasite_args *args, uint64_t args_addr)
{
	uint64_t at = args_addr + offsetof(struct xc_parasite_args, trap_sa);
	uint64_t a[6] = { SIGTRAP, at, 0, 8 };
	long ret;
	int err;

	if (!args->trap_sa.handler)
		return 0;
	errno = EIO;
	if (pwrite(d->memfd, &args->trap_sa, sizeof(args->trap_sa), at) != (ssize_t)sizeof(args->trap_sa))
		return xc_fail(d->ctx, d->pid, "parasite area", "write SIGTRAP's disposition", -errno);
	err = xc_rsys(d, SYS_rt_sigaction, a, &ret);
	if (!err && ret)
		err = xc_fail(d->ctx, d->pid, "signal 5", "put back its disposition (remote rt_sigaction)",
			      (int)ret);
	return err;
}

/* One run of the parasite in one process, from the mapped area on. */
struct prun {
	struct xc_dump *d;
	struct xc_parasite_args *args;
	uint64_t base, size, args_addr, entry;
	long rax;
	bool running;		/* the blob started, its trap not yet waited for */
};

static int load_blob(struct xc_dump *d, struct xc_blob *blob, int64_t *entry)
{
	const char *why;
	int err = xc_blob_load(xc_parasite_elf, xc_parasite_elf_end - xc_parasite_elf, blob, &why);

	if (err)
		return xc_failf(d->ctx, d->pid, why, err, "parasite blob");
	*entry = xc_blob_sym(blob, "xc_parasite_entry");
	if (*entry < 0) {
		xc_blob_free(blob);
		return xc_fail(d->ctx, d->pid, "parasite blob", "find entry", -ENOEXEC);
	}
	return 0;
}

/* Code read-execute, args and stack read-write, never both: a target with
 * PR_SET_MDWE refuses write+execute mappings. The whole area is mapped
 * read-execute (these mmap arguments), and the parasite's entry makes the
 * args and stack read-write before it touches them. */
static uint64_t area_size(const struct xc_blob *blob)
{
	return blob->size + ((sizeof(struct xc_parasite_args) + 4095) & ~4095ULL) +
	       XC_PARASITE_STACK;
}

static void mmap_args(uint64_t a[6], uint64_t size)
{
	memset(a, 0, 6 * sizeof(*a));
	a[1] = size;
	a[2] = PROT_READ | PROT_EXEC;
	a[3] = MAP_PRIVATE | MAP_ANONYMOUS;
	a[4] = (uint64_t)-1;
}

/* The area is mapped at ret: on the undo list, and the blob and args
 * written in it through /proc/PID/mem (which may write a read-only private
 * page). */
static int mapped(struct prun *p, const struct xc_blob *blob, int64_t entry, long ret)
{
	struct xc_dump *d = p->d;

	if ((unsigned long)ret > -4096UL)
		return xc_fail(d->ctx, d->pid, "parasite area", "remote mmap", (int)ret);
	p->base = (uint64_t)ret;
	p->size = area_size(blob);
	p->args_addr = p->base + blob->size;
	p->entry = p->base + (uint64_t)entry;
	return xc_undo_push(d, undo_map, p->base, p->size);
}

static int place(struct prun *p, const struct xc_blob *blob)
{
	struct xc_dump *d = p->d;
	uint8_t *img;
	int err = 0;

	img = malloc(blob->size);
	if (!img)
		return xc_fail(d->ctx, d->pid, "parasite", "allocate", -ENOMEM);
	xc_blob_place(blob, img, p->base);
	p->args->ret = XC_PARASITE_NOT_RUN;
	errno = EIO;	/* what a short write leaves to report */
	if (pwrite(d->memfd, img, blob->size, p->base) != (ssize_t)blob->size ||
	    pwrite(d->memfd, p->args, sizeof(*p->args), p->args_addr) != (ssize_t)sizeof(*p->args))
		err = xc_fail(d->ctx, d->pid, "parasite area", "write blob", -errno);
	free(img);
	return err;
}

/* After the leader's trap: its answer, the other threads' runs, SIGTRAP's
 * disposition, and the cure. */
static int finish(struct prun *p)
{
	struct xc_dump *d = p->d;
	struct xc_parasite_args *args = p->args;
	int err = 0;

	if (pread(d->memfd, args, sizeof(*args), p->args_addr) != (ssize_t)sizeof(*args))
		err = xc_fail(d->ctx, d->pid, "parasite area", "read answer", -EIO);
	if (!err)
		err = check_ran(d, args, p->rax, d->pid);
	if (!err && !args->ret)
		err = run_threads(d, p->entry, p->args_addr, p->base + p->size);
	if (!err)
		err = put_back_trap(d, args, p->args_addr);
	return err;
}

/* Cure now rather than at release: nothing of ours stays mapped while the
 * rest of the target is read, nor after a SIGKILL to xckpt. */
static bool area_on_top(const struct xc_dump *d)
{
	return d->nr_undo && d->undo[d->nr_undo - 1].fn == undo_map;
}

int xc_parasite_run(struct xc_dump *d, struct xc_parasite_args *args)
{
	struct prun p = { .d = d, .args = args };
	struct xc_blob blob;
	uint64_t a[6];
	int64_t entry;
	long ret;
	int err = load_blob(d, &blob, &entry);

	if (err)
		return err;
	mmap_args(a, area_size(&blob));
	err = xc_rsys(d, SYS_mmap, a, &ret);
	if (!err)
		err = mapped(&p, &blob, entry, ret);
	if (!err)
		err = place(&p, &blob);
	if (!err)
		err = run_blob(d, xc_leader(d), p.entry, p.args_addr, p.base + p.size, &p.rax);
	if (!err)
		err = finish(&p);
	if (!err && area_on_top(d)) {
		err = unmap_area(d, p.base, p.size);
		if (!err)
			d->nr_undo--;	/* gone: nothing left to undo */
	}
	xc_blob_free(&blob);
	return err;
}

int xc_parasite_run_all(struct xc_dump **ds, struct xc_parasite_args **args, size_t n)
{
	struct xc_rsys_call *c;
	struct xc_blob blob;
	struct prun *p;
	int64_t entry;
	int err;

	if (!n)
		return 0;
	err = load_blob(ds[0], &blob, &entry);
	if (err)
		return err;
	c = calloc(n, sizeof(*c));
	p = calloc(n, sizeof(*p));
	if (!c || !p) {
		err = xc_fail(ds[0]->ctx, ds[0]->pid, "parasite", "allocate", -ENOMEM);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		c[i] = (struct xc_rsys_call){ .d = ds[i], .nr = SYS_mmap };
		mmap_args(c[i].args, area_size(&blob));
		p[i] = (struct prun){ .d = ds[i], .args = args[i] };
	}
	/* Every area mapped, then every blob started, then each trap waited
	 * for: the targets run together. After a failure nothing more starts,
	 * and what runs is waited for. */
	err = xc_rsys_all(c, n);
	/* Every area that exists goes on its undo list, also after a failure. */
	for (size_t i = 0; i < n; i++) {
		int e = c[i].err ? 0 : mapped(&p[i], &blob, entry, c[i].ret);

		if (e && !err)
			err = e;
	}
	for (size_t i = 0; i < n && !err; i++) {
		err = place(&p[i], &blob);
		if (!err)
			err = run_start(ds[i], xc_leader(ds[i]), p[i].entry, p[i].args_addr,
					p[i].base + p[i].size);
		/* A start that fails part-way is not running. */
		p[i].running = !err;
	}
	for (size_t i = 0; i < n; i++) {
		int e;

		if (!p[i].running)
			continue;
		p[i].running = false;
		e = run_end(ds[i], xc_leader(ds[i]), &p[i].rax);
		if (e && !err)
			err = e;
	}
	for (size_t i = 0; i < n && !err; i++)
		err = finish(&p[i]);
	/* Every area unmapped together, each dropped from its undo list once
	 * gone (a failed munmap leaves it there for the release). */
	for (size_t i = 0; i < n && !err; i++) {
		c[i] = (struct xc_rsys_call){ .d = ds[i], .nr = SYS_munmap,
					      .args = { p[i].base, p[i].size } };
		if (!area_on_top(ds[i]))
			err = xc_fail(ds[i]->ctx, ds[i]->pid, "parasite area", "find on the undo list",
				      -EINVAL);
	}
	if (err)
		goto out;
	err = xc_rsys_all(c, n);
	for (size_t i = 0; i < n; i++) {
		if (c[i].err)
			continue;
		if (c[i].ret)
			err = err ? err : xc_fail(ds[i]->ctx, ds[i]->pid, "parasite area", "remote munmap",
						  (int)c[i].ret);
		else
			ds[i]->nr_undo--;	/* gone: nothing left to undo */
	}
out:
	free(c);
	free(p);
	xc_blob_free(&blob);
	return err;
}
