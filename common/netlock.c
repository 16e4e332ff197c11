/* nftables through the nft command: a table "inet NAME" with an input and
 * an output chain at priority -300 (before conntrack and any filter of the
 * host), each dropping the packets of the locked connections. Deleting the
 * table lifts the lock at once. */
#define LOG_PREFIX "netlock: "
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "common/netlock.h"

static int rule(char *buf, size_t cap, const struct xc_netlock_conn *c, bool in)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	const char *ip = c->family == AF_INET6 ? "ip6" : "ip";

	inet_ntop(c->family, c->src, s, sizeof(s));
	inet_ntop(c->family, c->dst, d, sizeof(d));
	/* Input: from the peer to us; output: from us to the peer. */
	if (in)
		return snprintf(buf, cap, "  %s saddr %s %s daddr %s tcp sport %u tcp dport %u drop\n",
				ip, d, ip, s, c->dport, c->sport);
	return snprintf(buf, cap, "  %s saddr %s %s daddr %s tcp sport %u tcp dport %u drop\n", ip,
			s, ip, d, c->sport, c->dport);
}

int xc_netlock_script(char *buf, size_t cap, const char *name,
		      const struct xc_netlock_conn *conns, size_t n)
{
	size_t len = 0;
	int w;

	for (int pass = 0; pass < 2; pass++) {
		w = snprintf(buf + len, cap - len,
			     pass ? " chain out {\n  type filter hook output priority -300; policy accept;\n" :
				    "table inet %s {\n chain in {\n  type filter hook input priority -300; policy accept;\n",
			     name);
		if (w < 0 || (size_t)w >= cap - len)
			return -ENOSPC;
		len += w;
		/* Loopback connections pass both hooks twice, once per end. */
		for (size_t i = 0; i < n; i++)
			for (int dir = 0; dir < 2; dir++) {
				w = rule(buf + len, cap - len, &conns[i], dir == 0);
				if (w < 0 || (size_t)w >= cap - len)
					return -ENOSPC;
				len += w;
			}
		w = snprintf(buf + len, cap - len, " }\n%s", pass ? "}\n" : "");
		if (w < 0 || (size_t)w >= cap - len)
			return -ENOSPC;
		len += w;
	}
	return (int)len;
}

/* nft -f - with script on its stdin; its output goes to the debug log. */
static int run_nft(const char *script, const char *const argv[], const char **why)
{
	int in[2], out[2], status;
	char msg[512];
	ssize_t n;
	pid_t pid;

	if (pipe2(in, O_CLOEXEC))
		return *why = "pipe", -errno;
	if (pipe2(out, O_CLOEXEC)) {
		int err = -errno;
		close(in[0]);
		close(in[1]);
		return *why = "pipe", err;
	}
	pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(out[1], 2);
		execvp("nft", (char *const *)argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	if (pid > 0 && script && write(in[1], script, strlen(script)) < 0)
		xc_debug("write to nft: %s", strerror(errno));
	close(in[1]);
	n = pid > 0 ? read(out[0], msg, sizeof(msg) - 1) : 0;
	close(out[0]);
	if (pid < 0)
		return *why = "fork", -errno;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (n > 0) {
		msg[n] = 0;
		xc_debug("nft: %s", msg);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return *why = "run nft (is nftables installed?)", -ENOENT;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return *why = "nft refused the rules", -EIO;
	return 0;
}

int xc_netlock_add(const char *name, const struct xc_netlock_conn *conns, size_t n,
		   const char **why)
{
	static const char *const argv[] = { "nft", "-f", "-", NULL };
	size_t cap = 512 + n * 512;
	char *script = malloc(cap);
	int err;

	if (!script)
		return *why = "allocate", -ENOMEM;
	err = xc_netlock_script(script, cap, name, conns, n);
	if (err < 0)
		*why = "build the rules";
	else
		err = run_nft(script, argv, why);
	free(script);
	return err;
}

int xc_netlock_del(const char *name, const char **why)
{
	const char *argv[] = { "nft", "delete", "table", "inet", name, NULL };

	return run_nft(NULL, argv, why);
}
