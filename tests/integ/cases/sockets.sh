# Sockets: each kind built, dumped, killed, restored, then checked by the
# victim itself (queues exactly once, names, options) and made to talk.

# Restores $T/img, wakes the victim and waits for its verdict.
sk_restore_check() {
	restore_bg
	[ "$(cat "$T/pidfile")" = "$VPID" ] || fail "restored with pid $(cat "$T/pidfile")"
	kill -USR1 "$VPID"
	wait "$RPID"
	local status=$?
	grep -q '^PASS' "$T/out" || fail "victim did not pass after restore (status $status): $(cat "$T/restore.err")"
	[ "$status" = 0 ] || fail "xckpt restore exited $status"
}

t_unix_sockets() {	# every unix socket kind, queues both ways, backlog, names
	start "$VICTIMS/unixsk" "$T"
	dump_kill
	sk_restore_check
	pass
}

t_unix_sockets_leave_running() {	# reading the queues leaves them as they were
	start "$VICTIMS/unixsk" "$T"
	dump_leave_running
	kill -USR1 "$VPID"
	wait "$VPID"
	grep -q '^PASS' "$T/out" || fail "victim failed after a --leave-running dump"
	pass
}

# A unix stream server outside the dump (python), printing what it gets.
sk_outside_server() {	# PATH
	python3 -c '
import os, socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(4)
open(sys.argv[1] + ".ready", "w").write("1")
while True:
    c, _ = s.accept()
    pid = struct.unpack("3i", c.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))[0]
    open(sys.argv[1] + ".peers", "a").write("%d\n" % pid)	# who connected
    f = c.makefile("rb")
    for line in f:
        open(sys.argv[1] + ".log", "a").write(line.decode())
        c.sendall(b"ack " + line)
' "$1" &
	PIDS+=($!)
	wait_for "$1.ready"
}

# A client of that server: says "before", waits for SIGUSR1, says "after"
# on the same socket and checks the answer.
sk_outside_client() {	# PATH
	start python3 -c '
import os, signal, socket, sys
os.closerange(3, 4096)
signal.signal(signal.SIGUSR1, lambda *a: None)
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
c.connect(sys.argv[1])
f = c.makefile("rb")
c.sendall(b"before\n")
assert f.readline() == b"ack before\n"
open(sys.argv[2] + "/ready", "w").write(str(os.getpid()))
signal.pause()
c.sendall(b"after\n")
print("PASS" if f.readline() == b"ack after\n" else "FAIL: no answer", flush=True)
' "$1" "$T"
}

t_unix_outside_peer() {	# refused without --ext-unix-sk, target left running
	sk_outside_server "$T/srv.sock"
	sk_outside_client "$T/srv.sock"
	out=$("$XCKPT" dump --pid "$VPID" -D "$T/img" 2>&1)
	[ $? = 4 ] || fail "expected exit 4: $out"
	echo "$out" | grep -q "pid $VPID: fd [0-9]* (socket:\[[0-9]*\]): peer is outside the dump" ||
		fail "unclear error: $out"
	[ "$(echo "$out" | wc -l)" = 1 ] || fail "more than one error line: $out"
	[ -e "$T/img" ] && fail "image directory created"
	grep -q '^TracerPid:[[:space:]]*0$' "/proc/$VPID/status" || fail "target still traced"
	kill -USR1 "$VPID"
	wait "$VPID"
	grep -q '^PASS' "$T/out" || fail "target's connection broken by the refused dump"
	pass
}

t_unix_ext_peer() {	# --ext-unix-sk: connected again to the outside server's name
	sk_outside_server "$T/srv.sock"
	sk_outside_client "$T/srv.sock"
	dump_kill --ext-unix-sk
	sk_restore_check
	[ "$(cat "$T/srv.sock.log")" = "$(printf 'before\nafter')" ] || fail "server got: $(cat "$T/srv.sock.log")"
	# The connection made again at restore is the restored process's,
	# as SO_PEERCRED tells the server, not xckpt's.
	[ "$(cat "$T/srv.sock.peers")" = "$(printf '%s\n%s' "$VPID" "$VPID")" ] ||
		fail "the server's peers: $(cat "$T/srv.sock.peers"), not $VPID twice"
	pass
}

