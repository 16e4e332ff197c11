/* Victim: unix sockets of every kind the dump takes, each with state that
 * must survive: queued data in both directions (exactly once, in order,
 * packet boundaries and senders kept), a listener with one accepted
 * connection and one client still in its backlog (path and abstract
 * names), a connected and an unconnected datagram socket, a pair whose
 * other end was closed, file status flags and socket options. On SIGUSR1
 * it checks everything, then makes each connection talk both ways, and
 * prints PASS or the first FAIL.
 *
 * usage: unixsk DIR */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "ready.h"

static volatile sig_atomic_t go;
static void on_usr1(int sig) { go = 1; }

#define CHECK(c, ...)                                                          \
	do {                                                                   \
		if (!(c)) {                                                    \
			printf("FAIL line %d: ", __LINE__);                    \
			printf(__VA_ARGS__);                                   \
			printf(" (errno %s)\n", strerror(errno));              \
			exit(1);                                               \
		}                                                              \
	} while (0)

static socklen_t addr(struct sockaddr_un *sa, const char *name, bool abstract)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (abstract) {
		memcpy(sa->sun_path + 1, name, strlen(name));
		return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name);
	}
	strcpy(sa->sun_path, name);
	return offsetof(struct sockaddr_un, sun_path) + strlen(name) + 1;
}

static void put(int fd, const char *s)
{
	CHECK(send(fd, s, strlen(s), MSG_DONTWAIT) == (ssize_t)strlen(s), "send %s", s);
}

/* Reads exactly s from fd, and then nothing more is queued. */
static void expect(int fd, const char *s, bool last)
{
	char buf[65536];
	size_t n = strlen(s), got = 0;

	while (got < n) {
		ssize_t r = recv(fd, buf + got, n - got, MSG_DONTWAIT);
		CHECK(r > 0, "fd %d: read %zu of '%s'", fd, got, s);
		got += r;
	}
	CHECK(!memcmp(buf, s, n), "fd %d: got '%.*s', want '%s'", fd, (int)n, buf, s);
	if (last)
		CHECK(recv(fd, buf, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN, "fd %d: more data", fd);
}

/* One packet, exactly s, from sender from ("" unnamed, NULL: unchecked). */
static void expect_pkt(int fd, const char *s, const char *from)
{
	char buf[4096];
	struct sockaddr_un sa;
	socklen_t sl = sizeof(sa);
	ssize_t r = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&sa, &sl);

	CHECK(r == (ssize_t)strlen(s) && !memcmp(buf, s, r), "fd %d: packet '%.*s', want '%s'", fd,
	      (int)(r > 0 ? r : 0), buf, s);
	if (from && !*from)
		CHECK(sl <= offsetof(struct sockaddr_un, sun_path), "fd %d: sender named", fd);
	else if (from)
		CHECK(!strcmp(sa.sun_path, from), "fd %d: sender '%s', want '%s'", fd, sa.sun_path,
		      from);
}

static void talk(int a, int b, const char *what)
{
	char m1[64], m2[64];

	snprintf(m1, sizeof(m1), "%s ->", what);
	snprintf(m2, sizeof(m2), "%s <-", what);
	put(a, m1);
	put(b, m2);
	expect(b, m1, true);
	expect(a, m2, true);
}

