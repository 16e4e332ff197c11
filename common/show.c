/* xckpt show: the image in words or JSON. Reads through the same validating
 * reader as restore, so a damaged image is reported, not printed. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "arch/arch.h"
#include "common/cmds.h"
#include "common/ctx.h"
#include "common/img.h"
#include "common/log.h"
#include "plugins/plugin.h"

struct show {
	struct xc_ctx *ctx;
	bool json;
	bool first;	/* JSON: no comma before the next item */
};

/* Strings in records are fixed-size fields: never read past max. */
static void jstr(const char *s, size_t max)
{
	putchar('"');
	for (; max && *s; s++, max--) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void sep(struct show *s)
{
	if (!s->first)
		putchar(',');
	s->first = false;
}

static const char *vma_kind(uint32_t k)
{
	static const char *const n[] = { "?", "anon", "shared-anon", "file", "shared-file",
					  "vdso", "vvar", "sysv-shm" };
	return k < sizeof(n) / sizeof(n[0]) ? n[k] : "?";
}

static const char *fd_kind(uint32_t k)
{
	static const char *const n[] = { "?", "file", "device", "inherited", "socket" };
	static const char *const obj[] = { "eventfd", "timerfd", "signalfd", "epoll", "inotify" };

	if (k >= XC_FD_EVENTFD && k <= XC_FD_INOTIFY)
		return obj[k - XC_FD_EVENTFD];
	return k < sizeof(n) / sizeof(n[0]) ? n[k] : "?";
}

static void prot_str(uint32_t p, char out[4])
{
	out[0] = p & PROT_READ ? 'r' : '-';
	out[1] = p & PROT_WRITE ? 'w' : '-';
	out[2] = p & PROT_EXEC ? 'x' : '-';
	out[3] = 0;
}

/* Records are checksummed, but show still trusts no length: a record of a
 * fixed-size kind with another length is skipped. */
static bool len_ok(uint32_t kind, uint32_t len)
{
	switch (kind) {
	case XC_REC_TASK: return len == sizeof(struct xc_rec_task);
	case XC_REC_FS: return len == sizeof(struct xc_rec_fs);
	case XC_REC_VMA: return len == sizeof(struct xc_rec_vma);
	case XC_REC_FD: return len == sizeof(struct xc_rec_fd);
	case XC_REC_FILE: return len == sizeof(struct xc_rec_file);
	case XC_REC_LOCK: return len == sizeof(struct xc_rec_lock);
	case XC_REC_GHOST: return len >= sizeof(struct xc_rec_ghost);
	case XC_REC_FIFO: return len >= sizeof(struct xc_rec_fifo);
	case XC_REC_REGS: return len == sizeof(struct xc_rec_regs);
	case XC_REC_MAPFILE: return len == sizeof(struct xc_rec_mapfile);
	case XC_REC_INVENTORY: return len == sizeof(struct xc_rec_inventory);
	case XC_REC_PAGE_RUNS: return len % sizeof(struct xc_page_run) == 0;
	case XC_REC_PAGE_BLOCKS: return len % sizeof(struct xc_page_block) == 0;
	case XC_REC_BACKTRACE: return len >= 8;
	case XC_REC_EVENTFD: return len == sizeof(struct xc_rec_eventfd);
	case XC_REC_TIMERFD: return len == sizeof(struct xc_rec_timerfd);
	case XC_REC_SIGNALFD: return len == sizeof(struct xc_rec_signalfd);
	case XC_REC_EPOLL_WATCH: return len == sizeof(struct xc_rec_epoll_watch);
	case XC_REC_INOTIFY_WATCH: return len == sizeof(struct xc_rec_inotify_watch);
	case XC_REC_UNIXSK: return len == sizeof(struct xc_rec_unixsk);
	case XC_REC_INETSK: return len == sizeof(struct xc_rec_inetsk);
	case XC_REC_SKOPT: return len == sizeof(struct xc_rec_skopt);
	}
	return true;
}

/* The MAPFILE or FILE record of an id (both start with their u32 id). */
static const void *by_id(struct xc_imgr *r, uint32_t kind, uint32_t id)
{
	const void *p;
	uint32_t k, l;
	size_t pos = r->pos;

	xc_imgr_rewind(r);
	while (xc_imgr_next(r, &k, &p, &l) > 0)
		if (k == kind && len_ok(k, l) && *(const uint32_t *)p == id) {
			r->pos = pos;
			return p;
		}
	r->pos = pos;
	return NULL;
}

static const struct xc_rec_mapfile *mapfile(struct xc_imgr *r, uint32_t id)
{
	return by_id(r, XC_REC_MAPFILE, id);
}

static void show_ghost(struct show *s, const struct xc_rec_ghost *g)
{
	const char *k = g->kind == XC_GHOST_MEMFD ? "memfd" : "deleted";

	if (s->json) {
		sep(s);
		printf("{\"ghost\":%u,\"kind\":\"%s\",\"size\":%llu,\"seals\":%u,\"path\":", g->id,
		       k, (unsigned long long)g->size, g->seals);
		jstr(g->path, sizeof(g->path));
		printf("}");
	} else {
		printf("  ghost %-3u %-7s %10llu bytes  mode %06o%s  %.*s\n", g->id, k,
		       (unsigned long long)g->size, g->mode, g->seals ? "  sealed" : "",
		       (int)sizeof(g->path), g->path);
	}
}

static void show_fifo(struct show *s, const struct xc_rec_fifo *q)
{
	if (s->json) {
		sep(s);
		printf("{\"file\":%u,\"capacity\":%u,\"unread\":%llu,\"external\":%s}", q->file_id,
		       q->capacity, (unsigned long long)q->len,
		       q->flags & XC_FIFO_EXTERNAL ? "true" : "false");
	} else {
		printf("  file %-3u capacity %u, %llu unread bytes%s\n", q->file_id, q->capacity,
		       (unsigned long long)q->len,
		       q->flags & XC_FIFO_EXTERNAL ? " (held outside the dump: not saved)" : "");
	}
}

static void show_lock(struct show *s, const struct xc_rec_lock *l)
{
	static const char *const kinds[] = { "?", "flock", "posix", "ofd" };
	const char *k = l->kind < 4 ? kinds[l->kind] : "?";

	if (s->json) {
		sep(s);
		printf("{\"file\":%u,\"kind\":\"%s\",\"write\":%s,\"start\":%llu,\"len\":%llu}",
		       l->file_id, k, l->write ? "true" : "false", (unsigned long long)l->start,
		       (unsigned long long)l->len);
	} else {
		printf("  file %-3u %-5s %-5s start %llu len %llu%s\n", l->file_id, k,
		       l->write ? "write" : "read", (unsigned long long)l->start,
		       (unsigned long long)l->len, l->len ? "" : " (to EOF)");
	}
}

static void show_fd(struct show *s, struct xc_imgr *r, const struct xc_rec_fd *fd)
{
	const struct xc_rec_file *f = by_id(r, XC_REC_FILE, fd->file_id);
	static const struct xc_rec_file none;

	if (!f)
		f = &none;
	if (s->json) {
		sep(s);
		printf("{\"fd\":%d,\"file\":%u,\"cloexec\":%s,\"kind\":\"%s\",\"flags\":%u,"
		       "\"pos\":%lld,\"path\":",
		       fd->fd, fd->file_id, fd->fd_flags & XC_FDF_CLOEXEC ? "true" : "false",
		       fd_kind(f->kind), f->flags, (long long)f->pos);
		jstr(f->path, sizeof(f->path));
		printf("}");
	} else {
		printf("  %3d file %-3u %-9s flags %07o%s pos %-10lld %.*s\n", fd->fd, fd->file_id,
		       fd_kind(f->kind), f->flags, fd->fd_flags & XC_FDF_CLOEXEC ? " cloexec" : "",
		       (long long)f->pos, (int)sizeof(f->path), f->path);
	}
}

/* The event objects behind open files, one line (or JSON object) per
 * record; false for other kinds. */
static bool show_obj(struct show *s, uint32_t kind, const void *p)
{
	const struct xc_rec_eventfd *e = p;
	const struct xc_rec_timerfd *t = p;
	const struct xc_rec_signalfd *g = p;
	const struct xc_rec_epoll_watch *w = p;
	const struct xc_rec_inotify_watch *in = p;
	char text[192];

	switch (kind) {
	case XC_REC_EVENTFD:
		snprintf(text, sizeof(text), "\"file\":%u,\"eventfd\":{\"count\":%llu,\"semaphore\":%d}",
			 e->file_id, (unsigned long long)e->count, !!(e->flags & XC_EFD_SEMAPHORE));
		break;
	case XC_REC_TIMERFD:
		snprintf(text, sizeof(text),
			 "\"file\":%u,\"timerfd\":{\"clock\":%d,\"flags\":%u,\"ticks\":%llu,"
			 "\"value\":%lld.%09lld,\"interval\":%lld.%09lld}", t->file_id, t->clockid,
			 t->settime_flags, (unsigned long long)t->ticks, (long long)t->value_sec,
			 (long long)t->value_nsec, (long long)t->interval_sec,
			 (long long)t->interval_nsec);
		break;
	case XC_REC_SIGNALFD:
		snprintf(text, sizeof(text), "\"file\":%u,\"signalfd\":{\"mask\":\"%#llx\"}",
			 g->file_id, (unsigned long long)g->sigmask);
		break;
	case XC_REC_EPOLL_WATCH:
		snprintf(text, sizeof(text),
			 "\"file\":%u,\"epoll_watch\":{\"tfd\":%d,\"events\":%u,\"data\":%llu}",
			 w->file_id, w->tfd, w->events, (unsigned long long)w->data);
		break;
	case XC_REC_INOTIFY_WATCH:
		snprintf(text, sizeof(text), "\"file\":%u,\"inotify_watch\":{\"wd\":%d,\"mask\":%u}",
			 in->file_id, in->wd, in->mask);
		break;
	default:
		return false;
	}
	if (s->json) {
		sep(s);
		printf("{%s}", text);
	} else {
		printf("  %s\n", text);
	}
	return true;
}

/* Pages saved inside [start, end): the runs never span two VMAs. */
static uint64_t saved_pages(struct xc_imgr *r, uint64_t start, uint64_t end)
{
	size_t pos = r->pos;
	uint64_t n = 0;
	const void *p;
	uint32_t k, l;

	xc_imgr_rewind(r);
	while (xc_imgr_next(r, &k, &p, &l) > 0) {
		const struct xc_page_run *run = p;

		if (k != XC_REC_PAGE_RUNS || l % sizeof(*run))
			continue;
		for (uint32_t i = 0; i < l / sizeof(*run); i++)
			if (run[i].vaddr >= start && run[i].vaddr < end)
				n += run[i].nr_pages;
	}
	r->pos = pos;
	return n;
}

static void show_vma(struct show *s, struct xc_imgr *r, const struct xc_rec_vma *v)
{
	const struct xc_rec_mapfile *f = v->file_id ? mapfile(r, v->file_id) : NULL;
	const char *path = f ? f->path : (v->flags & XC_VMA_F_HEAP) ? "[heap]" :
			   (v->flags & XC_VMA_F_STACK) ? "[stack]" : "";
	uint64_t saved = saved_pages(r, v->start, v->end);
	char prot[4], named[128];

	/* As /proc/PID/maps names them. */
	if (v->hpage_shift)
		path = "/anon_hugepage (deleted)";
	if (memchr(v->name, 0, sizeof(v->name)) && v->name[0]) {
		snprintf(named, sizeof(named), "[%s:%s]",
			 v->kind == XC_VMA_SHANON ? "anon_shmem" : "anon", v->name);
		path = named;
	}

	prot_str(v->prot, prot);
	if (s->json) {
		sep(s);
		printf("{\"start\":%llu,\"end\":%llu,\"prot\":\"%s\",\"kind\":\"%s\","
		       "\"pages_saved\":%llu,\"path\":",
		       (unsigned long long)v->start, (unsigned long long)v->end, prot,
		       vma_kind(v->kind), (unsigned long long)saved);
		jstr(path, PATH_MAX);
		printf("}");
	} else {
		printf("  %012llx-%012llx %s %-11s %8llu KiB %7llu saved  %.4096s\n",
		       (unsigned long long)v->start, (unsigned long long)v->end, prot,
		       vma_kind(v->kind), (unsigned long long)((v->end - v->start) >> 10),
		       (unsigned long long)saved, path);
	}
}

static void show_regs(struct show *s, const struct xc_rec_regs *r)
{
	const uint64_t *v = (const uint64_t *)r;
	size_t n = sizeof(*r) / 8;

	for (size_t i = 0; i < n; i++) {
		if (s->json) {
			sep(s);
			printf("\"%s\":%llu", arch_reg_names[i], (unsigned long long)v[i]);
		} else {
			printf("    %-8s %016llx%s", arch_reg_names[i], (unsigned long long)v[i],
			       i % 3 == 2 ? "\n" : "  ");
		}
	}
	if (!s->json && n % 3)
		putchar('\n');
}

static void show_bt(struct show *s, const void *p, uint32_t len)
{
	uint32_t hdr[2];
	const struct xc_bt_frame *f = (const struct xc_bt_frame *)((const char *)p + 8);

	memcpy(hdr, p, sizeof(hdr));
	if (len < 8 || (len - 8) / sizeof(*f) < hdr[1])
		return;
	for (uint32_t i = 0; i < hdr[1]; i++) {
		char sym[sizeof(f[i].sym) + 1];
		memcpy(sym, f[i].sym, sizeof(f[i].sym));
		sym[sizeof(f[i].sym)] = 0;
		if (s->json) {
			sep(s);
			printf("{\"ip\":%llu,\"sp\":%llu,\"symbol\":", (unsigned long long)f[i].ip,
			       (unsigned long long)f[i].sp);
			jstr(sym, sizeof(sym));
			printf(",\"offset\":%llu}", (unsigned long long)f[i].off);
		} else if (sym[0]) {
			printf("    #%-2u %016llx %s+%#llx\n", i, (unsigned long long)f[i].ip, sym,
			       (unsigned long long)f[i].off);
		} else {
			printf("    #%-2u %016llx ??\n", i, (unsigned long long)f[i].ip);
		}
	}
}

/* Plugin records, each described by its owner. */
static void show_plugins(struct show *s, struct xc_imgr *r)
{
	const void *p;
	uint32_t k, l;
	bool any = false;

	xc_imgr_rewind(r);
	if (s->json) {
		printf(",\"plugins\":[");
		s->first = true;
	}
	while (xc_imgr_next(r, &k, &p, &l) > 0) {
		const struct xc_plugin *pl;
		char text[256] = "no description";

		if (!xc_plugin_kind(k))
			continue;
		pl = xc_plugin_owner(k);
		if (pl && pl->describe)
			pl->describe(k & ~XC_REC_OPTIONAL, p, l, text, sizeof(text));
		if (s->json) {
			sep(s);
			printf("{\"plugin\":");
			jstr(pl ? pl->name : "?", 64);
			printf(",\"kind\":%u,\"bytes\":%u,\"text\":", k, l);
			jstr(text, sizeof(text));
			printf("}");
		} else {
			if (!any)
				printf("\nplugins:\n");
			printf("  %-8s %#06x %s\n", pl ? pl->name : "?", k, text);
		}
		any = true;
	}
	if (s->json)
		printf("]");
}

/* Bytes and packets queued on socket ino (SKQUEUE records). */
static void sk_queued(struct xc_imgr *r, uint64_t ino, uint64_t *bytes, uint32_t *pkts)
{
	const struct xc_rec_skqueue *q;
	const void *p;
	uint32_t k, l;
	size_t pos = r->pos;

	*bytes = 0;
	*pkts = 0;
	xc_imgr_rewind(r);
	while (xc_imgr_next(r, &k, &p, &l) > 0) {
		q = p;
		if (k != XC_REC_SKQUEUE || l < sizeof(*q) || q->ino != ino ||
		    (l - sizeof(*q)) / sizeof(struct xc_skpacket) < q->nr_packets)
			continue;
		*pkts = q->nr_packets;
		*bytes = l - sizeof(*q) - q->nr_packets * sizeof(struct xc_skpacket);
	}
	r->pos = pos;
}

static void show_unixsk(struct show *s, struct xc_imgr *r, const struct xc_rec_unixsk *u)
{
	static const char *const types[] = { "?", "stream", "dgram", "?", "?", "seqpacket" };
	const char *type = u->type < 6 ? types[u->type] : "?";
	const char *state = u->state == XC_USK_LISTEN ? "listen" :
			    u->state == XC_USK_CONNECTED ? "connected" : "unconnected";
	char name[sizeof(u->name) + 1];
	uint32_t n = u->name_len < sizeof(u->name) ? u->name_len : sizeof(u->name), pkts;
	uint64_t bytes;

	/* Abstract names start with a zero byte: shown as '@'. */
	memcpy(name, u->name, n);
	name[n] = 0;
	if (n && !name[0])
		name[0] = '@';
	sk_queued(r, u->ino, &bytes, &pkts);
	if (s->json) {
		sep(s);
		printf("{\"ino\":%llu,\"type\":\"%s\",\"state\":\"%s\",\"peer\":%llu,"
		       "\"flags\":%u,\"queued_bytes\":%llu,\"queued_packets\":%u,\"name\":",
		       (unsigned long long)u->ino, type, state, (unsigned long long)u->peer_ino,
		       u->flags, (unsigned long long)bytes, pkts);
		jstr(name, sizeof(name));
		printf("}");
	} else {
		printf("  socket:[%llu] %-9s %-11s peer %-8llu queued %llu bytes in %u  %s\n",
		       (unsigned long long)u->ino, type, state, (unsigned long long)u->peer_ino,
		       (unsigned long long)bytes, pkts, name);
	}
}

static void inet_str(const struct xc_rec_inetsk *k, const uint8_t *a, uint16_t port, char *out,
		     size_t cap)
{
	char s[INET6_ADDRSTRLEN] = "?";

	inet_ntop(k->family == 10 ? AF_INET6 : AF_INET, a, s, sizeof(s));
	snprintf(out, cap, k->family == 10 ? "[%s]:%u" : "%s:%u", s, port);
}

static void show_inetsk(struct show *s, const struct xc_rec_inetsk *k)
{
	const char *proto = k->protocol == 6 ? "tcp" : k->protocol == 17 ? "udp" : "?";
	const char *state = k->state == 10 ? "listen" : (k->flags & XC_ISK_F_CONNECTED) ?
			    (k->flags & XC_ISK_F_REPAIR ? "established" : "connected") : "unconnected";
	char src[64], dst[64] = "";

	inet_str(k, k->src, k->sport, src, sizeof(src));
	if (k->flags & XC_ISK_F_CONNECTED)
		inet_str(k, k->dst, k->dport, dst, sizeof(dst));
	if (s->json) {
		sep(s);
		printf("{\"ino\":%llu,\"proto\":\"%s%s\",\"state\":\"%s\",\"local\":\"%s\","
		       "\"remote\":\"%s\",\"flags\":%u,\"recv_queue\":%u,\"send_queue\":%u}",
		       (unsigned long long)k->ino, proto, k->family == 10 ? "6" : "", state, src, dst,
		       k->flags, k->inq_len, k->outq_len);
	} else {
		printf("  socket:[%llu] %s%-2s %-11s %s%s%s", (unsigned long long)k->ino, proto,
		       k->family == 10 ? "6" : "", state, src, dst[0] ? " -> " : "", dst);
		if (k->flags & XC_ISK_F_REPAIR)
			printf("  queued %u in, %u out (%u unsent)", k->inq_len, k->outq_len,
			       k->unsent_len);
		putchar('\n');
	}
}

/* One pass per section keeps text and JSON in the same order. */
static void section(struct show *s, struct xc_imgr *r, uint32_t kind, const char *title)
{
	const void *p;
	uint32_t k, l;

	xc_imgr_rewind(r);
	if (s->json) {
		printf(",\"%s\":[", title);
		s->first = true;
	} else {
		printf("%s:\n", title);
	}
	while (xc_imgr_next(r, &k, &p, &l) > 0) {
		/* The event objects' section: every kind of them. */
		if (kind == XC_REC_EVENTFD && len_ok(k, l) && show_obj(s, k, p))
			continue;
		if (k != kind || !len_ok(k, l))
			continue;
		if (kind == XC_REC_VMA) {
			show_vma(s, r, p);
		} else if (kind == XC_REC_FD) {
			show_fd(s, r, p);
		} else if (kind == XC_REC_UNIXSK) {
			show_unixsk(s, r, p);
		} else if (kind == XC_REC_LOCK) {
			show_lock(s, p);
		} else if (kind == XC_REC_INETSK) {
			show_inetsk(s, p);
		} else if (kind == XC_REC_GHOST) {
			show_ghost(s, p);
		} else if (kind == XC_REC_FIFO) {
			show_fifo(s, p);
		} else if (kind == XC_REC_REGS) {
			if (s->json)
				printf("{");
			s->first = true;
			show_regs(s, p);
			if (s->json)
				printf("}");
		} else if (kind == XC_REC_BACKTRACE) {
			show_bt(s, p, l);
		}
	}
	if (s->json)
		printf("]");
}

static void summary(struct show *s, struct xc_imgr *inv, struct xc_imgr *r)
{
	const struct xc_rec_inventory *iv = NULL;
	const struct xc_rec_task *t = NULL;
	const struct xc_rec_fs *fs = NULL;
	uint64_t pages = 0, raw = 0, stored = 0, vmas = 0, fds = 0;
	uint64_t coded[XC_CODEC_COUNT] = { 0 }, in_parent = 0, forked = 0;
	const struct xc_rec_parent *par = NULL;
	const void *p;
	uint32_t k, l;
	char when[64] = "";

	xc_imgr_rewind(inv);
	while (xc_imgr_next(inv, &k, &p, &l) > 0)
		if (k == XC_REC_INVENTORY && len_ok(k, l))
			iv = p;
		else if (k == XC_REC_PARENT && l == sizeof(*par))
			par = p;
	xc_imgr_rewind(r);
	while (xc_imgr_next(r, &k, &p, &l) > 0) {
		if (!len_ok(k, l))
			continue;
		if (k == XC_REC_TASK)
			t = p;
		else if (k == XC_REC_FS)
			fs = p;
		else if (k == XC_REC_VMA)
			vmas++;
		else if (k == XC_REC_FD)
			fds++;
		else if (k == XC_REC_PAGE_RUNS)
			for (uint32_t i = 0; i < l / sizeof(struct xc_page_run); i++) {
				const struct xc_page_run *run = (const struct xc_page_run *)p + i;

				if (run->flags & XC_RUN_PARENT)
					in_parent += run->nr_pages;
				else if (run->flags & XC_RUN_FORKED)
					forked += run->nr_pages;
				else
					pages += run->nr_pages;
			}
		else if (k == XC_REC_PAGE_BLOCKS)
			for (uint32_t i = 0; i < l / sizeof(struct xc_page_block); i++) {
				const struct xc_page_block *b = (const struct xc_page_block *)p + i;

				raw += b->raw_len;
				stored += b->comp_len;
				if (b->codec < XC_CODEC_COUNT)
					coded[b->codec]++;
			}
	}
	if (iv) {
		time_t sec = (time_t)(iv->created_ns / 1000000000ull);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&sec));
	}
	if (s->json) {
		printf("{\"version\":%d,\"created\":\"%s\",\"kernel\":", XC_IMG_VERSION, when);
		jstr(iv ? iv->kernel_release : "", 64);
		printf(",\"pid\":%u,\"ppid\":%u,\"comm\":", t ? t->pid : 0, t ? t->ppid : 0);
		jstr(t ? t->comm : "", 16);
		printf(",\"cwd\":");
		jstr(fs ? fs->cwd : "", 4096);
		printf(",\"umask\":%u,\"pages\":%llu,\"raw_bytes\":%llu,\"stored_bytes\":%llu",
		       fs ? fs->umask : 0, (unsigned long long)pages, (unsigned long long)raw,
		       (unsigned long long)stored);
		printf(",\"blocks_raw\":%llu,\"blocks_zstd\":%llu,\"blocks_shuffle_zstd\":%llu"
		       ",\"blocks_xor_shuffle_zstd\":%llu",
		       (unsigned long long)coded[XC_CODEC_NONE], (unsigned long long)coded[XC_CODEC_ZSTD],
		       (unsigned long long)coded[XC_CODEC_SHUF8_ZSTD],
		       (unsigned long long)coded[XC_CODEC_XOR8_ZSTD]);
		printf(",\"pages_forked\":%llu", (unsigned long long)forked);
		printf(",\"pages_in_parent\":%llu,\"parent\":", (unsigned long long)in_parent);
		jstr(par && iv ? iv->parent : "", 256);
		printf(",\"depth\":%u", par ? par->depth : 0);
		printf(",\"live\":%s", iv && (iv->flags & XC_INV_LIVE) ? "true" : "false");
		return;
	}
	printf("image      version %d, made %s by xckpt %.32s on Linux %.64s\n", XC_IMG_VERSION, when,
	       iv ? iv->xckpt_version : "?", iv ? iv->kernel_release : "?");
	if (t)
		printf("process    pid %u (%.16s), parent %u, session %u, group %u\n", t->pid, t->comm,
		       t->ppid, t->sid, t->pgid);
	if (fs)
		printf("fs         cwd %.4096s, root %.4096s, umask %04o\n", fs->cwd, fs->root,
		       fs->umask);
	printf("memory     %llu mappings, %llu pages saved (%llu MiB), stored in %llu KiB",
	       (unsigned long long)vmas, (unsigned long long)pages,
	       (unsigned long long)(pages * (uint64_t)sysconf(_SC_PAGESIZE) >> 20), (unsigned long long)(stored >> 10));
	if (stored)
		printf(", ratio %.2f", (double)raw / stored);
	if (forked)
		printf(", %llu more kept in the parent process (shared since fork)",
		       (unsigned long long)forked);
	printf("\nblocks     %llu raw, %llu zstd, %llu shuffle+zstd, %llu xor+shuffle+zstd",
	       (unsigned long long)coded[XC_CODEC_NONE], (unsigned long long)coded[XC_CODEC_ZSTD],
	       (unsigned long long)coded[XC_CODEC_SHUF8_ZSTD],
	       (unsigned long long)coded[XC_CODEC_XOR8_ZSTD]);
	/* An incremental image: where the rest of its pages are. */
	if (par && iv)
		printf("\nparent     %.256s (chain of %u images), %llu pages kept there (%llu MiB)",
		       iv->parent, par->depth + 1, (unsigned long long)in_parent,
		       (unsigned long long)(in_parent * (uint64_t)sysconf(_SC_PAGESIZE) >> 20));
	if (iv && (iv->flags & XC_INV_LIVE))
		printf("\nlive       memory copied while the processes ran: only the parent of a "
		       "dump --parent, not restorable");
	printf("\nfiles      %llu descriptors\n", (unsigned long long)fds);
}