t_unix_path_taken() {	# the listener's path taken at restore time: one clear error
	start "$VICTIMS/unixsk" "$T"
	dump_kill
	python3 -c '
import os, socket, sys, time
os.unlink(sys.argv[1])
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
open(sys.argv[1] + ".ready", "w").write("1")
time.sleep(600)' "$T/listen.sock" &
	PIDS+=($!)
	wait_for "$T/listen.sock.ready"
	out=$("$XCKPT" restore -D "$T/img" 2>&1)
	[ $? != 0 ] || fail "restore succeeded"
	echo "$out" | grep -q "restore pid $VPID: socket:\[[0-9]*\]: address in use" ||
		fail "unclear error: $out"
	[ "$(echo "$out" | wc -l)" = 1 ] || fail "more than one error line: $out"
	kill -0 "$VPID" 2>/dev/null && fail "half-restored process left behind"
	pass
}

t_inet_sockets() {	# TCP listeners v4/v6 with options, closed TCP, UDP bound and connected
	start "$VICTIMS/inetsk" plain "$T"
	dump_kill
	sk_restore_check
	pass
}

# A failed test may leave its dump's network locks (one per dumped process
# with connections): remove them on exit.
sk_unlock_on_exit() {
	trap 'for t in $(nft list tables 2>/dev/null | awk "{print \$3}"); do
		for p in $VPID $(ls "$T/img" 2>/dev/null | sed -n "s/^proc-\([0-9]*\)\.img$/\1/p"); do
			case $t in xckpt_${p}_*) nft delete table inet "$t" ;; esac
		done
	done; cleanup' EXIT
}

t_tcp_established() {	# both ends in the process, queues both ways, sent and unsent data
	start "$VICTIMS/inetsk" established "$T"
	sk_unlock_on_exit
	dump_kill --tcp-established
	sk_restore_check
	nft list tables | grep -q "xckpt_$VPID" && fail "network lock left after restore"
	pass
}

t_tcp_established6() { # the same over IPv6
	# A connection bound again to its IPv6 address reads IPV6_V6ONLY 1,
	# which the kernel sets on such a bind and no call takes back
	# (image-format.md, 5.8.11); it has no effect on a connection.
	SNAP_IGNORE='^fd\.[0-9]+\.sockopt\.41\.26$'
	start "$VICTIMS/inetsk" est6 "$T"
	sk_unlock_on_exit
	dump_kill --tcp-established
	sk_restore_check
	nft list tables | grep -q "xckpt_$VPID" && fail "network lock left after restore"
	pass
}

# Two network namespaces joined by a veth pair, addresses only inside that
# pair: NS_S (the dumped server) and NS_C (its client, never dumped).
sk_netns() {
	NS_S=xckpt-s$$ NS_C=xckpt-c$$
	local a=$(($$ % 250 + 1)) b=$(($$ / 250 % 250 + 1))
	ADDR_S=10.$a.$b.1 ADDR_C=10.$a.$b.2
	trap 'ip netns del "$NS_S" 2>/dev/null; ip netns del "$NS_C" 2>/dev/null; cleanup' EXIT
	ip netns add "$NS_S" && ip netns add "$NS_C" || fail "ip netns add"
	ip -n "$NS_S" link add vs$$ type veth peer name vc$$ netns "$NS_C" || fail "veth"
	ip -n "$NS_S" addr add "$ADDR_S/30" dev vs$$ && ip -n "$NS_C" addr add "$ADDR_C/30" dev vc$$ &&
		ip -n "$NS_S" link set vs$$ up && ip -n "$NS_C" link set vc$$ up &&
		ip -n "$NS_S" link set lo up || fail "veth addresses"
}

t_tcp_netns_outage() {	# a client elsewhere survives dump, a 3 s outage, restore: no reset, no byte lost
	sk_netns
	# The server: echoes whatever it gets on one connection.
	start ip netns exec "$NS_S" python3 -c '
import os, socket, sys
os.closerange(3, 4096)
s = socket.socket()
s.bind((sys.argv[1], 0))
s.listen(1)
open(sys.argv[2] + "/port", "w").write(str(s.getsockname()[1]))
open(sys.argv[2] + "/ready", "w").write(str(os.getpid()))
c, _ = s.accept()
while True:
    d = c.recv(65536)
    if not d:
        break
    c.sendall(d)
' "$ADDR_S" "$T"
	# The client: numbered lines, each echoed back in order, until told
	# to stop; any error, reset or wrong byte is a FAIL.
	ip netns exec "$NS_C" python3 -c '
import os, socket, sys, time
d = sys.argv[3]
try:
    c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=60)
    f = c.makefile("rb")
    i = 0
    while not os.path.exists(d + "/stop"):
        c.sendall(b"%d %s\n" % (i, b"x" * (i % 300)))
        line = f.readline()
        if line != b"%d %s\n" % (i, b"x" * (i % 300)):
            raise Exception("line %d came back as %r" % (i, line[:40]))
        i += 1
        open(d + "/count.tmp", "w").write(str(i))
        os.rename(d + "/count.tmp", d + "/count")
        time.sleep(0.02)
    print("PASS", i)
