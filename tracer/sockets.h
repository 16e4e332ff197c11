/* Sockets on the dump side: what sockets.c (the fd hook and the family
 * dispatch) shares with the per-family files sk-unix.c and sk-queue.c. */
#ifndef XC_TRACER_SOCKETS_H
#define XC_TRACER_SOCKETS_H

#include "tracer/proc/sockdiag.h"
#include "tracer/tracer.h"

/* A queue read without consuming it: packets and their bytes. */
struct xc_skq {
	struct xc_skpacket *pk;
	uint32_t nr;
	uint8_t *data;
	size_t len;
};

struct xc_usk {
	struct xc_rec_unixsk rec;
	int fd;				/* first target fd that holds it, for messages */
	const struct xc_unix_diag *diag;
	struct xc_skq q;
};

struct xc_isk {
	struct xc_rec_inetsk rec;
	int fd;				/* first target fd that holds it, for messages */
	int sk;				/* REPAIR: our copy, read under the lock */
	bool repair;			/* TCP_REPAIR on */
	struct xc_skq q, sq;		/* REPAIR: receive and send queues */
};

struct xc_sk {
	int pidfd;
	bool have_unix_tab;
	struct xc_unix_diag_tab unix_tab;
	struct xc_usk *usk;
	size_t nr_usk, cap_usk;
	struct xc_isk *isk;
	size_t nr_isk, cap_isk;
	char netlock[32];		/* the table blocking established connections */
	struct xc_rec_skopt *opts;	/* sk-opts.c: options the program set */
	size_t nr_opts;
};

/* sk-opts.c: options of socket ino that differ from a new socket's. */
int dump_sk_opts(struct xc_dump *d, int fd, int sk, uint64_t ino, int family, int type,
		 int protocol, bool established);
int dump_sk_opts_put(struct xc_dump *d, uint64_t ino);
/* sk-unix.c */
int dump_unix_sk(struct xc_dump *d, int fd, int sk, uint64_t ino, uint32_t scm_fds);
int dump_unix_check(struct xc_dump *d);
int dump_unix_put(struct xc_dump *d);
/* sk-inet.c */
int dump_inet_sk(struct xc_dump *d, int fd, int sk, int family, uint64_t ino);
int dump_inet_check(struct xc_dump *d);
int dump_inet_put(struct xc_dump *d);
void dump_inet_free(struct xc_sk *s);
/* sk-queue.c: packets queued on sk (a copy of the target's socket), read
 * with MSG_PEEK from SO_PEEK_OFF 0; the socket's own peek offset is put
 * back. *step names what failed. */
#define XC_SKQ_UDP (-1)	/* xc_skq_peek type: UDP datagrams */
int xc_skq_peek(int sk, int type, struct xc_skq *q, const char **step);
void xc_skq_free(struct xc_skq *q);
int xc_skq_put(struct xc_dump *d, uint64_t ino, const struct xc_skq *q);
/* sk-udp.c: a UDP socket's unread datagrams, or a refusal naming why. */
int dump_udp_queue(struct xc_dump *d, struct xc_isk *s, int sk);

#endif