/* One process of the image: what it holds, counted from its proc image. */
struct proc_counts {
	uint64_t threads, fds, vmas, pages, forked;
};

static int count_proc(struct show *s, int dirfd, uint32_t pid, struct proc_counts *c)
{
	struct xc_imgr r;
	const void *p;
	uint32_t k, l;
	char name[64];
	int err;

	snprintf(name, sizeof(name), "proc-%u.img", pid);
	err = xc_imgr_open(s->ctx, &r, dirfd, name, XC_FILE_PROC);
	if (err)
		return err;
	while (xc_imgr_next(&r, &k, &p, &l) > 0) {
		if (!len_ok(k, l))
			continue;
		c->threads += k == XC_REC_THREAD;
		c->fds += k == XC_REC_FD;
		c->vmas += k == XC_REC_VMA;
		if (k == XC_REC_PAGE_RUNS)
			for (uint32_t i = 0; i < l / sizeof(struct xc_page_run); i++) {
				const struct xc_page_run *run = (const struct xc_page_run *)p + i;

				if (run->flags & XC_RUN_FORKED)
					c->forked += run->nr_pages;
				else
					c->pages += run->nr_pages;
			}
	}
	xc_imgr_close(&r);
	return 0;
}

/* The System V segments the tree attached (SYSVSHM, inventory.img). */
static void sysv_segments(struct show *s, struct xc_imgr *inv)
{
	const void *p;
	uint32_t k, l;
	bool any = false;

	xc_imgr_rewind(inv);
	if (s->json) {
		printf(",\"sysv_segments\":[");
		s->first = true;
	}
	while (xc_imgr_next(inv, &k, &p, &l) > 0) {
		const struct xc_rec_sysvshm *g = p;

		if (k != XC_REC_SYSVSHM || l < sizeof(*g))
			continue;
		if (s->json) {
			sep(s);
			printf("{\"id\":%u,\"key\":%d,\"size\":%llu,\"mode\":%u,\"uid\":%u,"
			       "\"gid\":%u,\"removed\":%s,\"locked\":%s,\"stored_bytes\":%llu}",
			       g->id, g->key, (unsigned long long)g->size, g->mode, g->uid, g->gid,
			       g->flags & XC_SHM_RMID ? "true" : "false",
			       g->flags & XC_SHM_LOCKED ? "true" : "false",
			       (unsigned long long)g->data_len);
			continue;
		}
		if (!any)
			printf("\nSystem V segments:\n");
		any = true;
		printf("  id %u, key %#x, %llu bytes, mode %04o, owner %u:%u%s%s, %llu bytes stored\n",
		       g->id, (unsigned)g->key, (unsigned long long)g->size, g->mode, g->uid, g->gid,
		       g->flags & XC_SHM_RMID ? ", marked for removal" : "",
		       g->flags & XC_SHM_LOCKED ? ", locked" : "", (unsigned long long)g->data_len);
	}
	if (s->json)
		printf("]");
}