except Exception as e:
    print("FAIL", repr(e))
' "$ADDR_S" "$(cat "$T/port")" "$T" >"$T/client.out" 2>&1 &
	PIDS+=($!)
	local cpid=$! n
	wait_for "$T/count"
	sleep 0.3
	ip netns exec "$NS_S" "$XCKPT" dump --pid "$VPID" -D "$T/img" --tcp-established 2>"$T/dump.err" ||
		fail "dump: $(cat "$T/dump.err")"
	wait "$VPID" 2>/dev/null
	n=$(cat "$T/count")
	sleep 3
	[ "$(cat "$T/count")" = "$n" ] || fail "the client got answers while the server was down"
	ip netns exec "$NS_S" "$XCKPT" restore -D "$T/img" --pidfile "$T/pidfile" 2>"$T/restore.err" &
	PIDS+=($!)
	for ((i = 0; i < 600; i++)); do
		[ "$(cat "$T/count")" -ge $((n + 20)) ] 2>/dev/null && break
		kill -0 "$cpid" 2>/dev/null || break
		sleep 0.05
	done
	touch "$T/stop"
	wait "$cpid"
	grep -q '^PASS' "$T/client.out" || fail "client: $(cat "$T/client.out") restore: $(cat "$T/restore.err")"
	[ "$(cat "$T/count")" -ge $((n + 20)) ] || fail "the connection did not carry on after restore"
	ip netns exec "$NS_S" nft list tables | grep -q xckpt && fail "network lock left after restore"
	pass
}

# A refusal: exit 4, one line naming pid, fd and why; the target untouched.
sk_refused() {	# WANT-REGEX dump-options...
	local want=$1 out
	shift
	out=$("$XCKPT" dump --pid "$VPID" -D "$T/img" "$@" 2>&1)
	[ $? = 4 ] || fail "expected exit 4: $out"
	echo "$out" | grep -q "pid $VPID: fd [0-9]* (socket:\[[0-9]*\]): $want" || fail "unclear error: $out"
	[ "$(echo "$out" | wc -l)" = 1 ] || fail "more than one error line: $out"
	[ -e "$T/img" ] && fail "image directory created"
	grep -q '^TracerPid:[[:space:]]*0$' "/proc/$VPID/status" || fail "target still traced"
	nft list tables | grep -q "xckpt_$VPID" && fail "network lock left behind"
}

t_bad_raw_socket() {	# raw and packet sockets are refused by name
	start python3 -c '
import os, socket, sys, time
os.closerange(3, 4096)
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
open(sys.argv[1] + "/ready", "w").write(str(os.getpid()))
time.sleep(600)' "$T"
	sk_refused "raw sockets are not supported"
	pass
}

# Unread datagrams, each from its sender (v4, v6, v4-mapped, another host's,
# one queued before a connect); on SIGUSR1 the victim reads them and talks.
SK_UDP_VICTIM='
import os, signal, socket, struct, sys, time
os.closerange(3, 4096)
signal.signal(signal.SIGUSR1, lambda *a: None)
def spoof(src, sport, dst, dport, data):	# a datagram from another host
    udp = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    raw.sendto(ip + udp, (dst, 0)); raw.close()
r4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); r4.bind(("127.0.0.1", 0))
r6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); r6.bind(("::", 0))
rc = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); rc.bind(("127.0.0.1", 0))
w1 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); w1.bind(("127.0.0.1", 0))
w6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); w6.bind(("::1", 0))
gone = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); gone.bind(("127.0.0.1", 0))
p6 = r6.getsockname()[1]
want = {
    "r4": [(b"first", w1.getsockname()), (b"from a closed socket", gone.getsockname()),
           (b"x" * 60000, w1.getsockname()), (b"another host", ("10.77.0.9", 4444))],
    "r6": [(b"six", w6.getsockname()[:2]), (b"mapped", ("::ffff:127.0.0.1", w1.getsockname()[1]))],
    "rc": [(b"before connect", gone.getsockname()), (b"from the peer", w1.getsockname())],
}
for d, a in want["r4"][:3]:
    (w1 if a == w1.getsockname() else gone).sendto(d, r4.getsockname())
