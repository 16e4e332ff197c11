# A one-node Slurm cluster for the tests, in the test's scratch directory:
# munged, slurmctld and slurmd started by hand (no systemd), on ports of
# their own, torn down by the EXIT trap. Sourced by cases/slurm.sh.
# Facts it relies on: shared/slurm-facts.md.

slurm_down() {
	local f p i
	[ -n "${SL:-}" ] || return 0
	# Jobs first, so that no slurmstepd outlives its slurmd.
	SLURM_CONF=$SL/slurm.conf scancel --quiet --full $(SLURM_CONF=$SL/slurm.conf squeue -h -o %i 2>/dev/null) 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		[ -z "$(SLURM_CONF=$SL/slurm.conf squeue -h -o %i 2>/dev/null)" ] && break
		sleep 0.1
	done
	for f in slurmd.pid slurmctld.pid munged.pid; do
		p=$(cat "$SL/$f" 2>/dev/null) || continue
		kill "$p" 2>/dev/null
		for ((i = 0; i < 100; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
		kill -9 "$p" 2>/dev/null
	done
	SL=
}

slurm_up() {	# [slurm.conf line...]
	local host port i
	command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null ||
		skip "Slurm is not installed (slurmctld, slurmd, munge)"
	host=$(hostname -s)
	port=$((20000 + RANDOM % 20000))
	SL=$T/slurm
	mkdir -p "$SL/state" "$SL/spool" "$SL/munge"
	chmod 755 "$T" "$SL"
	chown munge: "$SL/munge"
	CLEANUP_HOOKS+=(slurm_down)
	runuser -u munge -- /usr/sbin/munged --socket="$SL/munge/sock" --pid-file="$SL/munge/pid" \
		--log-file="$SL/munge/log" --seed-file="$SL/munge/seed" || fail "munged did not start"
	cp "$SL/munge/pid" "$SL/munged.pid"
	cat >"$SL/slurm.conf" <<CONF
ClusterName=xckpt-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SL/munge/sock,cred_expire=5
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerParameters=bf_interval=1,sched_interval=1
JobRequeue=1
KillWait=10
MailProg=/bin/true
ReturnToService=2
StateSaveLocation=$SL/state
SlurmdSpoolDir=$SL/spool
SlurmctldPidFile=$SL/slurmctld.pid
SlurmdPidFile=$SL/slurmd.pid
SlurmctldLogFile=$SL/slurmctld.log
SlurmdLogFile=$SL/slurmd.log
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
	for i in "$@"; do echo "$i" >>"$SL/slurm.conf"; done
	export SLURM_CONF=$SL/slurm.conf
	slurmctld -c -f "$SLURM_CONF" || fail "slurmctld did not start: $(tail -3 "$SL/slurmctld.log")"
	slurmd -f "$SLURM_CONF" || fail "slurmd did not start: $(tail -3 "$SL/slurmd.log")"
	for ((i = 0; i < 200; i++)); do
		[ "$(sinfo -h -o %t 2>/dev/null)" = idle ] && return 0
		sleep 0.1
	done
	fail "the node did not become idle: $(sinfo 2>&1 | tail -2); $(tail -3 "$SL/slurmd.log")"
}

job_state() { squeue -h -j "$1" -o %T 2>/dev/null; }
