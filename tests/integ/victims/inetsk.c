/* Victim: IPv4 and IPv6 sockets. MODE plain: TCP listeners (v4 with
 * SO_REUSEADDR, v6-only with TCP_NODELAY and keepalive timings), a closed
 * TCP socket, UDP sockets bound and connected. MODE established / est6: a
 * TCP connection over loopback with unread data both ways, and a send
 * queue that the peer's small window holds back (sent and never sent).
 * Ports are the kernel's choice. On SIGUSR1 it checks that addresses,
 * options and every queued byte came back exactly once, then makes every
 * socket talk both ways, and prints PASS or the first FAIL.
 *
 * usage: inetsk MODE DIR */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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

static socklen_t loop_addr(struct sockaddr_storage *ss, int family, int port)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (void *)ss;
		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		a->sin6_port = htons(port);
		return sizeof(*a);
	}
	struct sockaddr_in *a = (void *)ss;
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a->sin_port = htons(port);
	return sizeof(*a);
}

static int port_of(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	CHECK(!getsockname(fd, (struct sockaddr *)&ss, &sl), "getsockname");
	return ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
						 ((struct sockaddr_in *)&ss)->sin_port);
}

static int opt(int fd, int level, int name)
{
	int v = -1;
	socklen_t sl = sizeof(v);

	CHECK(!getsockopt(fd, level, name, &v, &sl), "getsockopt %d", name);
	return v;
}

static void setopt(int fd, int level, int name, int v)
{
	CHECK(!setsockopt(fd, level, name, &v, sizeof(v)), "setsockopt %d", name);
}

static int listener(int family)
{
	struct sockaddr_storage ss;
	int fd = socket(family, SOCK_STREAM, 0);

	CHECK(fd >= 0, "socket");
	if (family == AF_INET6)
		setopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
	CHECK(!bind(fd, (struct sockaddr *)&ss, loop_addr(&ss, family, 0)), "bind");
	CHECK(!listen(fd, 5), "listen");
	return fd;
}

static int connect_to(int family, int port)
{
	struct sockaddr_storage ss;
	int fd = socket(family, SOCK_STREAM, 0);

	CHECK(fd >= 0 && !connect(fd, (struct sockaddr *)&ss, loop_addr(&ss, family, port)),
	      "connect to %d", port);
	return fd;
}

static void put(int fd, const char *s)
{
	CHECK(send(fd, s, strlen(s), 0) == (ssize_t)strlen(s), "send %s", s);
}

static void expect(int fd, const char *s)
{
	char buf[256];
	size_t n = strlen(s), got = 0;

	while (got < n) {
		ssize_t r = recv(fd, buf + got, n - got, 0);
		CHECK(r > 0, "fd %d: got %zu of '%s'", fd, got, s);
		got += r;
	}
	CHECK(!memcmp(buf, s, n), "fd %d: got '%.*s', want '%s'", fd, (int)n, buf, s);
}