spoof("10.77.0.9", 4444, "127.0.0.1", r4.getsockname()[1], b"another host")
w6.sendto(b"six", ("::1", p6)); w1.sendto(b"mapped", ("127.0.0.1", p6))
gone.sendto(b"before connect", rc.getsockname())
rc.connect(w1.getsockname()); w1.sendto(b"from the peer", rc.getsockname())
rc.setsockopt(socket.SOL_SOCKET, 42, 0)	# SO_PEEK_OFF: peeks go on from 0
gone.close()
time.sleep(0.2)
socks = {"r4": r4, "r6": r6, "rc": rc}
def drain(name):
    s = socks[name]; s.setblocking(False); got = []
    for _ in want[name]:
        d, a = s.recvfrom(65536)
        got.append((d, a[:2]))
    try:
        s.recvfrom(65536); got.append("one too many")
    except BlockingIOError:
        pass
    return got
open(sys.argv[1] + "/ready", "w").write(str(os.getpid()))
signal.pause()
bad = [n for n in want if drain(n) != want[n]]
w1.sendto(b"again", r4.getsockname()); r4.setblocking(True); r4.settimeout(5)
ok = r4.recvfrom(100)[0] == b"again"
rc.send(b"to the peer"); w1.settimeout(5)
ok = ok and w1.recvfrom(100) == (b"to the peer", rc.getsockname())
print("PASS" if not bad and ok else "FAIL %s %s" % (bad, ok))
'

t_udp_queued() {	# unread datagrams come back, each from its sender
	start python3 -c "$SK_UDP_VICTIM" "$T"
	dump_kill
	sk_restore_check
	pass
}

t_udp_queued_leave_running() {	# reading them at dump leaves them all in place
	start python3 -c "$SK_UDP_VICTIM" "$T"
	dump_leave_running
	kill -USR1 "$VPID"
	wait "$VPID"
	grep -q '^PASS' "$T/out" || fail "victim failed after a --leave-running dump: $(cat "$T/out")"
	pass
}

