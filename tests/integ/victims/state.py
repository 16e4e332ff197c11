# Victim: a python3 process holding state. Same protocol as state.c:
# writes DIR/ready, then waits in time.sleep() (a syscall the dump
# interrupts) until SIGUSR2; checks its state and prints PASS or FAIL.
import hashlib, os, random, resource, signal, sys, time

d = sys.argv[1]
os.closerange(3, 4096)
rng = random.Random(7)
data = {i: rng.getrandbits(64) for i in range(200000)}
blob = bytearray(rng.getrandbits(8) for _ in range(1 << 20))
def digest():
    h = hashlib.sha256()
    h.update(repr(sorted(data.items())).encode())
    h.update(blob)
    return h.hexdigest()
before = digest()

f = open(os.path.join(d, "data.txt"))
f.read(10)
log = open(os.path.join(d, "log.txt"), "a")
log.write("before\n"); log.flush()
sub = os.path.join(d, "py dir")
os.makedirs(sub, exist_ok=True)
os.chdir(sub)
os.umask(0o077)
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (77, hard))

usr1 = [0]
stop = [False]
signal.signal(signal.SIGUSR1, lambda s, fr: usr1.__setitem__(0, usr1[0] + 1))
signal.signal(signal.SIGUSR2, lambda s, fr: stop.__setitem__(0, True))

with open(os.path.join(d, "ready"), "w") as r:
    r.write("%d\n" % os.getpid())

ticks = 0
while not stop[0]:
    time.sleep(0.05)
    ticks += 1

fails = []
if digest() != before: fails.append("memory hash")
if usr1[0] < 1: fails.append("SIGUSR1 handler")
if f.read(5) != "abcde": fails.append("file offset")
log.write("after\n"); log.flush()
if os.getcwd() != sub: fails.append("cwd %s" % os.getcwd())
if os.umask(0) != 0o077: fails.append("umask")
if resource.getrlimit(resource.RLIMIT_NOFILE)[0] != 77: fails.append("rlimit")
if ticks < 2: fails.append("did not carry on")
# a restored process must still fork and exec
import subprocess
if subprocess.run(["/bin/sh", "-c", "exit 7"]).returncode != 7: fails.append("fork/exec")
for x in fails: print("FAIL:", x)
print("FAIL" if fails else "PASS", flush=True)
sys.exit(1 if fails else 0)
