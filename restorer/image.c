/* Reading and checking the whole image before anything is created: every
 * file's framing and checksums, every record's size, the page index against
 * the page data, the files behind mappings (type, size, mtime, build-id) and
 * fds (present, same type), the vDSO and the CPU's vector state against this machine, and
 * that the pid is free. */
#define LOG_PREFIX "image: "
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/buildid.h"
#include "common/crc32c.h"
#include "common/log.h"
#include "restorer/rst.h"

static int bad(struct xc_rst *r, const char *file, const char *why)
{
	r->ctx->exit_hint = XC_EXIT_IMAGE;
	return xc_fail(r->ctx, r->pid, file, why, -EBADMSG);
}

static int push(const void ***arr, size_t *n, const void *p)
{
	const void **na = realloc(*arr, (*n + 1) * sizeof(*na));

	if (!na)
		return -ENOMEM;
	na[(*n)++] = p;
	*arr = na;
	return 0;
}

/* A plugin's record: kept for its owner, which checks it (plugin.c). */
static int push_plugin_rec(struct xc_rst *r, uint32_t kind, const void *p, uint32_t len)
{
	struct xc_plugin_rec *n = realloc(r->plugin_recs, (r->nr_plugin_recs + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	n[r->nr_plugin_recs++] = (struct xc_plugin_rec){ .kind = kind, .len = len, .data = p };
	r->plugin_recs = n;
	return 0;
}

/* Strings are fixed-size fields: each must end inside its field. */
#define STR_OK(field) (memchr((field), 0, sizeof(field)) != NULL)

/* An open file: ids 1, 2, 3, ... in order across the image's processes; a
 * known kind that matches the file type. */
static bool file_ok(const struct xc_rst *r, const struct xc_rec_file *f)
{
	if (f->id != r->tree->nr_files + 1 || !STR_OK(f->path))
		return false;
	if (f->ghost_id && (f->kind != XC_FD_REG || !S_ISREG(f->mode) ||
			    f->ghost_id > r->nr_ghosts))
		return false;
	switch (f->kind) {
	case XC_FD_REG:
		return S_ISREG(f->mode) || S_ISDIR(f->mode);
	case XC_FD_FIFO:
		return S_ISFIFO(f->mode) && f->path[0] == '/';
	case XC_FD_CHR:
		return S_ISCHR(f->mode);
	case XC_FD_SOCKET:
		return S_ISSOCK(f->mode);
	case XC_FD_INHERIT:
		return true;
	case XC_FD_PIPE:
		return S_ISFIFO(f->mode);
	}
	if (rst_is_anon_file(f->kind))
		return !strncmp(f->path, "anon_inode:", 11);
	if (rst_is_tty_file(f->kind))
		return S_ISCHR(f->mode);
	return false;
}

/* An fd record: a sane number not seen before, referring to an open file
 * recorded before it; only stdio may be inherited from the restoring xckpt,
 * other fds of such a file are dups of it (checked in files_ok()). */
static bool fd_ok(const struct xc_rst *r, const struct xc_rec_fd *f)
{
	if (f->fd < 0 || f->fd >= XC_MAX_FD || !f->file_id || f->file_id > r->tree->nr_files)
		return false;
	for (size_t i = 0; i < r->nr_fds; i++)
		if (r->fds[i]->fd == f->fd)
			return false;
	return true;
}

/* A nameless file's content: ids in order, its content all there, a name
 * that fits what creates it again. */
static bool ghost_ok(const struct xc_rst *r, const struct xc_rec_ghost *g, uint32_t len)
{
	if (len < sizeof(*g) || g->id != r->nr_ghosts + 1 || !STR_OK(g->path) ||
	    g->size > XC_GHOST_MAX || len != sizeof(*g) + g->size || !S_ISREG(g->mode))
		return false;
	if (g->kind == XC_GHOST_MEMFD)
		return strlen(g->path) <= 249;	/* memfd_create's limit */
	return g->kind == XC_GHOST_DELETED && g->path[0] == '/' && !g->seals;
}

/* A FIFO's data: after a FIFO FILE, once per FIFO. */
static bool fifo_ok(const struct xc_rst *r, const struct xc_rec_fifo *q, uint32_t len)
{
	if (len < sizeof(*q) || len != sizeof(*q) + q->len || q->len > q->capacity ||
	    !q->file_id || q->file_id > r->tree->nr_files ||
	    r->tree->files[q->file_id - 1]->kind != XC_FD_FIFO ||
	    (q->flags & ~XC_FIFO_EXTERNAL) || ((q->flags & XC_FIFO_EXTERNAL) && q->len))
		return false;
	for (size_t i = 0; i < r->nr_fifos; i++)
		if (r->fifos[i]->file_id == q->file_id)
			return false;
	return true;
}

/* A lock of a regular file recorded before it; a range that fits off_t. */
static bool lock_ok(const struct xc_rst *r, const struct xc_rec_lock *l)
{
	if (!l->file_id || l->file_id > r->tree->nr_files ||
	    r->tree->files[l->file_id - 1]->kind != XC_FD_REG)
		return false;
	if (l->kind < XC_LOCK_FLOCK || l->kind > XC_LOCK_OFD || l->write > 1)
		return false;
	if (l->kind == XC_LOCK_FLOCK)
		return l->start == 0 && l->len == 0;
	return l->start <= INT64_MAX && l->len <= INT64_MAX - l->start;
}

/* An inherited file of this process has one of its fds on fd 0-2 here. */
static int files_ok(struct xc_rst *r, const char *name)
{
	for (size_t i = 0; i < r->nr_fds; i++) {
		const struct xc_rec_fd *f = r->fds[i];
		bool low = false;

		if (r->tree->files[f->file_id - 1]->kind != XC_FD_INHERIT)
			continue;
		for (size_t k = 0; k < r->nr_fds && !low; k++)
			low = r->fds[k]->file_id == f->file_id && r->fds[k]->fd <= 2;
		if (!low)
			return bad(r, name, "inherited open file without an fd on 0-2");
	}
	return 0;
}

/* Every open file of the image has an fd in some process. */
static int files_used(struct xc_rtree *t)
{
	uint8_t *seen = calloc(t->nr_files + 1, 1);
	int err = 0;

	t->file_fds = malloc((t->nr_files + 1) * sizeof(*t->file_fds));
	if (!seen || !t->file_fds) {
		free(seen);
		return xc_fail(t->ctx, 0, "open files", "allocate", -ENOMEM);
	}
	for (size_t i = 0; i < t->nr; i++)
		for (size_t k = 0; k < t->procs[i].nr_fds; k++)
			seen[t->procs[i].fds[k]->file_id] = 1;
	for (size_t id = 1; id <= t->nr_files && !err; id++) {
		const struct xc_rec_file *f = t->files[id - 1];
		bool piped = f->kind != XC_FD_PIPE;

		for (size_t i = 0; i < t->nr_pipes && !piped; i++)
			piped = t->pipes[i]->ino == f->ino;
		t->file_fds[id - 1] = -1;
		t->ctx->exit_hint = XC_EXIT_IMAGE;
		if (!seen[id])
			err = xc_failf(t->ctx, 0, "open file record without an fd", -EBADMSG,
				       "open file %zu", id);
		else if (!piped)
			err = xc_failf(t->ctx, 0, "pipe without its PIPE record", -EBADMSG,
				       "open file %zu (%s)", id, f->path);
		else
			t->ctx->exit_hint = 0;
	}
	t->pipe_ends = malloc((t->nr_pipes + 1) * sizeof(*t->pipe_ends));
	t->pipe_used = calloc(t->nr_pipes + 1, 1);
	if (!err && (!t->pipe_ends || !t->pipe_used))
		err = xc_fail(t->ctx, 0, "pipes", "allocate", -ENOMEM);
	for (size_t i = 0; !err && i < t->nr_pipes; i++)
		t->pipe_ends[i][0] = t->pipe_ends[i][1] = -1;
	free(seen);
	return err;
}

#define ONE(field, type)							\
	do {									\
		if (len != sizeof(type) || r->field)				\
			return bad(r, name, "bad or repeated " #field " record");	\
		r->field = p;							\
	} while (0)

/* THREAD, REGS, XSTATE: in this order, once per thread. */
static int take_thread(struct xc_rst *r, const char *name, uint32_t kind, const void *p,
		       uint32_t len)
{
	struct xc_rst_thread *t = r->nr_thr ? &r->thr[r->nr_thr - 1] : NULL;

	switch (kind) {
	case XC_REC_THREAD:
		if (len != sizeof(struct xc_rec_thread) || (t && !t->xstate_hdr))
			return bad(r, name, "bad or misplaced thread record");
		if (r->nr_thr % 64 == 0) {
			struct xc_rst_thread *n = realloc(r->thr, (r->nr_thr + 64) * sizeof(*n));
			if (!n)
				return -ENOMEM;
			r->thr = n;
		}
		r->thr[r->nr_thr++] = (struct xc_rst_thread){ .rec = p };
		return 0;
	case XC_REC_REGS:
		if (len != sizeof(struct xc_rec_regs) || !t || t->regs)
			return bad(r, name, "bad or misplaced regs record");
		t->regs = p;
		return 0;
	default:
		if (len < sizeof(*t->xstate_hdr) || !t || !t->regs || t->xstate_hdr)
			return bad(r, name, "bad or misplaced xstate record");
		t->xstate_hdr = p;
		t->xstate = (const char *)p + sizeof(*t->xstate_hdr);
		if (t->xstate_hdr->size != len - sizeof(*t->xstate_hdr) ||
		    t->xstate_hdr->size > ARCH_XSTATE_MAX || t->xstate_hdr->tid != t->rec->tid)
			return bad(r, name, "bad xstate record");
		return 0;
	}
}

/* The threads as a whole: as many as the task says, the leader first,
 * each complete, tids distinct and valid; each pending signal of a thread
 * names one of them. */
static int check_threads(struct xc_rst *r, const char *name)
{
	if (!r->nr_thr || r->nr_thr != r->task->nr_threads || !r->thr[r->nr_thr - 1].xstate_hdr)
		return bad(r, name, "thread records do not match the thread count");
	if (r->thr[0].rec->tid != (uint32_t)r->pid)
		return bad(r, name, "pid does not match the inventory");
	for (size_t i = 0; i < r->nr_thr; i++) {
		const struct xc_rec_thread *t = r->thr[i].rec;

		if (!t->tid || t->tid >= (1u << 22) || !STR_OK(t->comm))
			return bad(r, name, "bad thread record");
		for (size_t j = 0; j < i; j++)
			if (r->thr[j].rec->tid == t->tid)
				return bad(r, name, "repeated thread id");
	}
	for (size_t i = 0; i < r->nr_sigs; i++) {
		size_t j = 0;

		while (r->sigs[i]->tid && j < r->nr_thr && r->thr[j].rec->tid != r->sigs[i]->tid)
			j++;
		if (j == r->nr_thr)
			return bad(r, name, "pending signal of an unknown thread");
	}
	r->thread = r->thr[0].rec;
	return 0;
}

static int take(struct xc_rst *r, const char *name, uint32_t kind, const void *p, uint32_t len)
{
	switch (kind) {
	case XC_REC_TASK: ONE(task, struct xc_rec_task); break;
	case XC_REC_MM: ONE(mm, struct xc_rec_mm); break;
	case XC_REC_FS: ONE(fs, struct xc_rec_fs); break;
	case XC_REC_RLIMITS: ONE(rlimits, struct xc_rec_rlimits); break;
	case XC_REC_SIGACTIONS: ONE(sigactions, struct xc_rec_sigactions); break;
	case XC_REC_ITIMERS: ONE(itimers, struct xc_rec_itimers); break;
	case XC_REC_TASK_ATTRS: ONE(task_attrs, struct xc_rec_task_attrs); break;
	case XC_REC_CREDS: ONE(creds, struct xc_rec_creds); break;
	case XC_REC_THREAD:
	case XC_REC_REGS:
		return take_thread(r, name, kind, p, len);
	case XC_REC_VDSO: ONE(vdso, struct xc_rec_vdso); break;
	case XC_REC_AUXV:
		if (len % 16 || r->auxv)
			return bad(r, name, "bad auxv record");
		r->auxv = p;
		r->auxv_len = len;
		break;
	case XC_REC_XSTATE:
		return take_thread(r, name, kind, p, len);
	case XC_REC_MAPFILE:
		if (len != sizeof(struct xc_rec_mapfile) ||
		    ((const struct xc_rec_mapfile *)p)->id != r->nr_files + 1 ||
		    !STR_OK(((const struct xc_rec_mapfile *)p)->path) ||
		    ((const struct xc_rec_mapfile *)p)->build_id_len >
			    sizeof(((const struct xc_rec_mapfile *)p)->build_id) ||
		    !(S_ISREG(((const struct xc_rec_mapfile *)p)->mode) ||
		      S_ISCHR(((const struct xc_rec_mapfile *)p)->mode)) ||
		    ((const struct xc_rec_mapfile *)p)->ghost_id > r->nr_ghosts)
			return bad(r, name, "bad mapfile record");
		return push((const void ***)&r->files, &r->nr_files, p);
	case XC_REC_VMA:
		if (len != sizeof(struct xc_rec_vma))
			return bad(r, name, "bad vma record");
		return push((const void ***)&r->vmas, &r->nr_vmas, p);
	case XC_REC_FILE:
		if (len != sizeof(struct xc_rec_file) || !file_ok(r, p))
			return bad(r, name, "bad open file record");
		if (push((const void ***)&r->tree->files, &r->tree->nr_files, p))
			return -ENOMEM;
		return push((const void ***)&r->ofiles, &r->nr_ofiles, p);
	case XC_REC_SECCOMP: ONE(seccomp, struct xc_rec_seccomp); break;
	case XC_REC_SECCOMP_FILTER:
		if (!rst_seccomp_filter_ok(p, len))
			return bad(r, name, "bad seccomp filter record");
		return push((const void ***)&r->filters, &r->nr_filters, p);
	case XC_REC_POSIX_TIMER:
		if (len != sizeof(struct xc_rec_posix_timer) || !rst_timer_ok(r, p))
			return bad(r, name, "bad POSIX timer record");
		return push((const void ***)&r->timers, &r->nr_timers, p);
	case XC_REC_GHOST:
		if (!ghost_ok(r, p, len))
			return bad(r, name, "bad ghost file record");
		return push((const void ***)&r->ghosts, &r->nr_ghosts, p);
	case XC_REC_FIFO:
		if (!fifo_ok(r, p, len))
			return bad(r, name, "bad FIFO record");
		return push((const void ***)&r->fifos, &r->nr_fifos, p);
	case XC_REC_LOCK:
		if (len != sizeof(struct xc_rec_lock) || !lock_ok(r, p))
			return bad(r, name, "bad lock record");
		return push((const void ***)&r->locks, &r->nr_locks, p);
	case XC_REC_FD:
		if (len != sizeof(struct xc_rec_fd) || !fd_ok(r, p))
			return bad(r, name, "bad fd record");
		return push((const void ***)&r->fds, &r->nr_fds, p);
	case XC_REC_UNIXSK:
		if (len != sizeof(struct xc_rec_unixsk))
			return bad(r, name, "bad unix socket record");
		return push((const void ***)&r->sk.usks, &r->sk.nr_usks, p);
	case XC_REC_INETSK:
		if (len != sizeof(struct xc_rec_inetsk))
			return bad(r, name, "bad inet socket record");
		return push((const void ***)&r->sk.isks, &r->sk.nr_isks, p);
	case XC_REC_SKOPT:
		if (!rst_skopt_ok(p, len))
			return bad(r, name, "bad socket option record");
		return push((const void ***)&r->sk.skopts, &r->sk.nr_skopts, p);
	case XC_REC_SKQUEUE:
		if (!rst_skqueue_ok(p, len))
			return bad(r, name, "bad socket queue record");
		return push((const void ***)&r->sk.skqs, &r->sk.nr_skqs, p);
	case XC_REC_SIGINFO:
		if (len != sizeof(struct xc_rec_siginfo))
			return bad(r, name, "bad siginfo record");
		return push((const void ***)&r->sigs, &r->nr_sigs, p);
	case XC_REC_PAGE_RUNS:
		if (len % sizeof(struct xc_page_run) || r->runs)
			return bad(r, name, "bad page runs record");
		r->runs = p;
		r->nr_runs = len / sizeof(struct xc_page_run);
		break;
	case XC_REC_PAGE_BLOCKS:
		if (len % sizeof(struct xc_page_block) || r->blocks)
			return bad(r, name, "bad page blocks record");
		r->blocks = p;
		r->nr_blocks = len / sizeof(struct xc_page_block);
		break;
	case XC_REC_PAGE_HASHES:	/* for a later incremental dump: not needed here */
		if (len % sizeof(xc_page_hash))
			return bad(r, name, "bad page hashes record");
		/* 2 MiB per GiB of the target, most of xckpt's memory in a
		 * large restore otherwise. */
		xc_imgr_forget(&r->proc, p, len);
		break;
	default:
		if (xc_plugin_kind(kind))
			return push_plugin_rec(r, kind, p, len);
		if (rst_is_obj_rec(kind)) {
			int err = rst_obj_take(r, kind, p, len);
			return err == -EBADMSG ? bad(r, name, "bad event object record") : err;
		}
		if (!(kind & XC_REC_OPTIONAL))
			return bad(r, name, "unknown record kind");
	}
	return 0;
}

static int check_vmas(struct xc_rst *r, const char *name)
{
	size_t page = sysconf(_SC_PAGESIZE), v = 0;

	for (size_t i = 0; i < r->nr_vmas; i++) {
		const struct xc_rec_vma *m = r->vmas[i];
		if (m->start >= m->end || (m->start | m->end) & (page - 1) ||
		    m->end > ARCH_TASK_SIZE || (i && m->start < r->vmas[i - 1]->end) ||
		    m->file_id > r->nr_files || m->kind < XC_VMA_ANON || m->kind > XC_VMA_SYSVSHM ||
		    ((m->kind == XC_VMA_FILE_PRIV || m->kind == XC_VMA_FILE_SHARED) != !!m->file_id))
			return bad(r, name, "bad vma");
		if ((m->kind == XC_VMA_VDSO || m->kind == XC_VMA_VVAR) && !r->vdso)
			return bad(r, name, "vDSO mapping without a VDSO record");
		/* hugetlb and names: anonymous memory only; huge pages of 8 KiB
		 * to 1 TiB, the mapping aligned to them. */
		if (m->hpage_shift && (m->hpage_shift <= 12 || m->hpage_shift > 40 ||
				       (m->kind != XC_VMA_ANON && m->kind != XC_VMA_SHANON) ||
				       ((m->start | m->end) & ((1ull << m->hpage_shift) - 1))))
			return bad(r, name, "bad hugetlb vma");
		if (m->reserved || !memchr(m->name, 0, sizeof(m->name)) ||
		    (m->name[0] && m->kind != XC_VMA_ANON && m->kind != XC_VMA_SHANON))
			return bad(r, name, "bad vma name");
	}
	if (!rst_sysvshm_vmas_ok(r, page))
		return bad(r, name, "System V attachment without its segment, or not whole");
	/* Every page run must lie inside a mapping that takes page data. */
	for (size_t i = 0; i < r->nr_runs; i++) {
		uint64_t s = r->runs[i].vaddr, e = s + (uint64_t)r->runs[i].nr_pages * page;
		while (v < r->nr_vmas && r->vmas[v]->end <= s)
			v++;
		if (v == r->nr_vmas || s < r->vmas[v]->start || e > r->vmas[v]->end ||
		    r->vmas[v]->kind == XC_VMA_FILE_SHARED || r->vmas[v]->kind >= XC_VMA_VDSO)
			return bad(r, name, "page run outside a private mapping");
	}
	if (r->mm->exe_file > r->nr_files)
		return bad(r, name, "bad exe file id");
	return 0;
}

/* A mapped file must be the one that was dumped: same size and mtime, and
 * the same build-id for ELF files. */
static int check_files(struct xc_rst *r)
{
	for (size_t i = 0; i < r->nr_files; i++) {
		const struct xc_rec_mapfile *f = r->files[i];
		const char *path = r->mapfile_paths[i];
		uint8_t id[sizeof(f->build_id)];
		struct stat st;
		int fd, n;

		if (f->ghost_id)
			continue;	/* made again from the image (ghost.c) */
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0) {
			r->ctx->exit_hint = XC_EXIT_IMAGE;
			return xc_failf(r->ctx, r->pid, "open mapped file", -errno, "%s", path);
		}
		if (fstat(fd, &st)) {
			close(fd);
			return xc_failf(r->ctx, r->pid, "stat", -errno, "%s", path);
		}
		n = S_ISREG(st.st_mode) ? xc_elf_build_id_memo(&r->tree->buildids, fd, &st, id,
							       sizeof(id))
					: 0;
		close(fd);
		r->ctx->exit_hint = XC_EXIT_IMAGE;
		if ((st.st_mode & S_IFMT) != (f->mode & S_IFMT))
			return xc_failf(r->ctx, r->pid, "file changed its type since the dump",
					-ESTALE, "%s", path);
		if (S_ISCHR(st.st_mode) && st.st_rdev != f->size)
			return xc_failf(r->ctx, r->pid, "another device than at the dump", -ESTALE,
					"%s (device %u:%u, was %u:%u)", path, major(st.st_rdev),
					minor(st.st_rdev), major(f->size), minor(f->size));
		if (!S_ISCHR(st.st_mode) &&
		    ((uint64_t)st.st_size != f->size || st.st_mtim.tv_sec != f->mtime_sec ||
		     st.st_mtim.tv_nsec != f->mtime_nsec))
			return xc_failf(r->ctx, r->pid, "file changed since the dump (size or mtime)",
					-ESTALE, "%s", path);
		if (n != (int)f->build_id_len || memcmp(id, f->build_id, f->build_id_len))
			return xc_failf(r->ctx, r->pid, "file changed since the dump (ELF build-id)",
					-ESTALE, "%s", path);
		r->ctx->exit_hint = 0;
	}
	return 0;
}

int rst_ofile_fd(const struct xc_rst *r, uint32_t id)
{
	int fd = -1;

	for (size_t i = 0; i < r->nr_fds; i++)
		if (r->fds[i]->file_id == id && (fd < 0 || r->fds[i]->fd < fd))
			fd = r->fds[i]->fd;
	return fd;
}

/* Whether a file's content changed in a way the process would notice. A
 * file it reads (O_RDONLY, O_RDWR) must be as it was: same size and mtime,
 * or what it read, and where, no longer match what is there. A write-only
 * file (a log, the stdout of a job) may have grown since, as it does when
 * a job ran on after the checkpoint it is resumed from: the process writes
 * on from its own offset (or at the end, with O_APPEND); it must not have
 * shrunk below what the process had written. An O_PATH fd reaches no
 * content. */
static bool content_changed(const struct xc_rec_file *f, const struct stat *st)
{
	if (!S_ISREG(st->st_mode) || (f->flags & O_PATH))
		return false;
	if ((f->flags & O_ACCMODE) == O_WRONLY)
		return (uint64_t)st->st_size < f->size;
	return (uint64_t)st->st_size != f->size || st->st_mtim.tv_sec != f->mtime_sec ||
	       st->st_mtim.tv_nsec != f->mtime_nsec;
}

/* Files behind fds are reopened by path: the path must still lead to the
 * very file (same device and inode, unless --file-map moved it) with its
 * content as the process knew it (content_changed); a directory must be
 * the same directory. What differs is named and refused: the process would
 * carry on with another file than the one it had. */
static int check_fds(struct xc_rst *r)
{
	for (size_t i = 0; i < r->nr_ofiles; i++) {
		const struct xc_rec_file *f = r->ofiles[i];
		const char *path = r->ofile_paths[i], *why = NULL;
		bool mapped = r->ofile_mapped[i];
		struct stat st;
		int err = -ESTALE;

		if ((f->kind != XC_FD_REG && f->kind != XC_FD_CHR && f->kind != XC_FD_FIFO) ||
		    f->ghost_id)
			continue;
		if (stat(path, &st)) {
			err = -errno;
			why = err != -ENOENT ? "stat" :
			      mapped ? "file is not at its --file-map path" :
				       "file was moved or removed since the dump (--file-map OLD=NEW "
				       "tells where it is now)";
		} else if ((st.st_mode & S_IFMT) != (f->mode & S_IFMT)) {
			/* Another type now (a FIFO would block the open). */
			why = "file changed its type since the dump";
		} else if ((f->kind == XC_FD_REG || f->kind == XC_FD_FIFO) && !mapped &&
			   (st.st_dev != f->dev || st.st_ino != f->ino)) {
			why = "file was replaced since the dump";
		} else if (content_changed(f, &st)) {
			why = (f->flags & O_ACCMODE) == O_WRONLY ?
				      "file was truncated since the dump" :
				      "file was modified since the dump (size or mtime)";
		}
		if (why) {
			r->ctx->exit_hint = XC_EXIT_IMAGE;
			return xc_failf(r->ctx, r->pid, why, err, "fd %d (%s)", rst_ofile_fd(r, f->id),
					path);
		}
	}
	return 0;
}

/* The vDSO is put back where it was, so it must be this kernel's very vDSO:
 * same size and text, same size of the vvar area in front of it. */
static int check_vdso(struct xc_rst *r)
{
	unsigned long long s, e, vv_s = 0, vv_e = 0, vd_s = 0, vd_e = 0;
	char line[512], path[256];
	FILE *f;

	if (!r->vdso)
		return 0;
	f = fopen("/proc/self/maps", "re");
	if (!f)
		return xc_fail(r->ctx, r->pid, "/proc/self/maps", "open", -errno);
	while (fgets(line, sizeof(line), f)) {
		path[0] = 0;
		if (sscanf(line, "%llx-%llx %*s %*s %*s %*s %255s", &s, &e, path) < 2)
			continue;
		if (!strcmp(path, "[vdso]")) {
			vd_s = s;
			vd_e = e;
		} else if (!strcmp(path, "[vvar]") || !strcmp(path, "[vvar_vclock]")) {
			if (!vv_s || s < vv_s)
				vv_s = s;
			if (e > vv_e)
				vv_e = e;
		}
	}
	fclose(f);
	r->ctx->exit_hint = XC_EXIT_IMAGE;
	if (!vd_s || vd_e - vd_s != r->vdso->vdso_end - r->vdso->vdso_start ||
	    vv_e - vv_s != r->vdso->vvar_end - r->vdso->vvar_start ||
	    r->vdso->vdso_start - r->vdso->vvar_start != vd_s - vv_s ||
	    xc_crc32c(0, (void *)(uintptr_t)vd_s, vd_e - vd_s) != r->vdso->vdso_crc)
		return xc_fail(r->ctx, r->pid, "[vdso]",
			       "vDSO differs from the dumping kernel's (restore on that kernel)",
			       -ENOTSUP);
	r->ctx->exit_hint = 0;
	return 0;
}

/* features and size: this CPU's (arch_xstate_caps(), asked once per
 * image: CPUID traps to the hypervisor in a VM). */
static int check_cpu(struct xc_rst *r, uint64_t features, uint32_t size)
{
	for (size_t i = 0; i < r->nr_thr; i++) {
		const struct xc_rec_xstate_hdr *x = r->thr[i].xstate_hdr;

		if ((x->features & ~features) || x->size > size) {
			r->ctx->exit_hint = XC_EXIT_IMAGE;
			return xc_failf(r->ctx, r->pid, "CPU lacks vector state the image holds",
					-ENOTSUP, "xstate of thread %u (image %#llx/%u bytes, here %#llx/%u)",
					x->tid, (unsigned long long)x->features, x->size,
					(unsigned long long)features, size);
		}
	}
	return 0;
}

static int load_proc(struct xc_rst *r)
{
	char name[64];
	const void *p;
	uint32_t kind, len;
	int err;

	snprintf(name, sizeof(name), "proc-%d.img", r->pid);
	err = xc_imgr_open_shared(r->ctx, &r->proc, &r->tree->arena, r->dirfd, name, XC_FILE_PROC);
	if (err)
		return err;
	while (xc_imgr_next(&r->proc, &kind, &p, &len) > 0) {
		err = take(r, name, kind, p, len);
		if (err)
			return err == -ENOMEM ? xc_fail(r->ctx, r->pid, name, "allocate", err) : err;
	}
	if (!r->task || !r->mm || !r->fs || !r->rlimits || !r->sigactions || !r->creds ||
	    !r->itimers || !r->task_attrs || !r->runs || !r->blocks || !r->auxv)
		return bad(r, name, "a required record is missing");
	if (r->task->pid != (uint32_t)r->pid)
		return bad(r, name, "pid does not match the inventory");
	if (!STR_OK(r->task->comm) || !STR_OK(r->fs->cwd) || !STR_OK(r->fs->root))
		return bad(r, name, "unterminated string");
	err = check_threads(r, name);
	if (!err)
		err = check_vmas(r, name);

	if (!err)
		err = files_ok(r, name);
	if (!err) {
		const char *why;
		if (rst_objs_check(r, &why))
			return bad(r, name, why);
	}
	if (!err && !rst_seccomp_ok(r))
		return bad(r, name, "seccomp mode and filters do not match");
	if (err == -ENOMEM)
		return xc_fail(r->ctx, r->pid, name, "allocate", err);
	if (!err) {
		snprintf(name, sizeof(name), "pages-%d.img", r->pid);
		err = xc_pager_open(r->ctx, &r->pager, r->dirfd, name, r->runs, r->nr_runs,
				    r->blocks, r->nr_blocks);
	}
	return err;
}

enum pid_use { PID_FREE, PID_ZOMBIE, PID_TAKEN };

static enum pid_use pid_use(pid_t pid)
{
	char path[64], buf[256], *rp;
	enum pid_use u = PID_TAKEN;
	FILE *f;

	if (kill(pid, 0) && errno == ESRCH)
		return PID_FREE;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? PID_FREE : PID_TAKEN;
	if (fgets(buf, sizeof(buf), f) && (rp = strrchr(buf, ')')) && rp[1] == ' ' &&
	    (rp[2] == 'Z' || rp[2] == 'X'))
		u = PID_ZOMBIE;
	fclose(f);
	return u;
}

/* Every pid and tid of the image must be free. A dumped process may still
 * be a zombie for a moment, until its parent reaps it (a dump kills it just
 * before returning): wait for those, all together and for 5 s at most, but
 * not for a live process that holds a pid. */
static int pids_free(struct xc_rtree *t)
{
	struct { pid_t id, owner; } *p;
	size_t n = 0, nz;
	int err = 0;

	for (size_t i = 0; i < t->nr; i++)
		n += t->procs[i].nr_thr ? t->procs[i].nr_thr : 1;
	p = malloc(n * sizeof(*p));
	if (!p)
		return xc_fail(t->ctx, 0, "pids", "allocate", -ENOMEM);
	n = 0;
	for (size_t i = 0; i < t->nr; i++) {
		p[n].id = p[n].owner = t->procs[i].pid;
		n++;
		for (size_t j = 1; j < t->procs[i].nr_thr; j++, n++) {
			p[n].id = (pid_t)t->procs[i].thr[j].rec->tid;
			p[n].owner = t->procs[i].pid;
		}
	}
	for (int round = 0; !err; round++) {
		nz = 0;
		for (size_t k = 0; k < n && !err; k++) {
			enum pid_use u = pid_use(p[k].id);

			if (u == PID_ZOMBIE && round < 1000)
				p[nz++] = p[k];	/* look again */
			else if (u != PID_FREE && p[k].id == p[k].owner)
				err = xc_fail(t->ctx, p[k].id, "process", "pid is in use", -EEXIST);
			else if (u != PID_FREE)
				err = xc_failf(t->ctx, p[k].owner, "thread id is in use", -EEXIST,
					       "thread %d", p[k].id);
		}
		if (!nz)
			break;
		n = nz;
		usleep(5000);
	}
	free(p);
	return err;
}

static int bad_inv(struct xc_rtree *t, const char *why)
{
	t->ctx->exit_hint = XC_EXIT_IMAGE;
	return xc_fail(t->ctx, 0, "inventory.img", why, -EBADMSG);
}

/* The PROCESS records: unique pids, parents before their children, the
 * first one a root and the root of the inventory. */
static int check_tree(struct xc_rtree *t)
{
	for (size_t i = 0; i < t->nr; i++) {
		const struct xc_rec_process *p = t->procs[i].rec;
		bool parent = !p->ppid;

		if (!p->pid || p->pid >= (1u << 22) || p->flags & ~XC_PROC_ZOMBIE || !STR_OK(p->comm) ||
		    (p->flags & XC_PROC_ZOMBIE && !p->ppid))
			return bad_inv(t, "bad process record");
		for (size_t k = 0; k < i; k++) {
			const struct xc_rec_process *q = t->procs[k].rec;
			if (q->pid == p->pid)
				return bad_inv(t, "a pid appears twice");
			if (q->pid == p->ppid && !(q->flags & XC_PROC_ZOMBIE))
				parent = true;
		}
		if (!parent)
			return bad_inv(t, "a process comes before its parent");
	}
	if (t->procs[0].rec->pid != t->inv_rec->root_pid || t->procs[0].rec->ppid)
		return bad_inv(t, "the first process is not the root");
	return 0;
}

/* A pipe: its data inside the record and inside its capacity, one record
 * per pipe. */
static int take_pipe(struct xc_rtree *t, const struct xc_rec_pipe *p, uint32_t len)
{
	const struct xc_rec_pipe **np;

	if (len < sizeof(*p) || p->len != len - sizeof(*p) || p->len > p->capacity || !p->ino)
		return bad_inv(t, "bad pipe record");
	for (size_t i = 0; i < t->nr_pipes; i++)
		if (t->pipes[i]->ino == p->ino)
			return bad_inv(t, "a pipe appears twice");
	np = realloc(t->pipes, (t->nr_pipes + 1) * sizeof(*np));
	if (!np)
		return xc_fail(t->ctx, 0, "inventory.img", "allocate", -ENOMEM);
	t->pipes = np;
	t->pipes[t->nr_pipes++] = p;
	return 0;
}

static int load_inventory(struct xc_rtree *t)
{
	const struct xc_rec_inventory *inv = NULL;
	const void *p;
	uint32_t kind, len;
	size_t n = 0;
	int err;

	err = xc_imgr_open(t->ctx, &t->inv, t->dirfd, "inventory.img", XC_FILE_INVENTORY);
	if (err)
		return err;
	while (xc_imgr_next(&t->inv, &kind, &p, &len) > 0) {
		if (kind == XC_REC_INVENTORY && len == sizeof(*inv) && !inv) {
			inv = p;
			if (!inv->nr_processes || inv->nr_processes > (1u << 22))
				return bad_inv(t, "bad inventory");
			t->procs = calloc(inv->nr_processes, sizeof(*t->procs));
			if (!t->procs)
				return xc_fail(t->ctx, 0, "inventory.img", "allocate", -ENOMEM);
		} else if (kind == XC_REC_PROCESS && len == sizeof(struct xc_rec_process) && inv &&
			   n < inv->nr_processes) {
			t->procs[n++].rec = p;
		} else if (kind == XC_REC_PIPE) {
			err = take_pipe(t, p, len);
			if (err)
				return err;
		} else if (kind == XC_REC_SYSVSHM) {
			err = rst_sysvshm_take(t, p, len);
			if (err == -ENOMEM)
				return xc_fail(t->ctx, 0, "inventory.img", "allocate", err);
			if (err)
				return bad_inv(t, "bad System V segment record");
		} else if (kind == XC_REC_PARENT && len == sizeof(*t->parent_rec) && !t->parent_rec) {
			t->parent_rec = p;
		} else if (!(kind & XC_REC_OPTIONAL))
			return bad_inv(t, "unexpected record");
	}
	if (!inv || n != inv->nr_processes)
		return bad_inv(t, "bad inventory");
	/* Its memory is from later than the rest: good only as a parent. */
	if (inv->flags & XC_INV_LIVE)
		return bad_inv(t, "a pre-dump whose memory was copied while the processes ran: "
			       "only the parent of a dump --parent");
	t->inv_rec = inv;
	t->nr = n;
	if (!memchr(inv->parent, 0, sizeof(inv->parent)) || !!inv->parent[0] != !!t->parent_rec ||
	    (t->parent_rec && (!t->parent_rec->depth || t->parent_rec->depth > XC_CHAIN_MAX)))
		return bad_inv(t, "bad parent record");
	for (size_t i = 0; i < n; i++) {
		struct xc_rst *r = &t->procs[i];
		r->go[0] = r->go[1] = r->msg[0] = r->msg[1] = -1;
		r->errfd = -1;
		r->pager.fd = r->pager.dfd = -1;
	}
	return check_tree(t);
}

/* One process: its files, and whether this machine can take it. Every
 * process of an image was dumped on one kernel, so the vDSO and CPU checks
 * of the first one stand for all that are the same. */
static int load_one(struct xc_rtree *t, struct xc_rst *r, const struct xc_rst *first,
		    uint64_t features, uint32_t size)
{
	int err;

	r->ctx = t->ctx;
	r->tree = t;
	r->dirfd = t->dirfd;
	r->pid = (pid_t)r->rec->pid;
	err = load_proc(r);
	if (!err)
		err = rst_paths_resolve(r);
	if (!err)
		err = check_files(r);
	if (!err)
		err = rst_ghosts_check(r);
	if (!err)
		err = check_fds(r);
	if (!err && !(first && first->vdso && r->vdso && !memcmp(first->vdso, r->vdso, sizeof(*r->vdso))))
		err = check_vdso(r);
	if (!err)
		err = check_cpu(r, features, size);
	if (!err)
		err = rst_mm_chain(r, t->inv_rec->parent, t->parent_rec);
	return err;
}

int rst_image_load(struct xc_rtree *t)
{
	const struct xc_rst *first = NULL;
	uint64_t features;
	uint32_t size;
	int err;

	arch_xstate_caps(&features, &size);
	t->dirfd = open(t->ctx->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (t->dirfd < 0)
		return xc_fail(t->ctx, 0, t->ctx->dir, "open image directory", -errno);
	rst_image_prefetch(t->dirfd);
	err = load_inventory(t);
	if (!err)
		t->ctx->pid = (pid_t)t->procs[0].rec->pid;	/* from now on errors name it */
	for (size_t i = 0; !err && i < t->nr; i++) {
		struct xc_rst *r = &t->procs[i];

		r->ctx = t->ctx;
		r->tree = t;
		r->pid = (pid_t)r->rec->pid;
		if (!(r->rec->flags & XC_PROC_ZOMBIE)) {
			err = load_one(t, r, first, features, size);
			first = first ? first : r;
		}
	}
	/* Inside a new namespace every pid is free. */
	if (!err && !t->ctx->pidns)
		err = pids_free(t);
	if (!err)
		err = rst_hugetlb_check(t);
	if (!err)
		err = rst_mm_check_names(t);
	if (!err)
		err = files_used(t);
	if (!err)
		err = rst_file_paths_resolve(t);
	if (!err)
		err = rst_sockets_load(t);
	return err;
}

void rst_image_close(struct xc_rtree *t)
{
	for (size_t i = 0; t->procs && i < t->nr; i++) {
		struct xc_rst *r = &t->procs[i];

		rst_mm_chain_close(r);
		xc_pager_close(&r->pager);
		xc_imgr_close(&r->proc);
		free(r->files);
		free(r->vmas);
		free(r->fds);
		free(r->ofiles);
		free(r->objs);
		free(r->timers);
		free(r->filters);
		free(r->locks);
		free(r->ghosts);
		free(r->fifos);
		free(r->ghost_fds);
		free(r->fifo_fds);
		rst_paths_free(r);
		free(r->sk.usks);
		free(r->sk.skqs);
		free(r->sk.skopts);
		free(r->sk.isks);
		free(r->sigs);
		free(r->thr);
		free(r->real_tids);
		free(r->plugin_recs);
		free(r->file_fds);
		free(r->shm_fds);
		for (int e = 0; e < 2; e++) {
			if (r->go[e] >= 0)
				close(r->go[e]);
			if (r->msg[e] >= 0)
				close(r->msg[e]);
		}
	}
	rst_sockets_free(t);
	free(t->procs);
	t->procs = NULL;
	xc_buildid_memo_free(&t->buildids);
	free(t->files);
	t->files = NULL;
	if (t->file_fds)
		for (size_t id = 0; id < t->nr_files; id++)
			if (t->file_fds[id] >= 0)
				close(t->file_fds[id]);
	free(t->file_fds);
	t->file_fds = NULL;
	rst_handoff_close(t);
	if (t->ctty_fd > 2)
		close(t->ctty_fd);
	t->ctty_fd = -1;
	rst_pipes_close(t);
	rst_ghosts_shared_close(t);
	for (size_t i = 0; i < t->nr_shms; i++)
		if (t->shms[i].fd >= 0)
			close(t->shms[i].fd);
	free(t->shms);
	t->shms = NULL;
	free(t->sysv);
	free(t->sysv_state);
	t->sysv = NULL;
	t->sysv_state = NULL;
	t->nr_sysv = 0;
	free(t->pipes);
	free(t->fresh);
	t->fresh = NULL;
	rst_mm_fill_free(t);
	free(t->pipe_ends);
	free(t->pipe_used);
	t->pipes = NULL;
	t->pipe_ends = NULL;
	t->pipe_used = NULL;
	rst_file_paths_free(t);
	xc_imgr_close(&t->inv);
	xc_arena_free(&t->arena);
	if (t->dirfd >= 0)
		close(t->dirfd);
	t->dirfd = -1;
}