t_sock_options() {	# options a program set come back: listener, UDP v4/v6, unix, connection
	start python3 -c '
import os, signal, socket as S, struct, sys
os.closerange(3, 4096)
signal.signal(signal.SIGUSR1, lambda *a: None)
l = S.socket(); l.bind(("127.0.0.1", 0)); l.listen(2)
c = S.create_connection(l.getsockname()); a, _ = l.accept()
u = S.socket(S.AF_INET, S.SOCK_DGRAM); u.bind(("127.0.0.1", 0))
u6 = S.socket(S.AF_INET6, S.SOCK_DGRAM); u6.bind(("::1", 0))
x, y = S.socketpair()
linger = struct.pack("ii", 1, 5)
opts = [
    (l, S.SOL_SOCKET, S.SO_RCVLOWAT, 10), (l, S.SOL_SOCKET, S.SO_MARK, 7),
    (l, S.IPPROTO_IP, S.IP_TOS, 0x10), (l, S.IPPROTO_IP, S.IP_TTL, 33),
    (l, S.SOL_SOCKET, S.SO_OOBINLINE, 1), (l, S.SOL_SOCKET, S.SO_DONTROUTE, 1),
    (l, S.IPPROTO_TCP, S.TCP_USER_TIMEOUT, 5000), (l, S.IPPROTO_TCP, S.TCP_DEFER_ACCEPT, 3),
    (l, S.IPPROTO_TCP, S.TCP_MAXSEG, 1000), (l, S.IPPROTO_TCP, S.TCP_FASTOPEN, 5),
    (l, S.IPPROTO_TCP, S.TCP_NOTSENT_LOWAT, 4096), (l, S.IPPROTO_TCP, S.TCP_SYNCNT, 3),
    (l, S.IPPROTO_TCP, S.TCP_LINGER2, 7), (l, S.IPPROTO_TCP, S.TCP_WINDOW_CLAMP, 20000),
    (l, S.SOL_SOCKET, S.SO_PRIORITY, 3), (l, S.SOL_SOCKET, S.SO_LINGER, linger),
    (l, S.IPPROTO_TCP, S.TCP_CONGESTION, b"reno"),
    (c, S.IPPROTO_TCP, S.TCP_USER_TIMEOUT, 7000), (c, S.IPPROTO_IP, S.IP_TOS, 0x08),
    (c, S.IPPROTO_TCP, S.TCP_CONGESTION, b"reno"), (c, S.SOL_SOCKET, S.SO_LINGER, linger),
    (a, S.IPPROTO_TCP, S.TCP_NOTSENT_LOWAT, 8192), (a, S.SOL_SOCKET, S.SO_PRIORITY, 5),
    (u, S.IPPROTO_IP, S.IP_MULTICAST_TTL, 5), (u, S.IPPROTO_IP, S.IP_MULTICAST_LOOP, 0),
    (u, S.IPPROTO_IP, S.IP_TOS, 0x20), (u, S.SOL_SOCKET, S.SO_PRIORITY, 2),
    (u, S.IPPROTO_IP, S.IP_TTL, 40), (u, S.IPPROTO_IP, 10, 0),	# IP_MTU_DISCOVER
    (u6, S.IPPROTO_IPV6, S.IPV6_UNICAST_HOPS, 9), (u6, S.IPPROTO_IPV6, 67, 0x28),	# IPV6_TCLASS
    (u6, S.IPPROTO_IPV6, S.IPV6_MULTICAST_HOPS, 3),
    (x, S.SOL_SOCKET, S.SO_RCVLOWAT, 5), (x, S.SOL_SOCKET, S.SO_PRIORITY, 4),
    (x, S.SOL_SOCKET, S.SO_MARK, 9),
]
for s, lv, o, v in opts:
    s.setsockopt(lv, o, v)
def now():
    return [s.getsockopt(lv, o, len(v)) if isinstance(v, bytes) else s.getsockopt(lv, o)
            for s, lv, o, v in opts]
before = now()
assert [b[:len(v)] if isinstance(v, bytes) else b for b, (s, lv, o, v) in zip(before, opts)] == \
       [v for s, lv, o, v in opts], before
open(sys.argv[1] + "/ready", "w").write(str(os.getpid()))
signal.pause()
after = now()
lost = [(o, b, a_) for (s, lv, o, v), b, a_ in zip(opts, before, after) if b != a_]
c.sendall(b"still"); ok = a.recv(5) == b"still"
print("PASS" if not lost and ok else "FAIL lost %s, talks %s" % (lost, ok))
' "$T"
	sk_unlock_on_exit
	dump_kill --tcp-established
	sk_restore_check
	pass
}

t_bad_socket_queues() {	# unread UDP datagrams the restore could not give back, fds in flight
	local mode want
	for mode in udp scm; do
		case $mode in
		udp) want="unread UDP datagrams on a socket with IP_PKTINFO are not supported" ;;
		scm) want="file descriptors in flight (SCM_RIGHTS) are not supported" ;;
		esac
		start python3 -c '
import os, socket, sys, time
os.closerange(3, 4096)
if sys.argv[2] == "udp":
    r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    r.bind(("127.0.0.1", 0))
    r.setsockopt(socket.IPPROTO_IP, 8, 1)	# IP_PKTINFO
    w = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    w.sendto(b"unread", r.getsockname())
else:
    a, b = socket.socketpair()
    socket.send_fds(a, [b"x"], [a.fileno()])	# sits in b, not received
time.sleep(0.2)
open(sys.argv[1] + "/ready", "w").write(str(os.getpid()))
time.sleep(600)' "$T" $mode
		sk_refused "$want"
		kill -9 "$VPID"
	done
	pass
}

t_bad_tcp_established() {	# an established connection without --tcp-established
	start "$VICTIMS/inetsk" established "$T"
	sk_unlock_on_exit
	sk_refused "established TCP connection (--tcp-established dumps it)"
	kill -USR1 "$VPID"
	wait "$VPID"
	grep -q '^PASS' "$T/out" || fail "the refused dump broke the connection"
	pass
}

t_tcp_leave_running() {	# --tcp-established with --leave-running: the connection carries on
	start "$VICTIMS/inetsk" established "$T"
	sk_unlock_on_exit
	dump_leave_running --tcp-established
	nft list tables | grep -q "xckpt_$VPID" && fail "network lock left after the dump"
	kill -USR1 "$VPID"
	wait "$VPID"
	grep -q '^PASS' "$T/out" || fail "connection broken by a --leave-running dump"
	pass
}