static int sock(int type)
{
	int fd = socket(AF_UNIX, type, 0);

	CHECK(fd >= 0, "socket");
	return fd;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa;
	socklen_t sl;
	char path[256], dpath[256], abs_name[64];
	int st[2], dg[2], sp[2], gone[2];
	int lone, bound, lis, acc, cli, waiting, alis, aacc, acli, dsrv, dcli, dcon, dup_fd, v;
	struct stat sb;

	if (argc != 2)
		return 2;
	close_range(3, ~0U, 0);
	snprintf(path, sizeof(path), "%s/listen.sock", argv[1]);
	snprintf(dpath, sizeof(dpath), "%s/dgram.sock", argv[1]);
	snprintf(abs_name, sizeof(abs_name), "xckpt-test-%d", getpid());

	/* Pairs of each type, data queued both ways. */
	CHECK(!socketpair(AF_UNIX, SOCK_STREAM, 0, st), "socketpair stream");
	put(st[0], "stream a->b 1");
	put(st[0], "stream a->b 2");
	put(st[1], "stream b->a");
	CHECK(!socketpair(AF_UNIX, SOCK_DGRAM, 0, dg), "socketpair dgram");
	put(dg[0], "dgram 1");
	put(dg[0], "dgram 2");
	put(dg[1], "dgram back");
	CHECK(!socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp), "socketpair seqpacket");
	put(sp[0], "seq 1");
	put(sp[0], "seq 22");
	put(sp[1], "seq back");
	/* Nonblocking, one dup sharing it, a bigger receive buffer, a peek
	 * offset in use. */
	CHECK(!fcntl(st[1], F_SETFL, O_NONBLOCK), "nonblock");
	dup_fd = dup(st[1]);
	v = 300000;
	CHECK(!setsockopt(st[0], SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)), "rcvbuf");
	v = 1;
	CHECK(!setsockopt(sp[1], SOL_SOCKET, SO_PASSCRED, &v, sizeof(v)), "passcred");
	v = 3;
	CHECK(!setsockopt(dg[1], SOL_SOCKET, SO_PEEK_OFF, &v, sizeof(v)), "peek_off");
	/* A pair whose other end is closed: data then end of stream. */
	CHECK(!socketpair(AF_UNIX, SOCK_STREAM, 0, gone), "socketpair gone");
	put(gone[1], "last words");
	close(gone[1]);

	/* A new socket, and one bound but not listening. */
	lone = sock(SOCK_STREAM);
	bound = sock(SOCK_SEQPACKET);
	addr(&sa, "", true);
	CHECK(!bind(bound, (struct sockaddr *)&sa, sizeof(sa_family_t)), "autobind");

	/* A path listener: one accepted connection, one in the backlog. */
	lis = sock(SOCK_STREAM);
	CHECK(!bind(lis, (struct sockaddr *)&sa, addr(&sa, path, false)), "bind %s", path);
	CHECK(!chmod(path, 0640), "chmod");
	CHECK(!listen(lis, 7), "listen");
	cli = sock(SOCK_STREAM);
	CHECK(!connect(cli, (struct sockaddr *)&sa, addr(&sa, path, false)), "connect");
	acc = accept(lis, NULL, NULL);
	CHECK(acc >= 0, "accept");
	put(cli, "to server");
	put(acc, "to client");
	waiting = sock(SOCK_STREAM);
	CHECK(!connect(waiting, (struct sockaddr *)&sa, addr(&sa, path, false)), "connect 2");
	/* The same under an abstract name. */
	alis = sock(SOCK_SEQPACKET);
	CHECK(!bind(alis, (struct sockaddr *)&sa, addr(&sa, abs_name, true)), "bind abstract");
	CHECK(!listen(alis, 3), "listen abstract");
	acli = sock(SOCK_SEQPACKET);
	CHECK(!connect(acli, (struct sockaddr *)&sa, addr(&sa, abs_name, true)), "connect abs");
	aacc = accept(alis, NULL, NULL);
	CHECK(aacc >= 0, "accept abstract");
	put(acli, "abs hello");

	/* A datagram server on a path: datagrams from an unnamed sender and
	 * from a client connected to it one way. */
	dsrv = sock(SOCK_DGRAM);
	CHECK(!bind(dsrv, (struct sockaddr *)&sa, addr(&sa, dpath, false)), "bind dgram");
	dcli = sock(SOCK_DGRAM);
	CHECK(sendto(dcli, "anon", 4, 0, (struct sockaddr *)&sa, addr(&sa, dpath, false)) == 4,
	      "sendto");
	dcon = sock(SOCK_DGRAM);
	CHECK(!connect(dcon, (struct sockaddr *)&sa, addr(&sa, dpath, false)), "connect dgram");
	put(dcon, "connected");

	signal(SIGUSR1, on_usr1);
	victim_ready(argv[1]);
	while (!go)
		pause();

	/* Queues, exactly once, in order. */
	expect(st[1], "stream a->b 1stream a->b 2", true);
	expect(st[0], "stream b->a", true);
	sl = sizeof(v);
	CHECK(!getsockopt(dg[1], SOL_SOCKET, SO_PEEK_OFF, &v, &sl) && v == 3, "peek_off %d", v);
	v = -1;
	CHECK(!setsockopt(dg[1], SOL_SOCKET, SO_PEEK_OFF, &v, sizeof(v)), "peek_off off");
	expect_pkt(dg[1], "dgram 1", NULL);
	expect_pkt(dg[1], "dgram 2", NULL);
	expect_pkt(dg[0], "dgram back", NULL);
	expect_pkt(sp[1], "seq 1", NULL);
	expect_pkt(sp[1], "seq 22", NULL);
	expect_pkt(sp[0], "seq back", NULL);
	expect(gone[0], "last words", false);
	CHECK(recv(gone[0], path + 200, 1, MSG_DONTWAIT) == 0, "end of stream after last words");
	expect(acc, "to server", true);
	expect(cli, "to client", true);
	expect_pkt(aacc, "abs hello", NULL);
	expect_pkt(dsrv, "anon", "");
	expect_pkt(dsrv, "connected", "");

	/* Flags and options. */
	CHECK(fcntl(st[1], F_GETFL) & O_NONBLOCK, "O_NONBLOCK lost");
	CHECK(!(fcntl(st[0], F_GETFL) & O_NONBLOCK), "O_NONBLOCK gained");
	sl = sizeof(v);
	CHECK(!getsockopt(st[0], SOL_SOCKET, SO_RCVBUF, &v, &sl) && v == 600000, "rcvbuf %d", v);
	CHECK(!getsockopt(sp[1], SOL_SOCKET, SO_PASSCRED, &v, &sl) && v == 1, "passcred");
	CHECK(!fstat(dup_fd, &sb) && S_ISSOCK(sb.st_mode), "dup");
	put(st[0], "via dup");
	expect(dup_fd, "via dup", true);
	snprintf(path, sizeof(path), "%s/listen.sock", argv[1]);
	CHECK(!stat(path, &sb) && S_ISSOCK(sb.st_mode) && (sb.st_mode & 0777) == 0640,
	      "socket file mode %o", sb.st_mode);
	sl = sizeof(sa);
	CHECK(!getsockname(acc, (struct sockaddr *)&sa, &sl) && !strcmp(sa.sun_path, path),
	      "accepted socket's name '%s'", sa.sun_path);
	sl = sizeof(sa);
	CHECK(!getsockname(aacc, (struct sockaddr *)&sa, &sl) && !sa.sun_path[0] &&
	      !memcmp(sa.sun_path + 1, abs_name, strlen(abs_name)), "abstract accepted name");

	sl = sizeof(v);
	CHECK(!getsockopt(lone, SOL_SOCKET, SO_TYPE, &v, &sl) && v == SOCK_STREAM, "lone type");
	sl = sizeof(sa);
	CHECK(!getsockname(bound, (struct sockaddr *)&sa, &sl) && sl == 8 && !sa.sun_path[0],
	      "autobound name (length %u)", sl);
	CHECK(listen(bound, 1) == 0, "listen on the bound socket");

	/* Everything still talks both ways. */
	talk(st[0], st[1], "stream");
	talk(dg[0], dg[1], "dgram");
	talk(sp[0], sp[1], "seqpacket");
	talk(cli, acc, "accepted");
	talk(acli, aacc, "abstract");
	{
		int w = accept(lis, NULL, NULL);
		CHECK(w >= 0, "accept the waiting client");
		talk(waiting, w, "backlog");
		int n = sock(SOCK_STREAM);
		CHECK(!connect(n, (struct sockaddr *)&sa, addr(&sa, path, false)), "new connect");
		w = accept(lis, NULL, NULL);
		talk(n, w, "new");
	}
	put(dcon, "again");
	expect_pkt(dsrv, "again", "");
	CHECK(sendto(dcli, "x", 1, 0, (struct sockaddr *)&sa, addr(&sa, dpath, false)) == 1, "dg");
	expect_pkt(dsrv, "x", "");
	printf("PASS\n");
	return 0;
}