static void nothing_more(int fd)
{
	char c;

	CHECK(recv(fd, &c, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN, "fd %d: more data", fd);
}

static void talk(int a, int b, const char *what)
{
	char m1[64], m2[64];

	snprintf(m1, sizeof(m1), "%s ->", what);
	snprintf(m2, sizeof(m2), "%s <-", what);
	put(a, m1);
	put(b, m2);
	expect(b, m1);
	expect(a, m2);
}

static void accept_talk(int lis, int family, const char *what)
{
	int c = connect_to(family, port_of(lis)), s = accept(lis, NULL, NULL);

	CHECK(s >= 0, "accept");
	talk(c, s, what);
	close(c);
	close(s);
}

static int run_plain(const char *dir)
{
	struct sockaddr_storage ss;
	int l4 = listener(AF_INET), l6, closed, u4, u6a, u6b, p4, p6, pu4, pu6;
	char buf[64];

	setopt(l4, SOL_SOCKET, SO_REUSEADDR, 1);
	l6 = socket(AF_INET6, SOCK_STREAM, 0);
	setopt(l6, IPPROTO_IPV6, IPV6_V6ONLY, 1);
	setopt(l6, IPPROTO_TCP, TCP_NODELAY, 1);
	setopt(l6, SOL_SOCKET, SO_KEEPALIVE, 1);
	setopt(l6, IPPROTO_TCP, TCP_KEEPIDLE, 77);
	setopt(l6, SOL_SOCKET, SO_RCVBUF, 65536);
	CHECK(!bind(l6, (struct sockaddr *)&ss, loop_addr(&ss, AF_INET6, 0)), "bind v6");
	CHECK(!listen(l6, 3), "listen v6");
	closed = socket(AF_INET, SOCK_STREAM, 0);
	u4 = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(!bind(u4, (struct sockaddr *)&ss, loop_addr(&ss, AF_INET, 0)), "bind udp");
	u6a = socket(AF_INET6, SOCK_DGRAM, 0);
	CHECK(!bind(u6a, (struct sockaddr *)&ss, loop_addr(&ss, AF_INET6, 0)), "bind udp6");
	u6b = socket(AF_INET6, SOCK_DGRAM, 0);
	CHECK(!connect(u6b, (struct sockaddr *)&ss, loop_addr(&ss, AF_INET6, port_of(u6a))),
	      "connect udp6");
	p4 = port_of(l4);
	p6 = port_of(l6);
	pu4 = port_of(u4);
	pu6 = port_of(u6b);
	{
		char path[4096];
		FILE *f;
		snprintf(path, sizeof(path), "%s/port", dir);
		f = fopen(path, "w");
		CHECK(f && fprintf(f, "%d\n", p4) > 0 && !fclose(f), "port file");
	}

	signal(SIGUSR1, on_usr1);
	victim_ready(dir);
	while (!go)
		pause();

	CHECK(port_of(l4) == p4 && port_of(l6) == p6, "listener ports");
	CHECK(port_of(u4) == pu4 && port_of(u6b) == pu6, "udp ports");
	CHECK(opt(l4, SOL_SOCKET, SO_REUSEADDR) == 1, "reuseaddr");
	CHECK(opt(l6, SOL_SOCKET, SO_REUSEADDR) == 0, "reuseaddr gained");
	CHECK(opt(l6, IPPROTO_IPV6, IPV6_V6ONLY) == 1, "v6only");
	CHECK(opt(l6, IPPROTO_TCP, TCP_NODELAY) == 1, "nodelay");
	CHECK(opt(l6, SOL_SOCKET, SO_KEEPALIVE) == 1, "keepalive");
	CHECK(opt(l6, IPPROTO_TCP, TCP_KEEPIDLE) == 77, "keepidle");
	CHECK(opt(l6, SOL_SOCKET, SO_RCVBUF) == 131072, "rcvbuf %d", opt(l6, SOL_SOCKET, SO_RCVBUF));
	CHECK(opt(l6, SOL_SOCKET, SO_ACCEPTCONN) == 1, "listening");
	CHECK(opt(closed, SOL_SOCKET, SO_TYPE) == SOCK_STREAM && port_of(closed) == 0, "closed");
	accept_talk(l4, AF_INET, "v4");
	accept_talk(l6, AF_INET6, "v6");
	/* The connected UDP socket talks to its peer both ways. */
	put(u6b, "udp ->");
	CHECK(recv(u6a, buf, sizeof(buf), 0) == 6 && !memcmp(buf, "udp ->", 6), "udp6 recv");
	CHECK(sendto(u6a, "udp <-", 6, 0, (struct sockaddr *)&ss, loop_addr(&ss, AF_INET6, pu6)) == 6,
	      "udp6 reply");
	CHECK(recv(u6b, buf, sizeof(buf), 0) == 6 && !memcmp(buf, "udp <-", 6), "udp6 answer");
	/* Its address came from connect(), which leaves IPV6_V6ONLY at 0 (a
	 * bind to ::1 would have set it): it may still send to IPv4. */
	CHECK(opt(u6b, IPPROTO_IPV6, IPV6_V6ONLY) == 0, "connected v6 socket became v6-only");
	CHECK(sendto(u6b, "x", 1, 0, (struct sockaddr *)&ss, loop_addr(&ss, AF_INET, pu4)) == 1,
	      "a connected v6 socket could not send to a v4 address");
	printf("PASS\n");
	return 0;
}

static unsigned char pattern(size_t i) { return (unsigned char)(i * 7 % 251); }

static int run_established(int family, const char *dir)
{
	int lis = listener(family), cli, srv, flags;
	unsigned char *buf = malloc(1 << 20);
	size_t total = 0, got = 0;

	setopt(lis, SOL_SOCKET, SO_RCVBUF, 4096);	/* inherited: a small window */
	setopt(lis, SOL_SOCKET, SO_REUSEADDR, 1);	/* inherited too */
	cli = connect_to(family, port_of(lis));
	srv = accept(lis, NULL, NULL);
	CHECK(srv >= 0 && buf, "accept");
	setopt(cli, IPPROTO_TCP, TCP_NODELAY, 1);
	put(srv, "unread s2c");
	/* Fill the server's window and the client's send buffer: part of it
	 * is sent and waits in the server, part was never sent. */
	flags = fcntl(cli, F_GETFL);
	fcntl(cli, F_SETFL, flags | O_NONBLOCK);
	for (;;) {
		unsigned char chunk[4096];
		for (size_t i = 0; i < sizeof(chunk); i++)
			chunk[i] = pattern(total + i);
		ssize_t n = send(cli, chunk, sizeof(chunk), 0);
		if (n < 0 && errno == EAGAIN)
			break;
		CHECK(n > 0, "fill");
		total += n;
		CHECK(total < (64 << 20), "the window never closed");
	}
	fcntl(cli, F_SETFL, flags);
	usleep(100000);

	signal(SIGUSR1, on_usr1);
	victim_ready(dir);
	while (!go)
		pause();

	expect(cli, "unread s2c");
	nothing_more(cli);
	while (got < total) {
		ssize_t n = recv(srv, buf, 1 << 20, 0);
		CHECK(n > 0, "read the stream at %zu of %zu", got, total);
		for (ssize_t i = 0; i < n; i++)
			CHECK(buf[i] == pattern(got + i), "byte %zu differs", got + i);
		got += n;
	}
	usleep(100000);
	nothing_more(srv);
	CHECK(opt(cli, IPPROTO_TCP, TCP_NODELAY) == 1, "nodelay");
	CHECK(opt(srv, SOL_SOCKET, SO_REUSEADDR) == 1, "reuseaddr of the accepted end");
	CHECK(opt(cli, SOL_SOCKET, SO_REUSEADDR) == 0, "reuseaddr gained");
	talk(cli, srv, "established");
	talk(srv, cli, "established back");
	accept_talk(lis, family, "listener");
	printf("PASS %zu bytes\n", total);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	close_range(3, ~0U, 0);
	if (!strcmp(argv[1], "plain"))
		return run_plain(argv[2]);
	if (!strcmp(argv[1], "established"))
		return run_established(AF_INET, argv[2]);
	if (!strcmp(argv[1], "est6"))
		return run_established(AF_INET6, argv[2]);
	return 2;
}