/* Every process of the image, in the image's order (parents first). */
static int processes(struct show *s, struct xc_imgr *inv, int dirfd)
{
	const void *p;
	uint32_t k, l;
	int err = 0;

	xc_imgr_rewind(inv);
	if (s->json) {
		printf(",\"processes\":[");
		s->first = true;
	} else {
		printf("\nprocesses:\n");
	}
	while (!err && xc_imgr_next(inv, &k, &p, &l) > 0) {
		const struct xc_rec_process *pr = p;
		struct proc_counts c = { 0 };
		bool zombie;

		if (k != XC_REC_PROCESS || l != sizeof(*pr))
			continue;
		zombie = pr->flags & XC_PROC_ZOMBIE;
		if (!zombie)
			err = count_proc(s, dirfd, pr->pid, &c);
		if (err)
			break;
		if (s->json) {
			sep(s);
			printf("{\"pid\":%u,\"ppid\":%u,\"pgid\":%u,\"sid\":%u,\"comm\":", pr->pid,
			       pr->ppid, pr->pgid, pr->sid);
			jstr(pr->comm, sizeof(pr->comm));
			printf(",\"zombie\":%s,\"threads\":%llu,\"fds\":%llu,\"mappings\":%llu,"
			       "\"pages\":%llu,\"pages_forked\":%llu}", zombie ? "true" : "false",
			       (unsigned long long)c.threads, (unsigned long long)c.fds,
			       (unsigned long long)c.vmas, (unsigned long long)c.pages,
			       (unsigned long long)c.forked);
		} else if (zombie) {
			printf("  pid %u (%.16s), parent %u: zombie, exit status %#x\n", pr->pid,
			       pr->comm, pr->ppid, pr->exit_status);
		} else {
			printf("  pid %u (%.16s), parent %u, session %u, group %u: %llu thread%s, "
			       "%llu fds, %llu mappings, %llu pages (%llu MiB)", pr->pid, pr->comm,
			       pr->ppid, pr->sid, pr->pgid, (unsigned long long)c.threads,
			       c.threads == 1 ? "" : "s", (unsigned long long)c.fds,
			       (unsigned long long)c.vmas, (unsigned long long)c.pages,
			       (unsigned long long)(c.pages * (uint64_t)sysconf(_SC_PAGESIZE) >> 20));
			if (c.forked)
				printf(", %llu more kept in the parent process (shared since fork)",
				       (unsigned long long)c.forked);
			printf("\n");
		}
	}
	if (s->json)
		printf("]");
	return err;
}

