# The Debian package: built with CPack from this build tree, installed with
# apt-get, used, and removed again.

pkg_remove() {
	[ -n "${PKG_INSTALLED:-}" ] || return 0
	apt-get -o DPkg::Lock::Timeout=600 remove -y -qq --purge xckpt >/dev/null 2>&1
	PKG_INSTALLED=
}

t_deb_package() {
	local B deb out n
	B=$(dirname "$XCKPT")
	command -v cpack >/dev/null || skip "cpack is not installed"
	dpkg -s xckpt >/dev/null 2>&1 && skip "an xckpt package is already installed here; not replacing it"
	# One package test at a time on this machine: they share /usr/bin/xckpt.
	exec 8>/run/lock/xckpt-deb-test.lock
	flock 8
	(cd "$B" && cpack -G DEB -B "$T/pkg" >"$T/cpack.log" 2>&1) || fail "cpack: $(tail -5 "$T/cpack.log")"
	deb=$(ls "$T"/pkg/xckpt_*.deb 2>/dev/null | head -n 1)
	[ -n "$deb" ] || fail "no package built: $(tail -5 "$T/cpack.log")"
	dpkg-deb -f "$deb" Depends | grep -q libzstd1 || fail "dependencies not declared: $(dpkg-deb -f "$deb" Depends)"
	CLEANUP_HOOKS+=(pkg_remove)
	PKG_INSTALLED=1
	apt-get -o DPkg::Lock::Timeout=600 install -y -qq "$deb" >"$T/apt.log" 2>&1 ||
		fail "apt-get install: $(tail -5 "$T/apt.log")"
	[ -x /usr/bin/xckpt ] && [ -f /usr/share/man/man1/xckpt.1 ] && [ -x /usr/share/xckpt/slurm/rescue-node ] ||
		fail "files missing after install"
	getcap /usr/bin/xckpt | grep -q cap_checkpoint_restore || fail "no file capability: $(getcap /usr/bin/xckpt)"
	/usr/bin/xckpt check >"$T/check.out" 2>&1 || fail "xckpt check: $(cat "$T/check.out")"
	# The installed binary dumps and restores, as root ...
	setup_files
	start "$VICTIMS/state" "$T"
	XCKPT=/usr/bin/xckpt dump_kill
	XCKPT=/usr/bin/xckpt restore_and_check
	# ... and as an ordinary user, on the user's own job.
	chmod 755 "$T"
	mkdir "$T/u" && chown 65534:65534 "$T/u"
	setpriv --reuid=65534 --regid=65534 --clear-groups sh -c \
		'exec "$0" "$1/job.log" 100000 20 >/dev/null 2>&1 </dev/null' "$VICTIMS/job" "$T/u" &
	VPID=$!
	PIDS+=("$VPID")
	for ((i = 0; i < 200; i++)); do grep -q '^step' "$T/u/job.log" 2>/dev/null && break; sleep 0.05; done
	setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/xckpt dump --pid "$VPID" -D "$T/u/img" \
		2>"$T/dump.err" || fail "dump as nobody: $(cat "$T/dump.err")"
	wait "$VPID" 2>/dev/null
	n=$(grep -c '^step' "$T/u/job.log")
	setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/xckpt restore -D "$T/u/img" --detach \
		>/dev/null 2>"$T/restore.err" || fail "restore as nobody: $(cat "$T/restore.err")"
	sleep 0.3
	[ "$(grep -c '^step' "$T/u/job.log")" -gt "$n" ] || fail "the restored job does not run"
	kill -9 "$VPID"
	pkg_remove
	[ -e /usr/bin/xckpt ] && fail "package not removed"
	pass
}