t_tcp_port_taken() {	# the listener's port taken at restore time: one clear error
	start "$VICTIMS/inetsk" plain "$T"
	dump_kill
	python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(1)
open(sys.argv[2] + "/taken", "w").write("1")
time.sleep(600)' "$(cat "$T/port")" "$T" &
	PIDS+=($!)
	wait_for "$T/taken"
	out=$("$XCKPT" restore -D "$T/img" 2>&1)
	[ $? != 0 ] || fail "restore succeeded"
	echo "$out" | grep -q "restore pid $VPID: socket:\[[0-9]*\] (tcp 127.0.0.1:$(cat "$T/port")): address in use" ||
		fail "unclear error: $out"
	[ "$(echo "$out" | wc -l)" = 1 ] || fail "more than one error line: $out"
	kill -0 "$VPID" 2>/dev/null && fail "half-restored process left behind"
	pass
}

t_sockets_tree() {	# sockets between a parent and its child, and one both hold
	start python3 -c '
import os, signal, socket, sys
d = sys.argv[1]
os.closerange(3, 4096)
signal.signal(signal.SIGUSR1, lambda *a: None)
def get(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        assert c, "end of stream"
        b += c
    return b
a, b = socket.socketpair()
da, db = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
lis = socket.socket()
lis.bind(("127.0.0.1", 0))
lis.listen(4)
ul = socket.socket(socket.AF_UNIX)
ul.bind(d + "/u.sock")
ul.listen(2)
pid = os.fork()
if pid == 0:
    a.close(); da.close()
    c, _ = ul.accept()
    t, _ = lis.accept()
    b.sendall(b"child->parent"); db.send(b"dgram from child")
    c.sendall(b"uc from child"); t.sendall(b"tcp from child")
    open(d + "/child", "w").write(str(os.getpid()))
    signal.pause()
    assert get(b, 13) == b"parent->child"
    assert db.recv(100) == b"dgram from parent"
    assert get(c, 14) == b"uc from parent"
    assert get(t, 15) == b"tcp from parent"
    for s in (b, c, t):
        s.sendall(get(s, 5))
    db.send(db.recv(100))
    os._exit(0)
b.close(); db.close()
uc = socket.socket(socket.AF_UNIX)
uc.connect(d + "/u.sock")
tc = socket.create_connection(lis.getsockname())
a.sendall(b"parent->child"); da.send(b"dgram from parent")
uc.sendall(b"uc from parent"); tc.sendall(b"tcp from parent")
while not os.path.exists(d + "/child"):
    signal.pause() if False else __import__("time").sleep(0.01)
open(d + "/ready", "w").write(str(os.getpid()))
signal.pause()
os.kill(pid, signal.SIGUSR1)
try:
    assert get(a, 13) == b"child->parent"
    assert da.recv(100) == b"dgram from child"
    assert get(uc, 13) == b"uc from child"
    assert get(tc, 14) == b"tcp from child"
    for s in (a, uc, tc, da):
        s.send(b"again")
        assert (s.recv(5) if s is da else get(s, 5)) == b"again"
    n = socket.create_connection(lis.getsockname())
    m, _ = lis.accept()
    n.sendall(b"x"); assert get(m, 1) == b"x"
    _, st = os.waitpid(pid, 0)
    assert st == 0, "child status %d" % st
    print("PASS")
except Exception as e:
    print("FAIL", repr(e))
' "$T"
	sk_unlock_on_exit
	dump_kill --tcp-established
	sk_restore_check
	pass
}

t_unix_peercred() {	# SO_PEERCRED names the original peers, not xckpt
	# A client of another uid (a child), and a socketpair whose maker has
	# exited since: each socket still names who it named before.
	start python3 -c '
import os, signal, socket, struct, sys
d = sys.argv[1]
os.closerange(3, 4096)
signal.signal(signal.SIGUSR1, lambda *a: None)
def cred(s):
    return struct.unpack("3i", s.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
name = "\0" + d + "/u"	# abstract: no file the other uid must reach
ul = socket.socket(socket.AF_UNIX)
ul.bind(name)
ul.listen(2)
x, y = socket.socketpair()
maker = os.fork()
if maker == 0:
    a, b = socket.socketpair()
    socket.send_fds(y, [b"p"], [a.fileno(), b.fileno()])
    os._exit(0)
_, fds, _, _ = socket.recv_fds(x, 1, 2)
pa, pb = socket.socket(fileno=fds[0]), socket.socket(fileno=fds[1])
os.waitpid(maker, 0)
x.close(); y.close()
me = os.getpid()
child = os.fork()
if child == 0:
    os.setgroups([]); os.setresgid(65534, 65534, 65534); os.setresuid(65534, 65534, 65534)
    c = socket.socket(socket.AF_UNIX)
    c.connect(name)
    signal.pause()
    os._exit(0 if cred(c) == (me, 0, 0) else 3)
m, _ = ul.accept()
want = {"accepted": (child, 65534, 65534), "pair a": (maker, 0, 0), "pair b": (maker, 0, 0),
        "listener": (me, 0, 0)}
def check():
    got = {"accepted": cred(m), "pair a": cred(pa), "pair b": cred(pb), "listener": cred(ul)}
    return [k for k in want if got[k] != want[k]], got
bad, got = check()
assert not bad, got
open(d + "/ready", "w").write(str(me))
signal.pause()
os.kill(child, signal.SIGUSR1)
_, st = os.waitpid(child, 0)
bad, got = check()
print("FAIL", bad, got, "want", want) if bad or st else print("PASS")
' "$T"
	child=$(cat "/proc/$VPID/task/$VPID/children")
	PIDS+=($child)
	dump_kill
	sk_restore_check
	pass
}

# A small RESP client over one socket: the connection stays open across
# the dump and the restore.
SK_RESP='
import socket
def cmd(s, f, *args):
    s.sendall(b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args))
    line = f.readline()
    if line[:1] == b"$":
        n = int(line[1:])
        return None if n < 0 else f.read(n + 2)[:-2]
    return line.strip()
'

t_redis() {	# redis-server with 10,000 keys, a client over TCP outside the tree and one over a unix socket inside it
	command -v redis-server >/dev/null || fail "redis-server is not installed (scripts/install-deps)"
	local port=$((20000 + $$ % 20000))
	# The job: redis-server as its child, and a unix socket client of its own.
	start python3 -c "$SK_RESP"'
import os, signal, socket, subprocess, sys, time
d, port = sys.argv[1], sys.argv[2]
os.closerange(3, 4096)
signal.signal(signal.SIGUSR1, lambda *a: None)
srv = subprocess.Popen(["redis-server", "--port", port, "--bind", "127.0.0.1",
                        "--unixsocket", d + "/redis.sock", "--save", "", "--appendonly", "no",
                        "--dir", d], stdout=open(d + "/redis.log", "w"), stderr=subprocess.STDOUT)
open(d + "/redis.pid", "w").write(str(srv.pid))
for _ in range(200):
    if os.path.exists(d + "/redis.sock"):
        break
    time.sleep(0.05)
u = socket.socket(socket.AF_UNIX)
u.connect(d + "/redis.sock")
f = u.makefile("rb")
# 10,000 keys, pipelined.
for base in range(0, 10000, 1000):
    u.sendall(b"".join(b"*3\r\n$3\r\nSET\r\n$%d\r\nkey:%d\r\n$%d\r\nval:%d\r\n" %
                       (len(b"key:%d" % i), i, len(b"val:%d" % i), i) for i in range(base, base + 1000)))
    for i in range(1000):
        assert f.readline() == b"+OK\r\n"
assert cmd(u, f, b"DBSIZE") == b":10000"
open(d + "/ready", "w").write(str(os.getpid()))
signal.pause()
try:
    assert cmd(u, f, b"DBSIZE") == b":10000", "keys lost"
    assert cmd(u, f, b"GET", b"key:1234") == b"val:1234"
    assert cmd(u, f, b"SET", b"after", b"unix") == b"+OK"
    print("PASS", flush=True)
except Exception as e:
    print("FAIL", repr(e), flush=True)
signal.pause()
' "$T" "$port"
	PIDS+=($(cat "$T/redis.pid"))	# restored with the same pid: killed at the end too
	# A client outside the tree, over TCP, connected before the dump.
	python3 -c "$SK_RESP"'
import os, socket, sys, time
d, port = sys.argv[1], int(sys.argv[2])
s = socket.create_connection(("127.0.0.1", port), timeout=60)
f = s.makefile("rb")
assert cmd(s, f, b"GET", b"key:42") == b"val:42"
open(d + "/tcp-ready", "w").write("1")
while not os.path.exists(d + "/go"):
    time.sleep(0.05)
try:
    assert cmd(s, f, b"GET", b"key:9999") == b"val:9999"
    assert cmd(s, f, b"SET", b"after", b"tcp") == b"+OK"
    assert cmd(s, f, b"DBSIZE") == b":10001"
    print("PASS", flush=True)
except Exception as e:
    print("FAIL", repr(e), flush=True)
' "$T" "$port" >"$T/tcp.out" 2>&1 &
	PIDS+=($!)
	local cpid=$!
	wait_for "$T/tcp-ready" 20
	sk_unlock_on_exit
	dump_kill --tcp-established
	restore_bg
	kill -USR1 "$VPID"
	for ((i = 0; i < 100; i++)); do grep -q "PASS\|FAIL" "$T/out" && break; sleep 0.1; done
	grep -q '^PASS' "$T/out" || fail "unix client: $(cat "$T/out") $(cat "$T/restore.err")"
	touch "$T/go"
	wait "$cpid"
	grep -q '^PASS' "$T/tcp.out" || fail "tcp client: $(cat "$T/tcp.out")"
	pass
}

t_http_server() {	# python3 -m http.server with a keep-alive client in another netns
	sk_netns
	mkdir -p "$T/www" && echo "hello from before" >"$T/www/a.txt" && echo "and after" >"$T/www/b.txt"
	local port=$((20000 + $$ % 20000))
	# python3 -m http.server, with no fd but stdio of the harness's.
	start ip netns exec "$NS_S" python3 -c '
import os, runpy, sys
os.closerange(3, 4096)
open(sys.argv[1] + "/ready", "w").write(str(os.getpid()))
sys.argv = ["http.server", "-b", sys.argv[2], "-p", "HTTP/1.1", "-d", sys.argv[1] + "/www", sys.argv[3]]
runpy.run_module("http.server", run_name="__main__")' "$T" "$ADDR_S" "$port"
	ip netns exec "$NS_C" python3 -c '
import http.client, os, sys, time
d = sys.argv[3]
for _ in range(100):
    try:
        c = http.client.HTTPConnection(sys.argv[1], int(sys.argv[2]), timeout=60)
        c.request("GET", "/a.txt")
        break
    except OSError:
        time.sleep(0.1)
r = c.getresponse()
assert r.read() == b"hello from before\n"
sock = c.sock
open(d + "/client-ready", "w").write("1")
while not os.path.exists(d + "/go"):
    time.sleep(0.05)
try:
    c.request("GET", "/b.txt")
    r = c.getresponse()
    assert c.sock is sock, "a new connection was opened"
    assert r.read() == b"and after\n"
    print("PASS", flush=True)
except Exception as e:
    print("FAIL", repr(e), flush=True)
' "$ADDR_S" "$port" "$T" >"$T/client.out" 2>&1 &
	PIDS+=($!)
	local cpid=$!
	wait_for "$T/client-ready" 20
	sleep 0.3
	ip netns exec "$NS_S" "$XCKPT" dump --pid "$VPID" -D "$T/img" --tcp-established 2>"$T/dump.err" ||
		fail "dump: $(cat "$T/dump.err")"
	wait "$VPID" 2>/dev/null
	ip netns exec "$NS_S" "$XCKPT" restore -D "$T/img" 2>"$T/restore.err" &
	PIDS+=($!)
	sleep 1
	touch "$T/go"
	wait "$cpid"
	grep -q '^PASS' "$T/client.out" || fail "client: $(cat "$T/client.out") restore: $(cat "$T/restore.err")"
	pass
}

t_bad_unix_oob() {	# out-of-band data queued on a unix stream: refused, left as it was
	start /usr/bin/python3 -c '
import os, socket, sys, time
os.closerange(3, 4096)
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
a.send(b"abc")
a.send(b"!", socket.MSG_OOB)
open(sys.argv[1] + "/ready", "w").write(str(os.getpid()))
time.sleep(600)' "$T"
	out=$("$XCKPT" dump --pid "$VPID" -D "$T/img" 2>&1)
	[ $? = 4 ] || fail "expected exit 4: $out"
	echo "$out" | grep -q "pid $VPID: fd [0-9]* (socket:\[[0-9]*\]): out-of-band data (MSG_OOB) is not supported" ||
		fail "unclear error: $out"
	[ -e "$T/img" ] && fail "image directory created"
	grep -q '^TracerPid:[[:space:]]*0$' "/proc/$VPID/status" || fail "target still traced"
	pass
}