int xc_show(struct xc_ctx *ctx)
{
	struct show s = { .ctx = ctx, .json = ctx->json, .first = true };
	struct xc_imgr inv, proc;
	const struct xc_rec_process *pr = NULL;
	char name[64];
	const void *p;
	uint32_t k, l;
	int dirfd, err;

	dirfd = open(ctx->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return xc_fail(ctx, 0, ctx->dir, "open image directory", -errno);
	err = xc_imgr_open(ctx, &inv, dirfd, "inventory.img", XC_FILE_INVENTORY);
	if (err) {
		close(dirfd);
		return err;
	}
	while (xc_imgr_next(&inv, &k, &p, &l) > 0)
		if (k == XC_REC_PROCESS && l == sizeof(*pr) && !pr)
			pr = p;		/* the root; its descendants follow */
	if (!pr) {
		xc_imgr_close(&inv);
		close(dirfd);
		ctx->exit_hint = XC_EXIT_IMAGE;
		return xc_fail(ctx, 0, "inventory.img", "no process record", -EBADMSG);
	}
	snprintf(name, sizeof(name), "proc-%u.img", pr->pid);
	err = xc_imgr_open(ctx, &proc, dirfd, name, XC_FILE_PROC);
	if (err) {
		xc_imgr_close(&inv);
		close(dirfd);
		return err;
	}
	summary(&s, &inv, &proc);
	err = processes(&s, &inv, dirfd);
	if (!err)
		sysv_segments(&s, &inv);
	close(dirfd);
	if (err) {
		xc_imgr_close(&proc);
		xc_imgr_close(&inv);
		return err;
	}
	section(&s, &proc, XC_REC_VMA, s.json ? "mappings" : "\nmappings");
	section(&s, &proc, XC_REC_FD, s.json ? "fds" : "\nfile descriptors");
	section(&s, &proc, XC_REC_EVENTFD, s.json ? "event_objects" : "\nevent objects");
	section(&s, &proc, XC_REC_UNIXSK, s.json ? "unix_sockets" : "\nunix sockets");
	section(&s, &proc, XC_REC_LOCK, s.json ? "locks" : "\nfile locks");
	section(&s, &proc, XC_REC_INETSK, s.json ? "inet_sockets" : "\ninet sockets");
	section(&s, &proc, XC_REC_GHOST, s.json ? "nameless_files" : "\nfiles saved whole (deleted, memfd)");
	section(&s, &proc, XC_REC_FIFO, s.json ? "fifos" : "\nFIFO contents");
	section(&s, &proc, XC_REC_REGS, s.json ? "registers" : "\nregisters (" ARCH_NAME ")");
	section(&s, &proc, XC_REC_BACKTRACE, s.json ? "stack" : "\nstack at dump");
	show_plugins(&s, &proc);
	if (s.json)
		printf("}\n");
	xc_imgr_close(&proc);
	xc_imgr_close(&inv);
	return 0;
}
