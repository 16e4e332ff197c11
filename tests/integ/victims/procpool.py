# Victim: a sum computed by a ProcessPoolExecutor of 2 worker processes
# and, at the same time, by threading.Thread workers; each step sleeps a
# little so that the dump lands in the middle (sums of cubes). The pool's processes share
# pipes and POSIX semaphores (deleted /dev/shm files mapped by all of
# them). Writes DIR/result (the two sums added) when done.
#
# usage: python3 procpool.py DIR
import concurrent.futures
import os
import sys
import threading
import time

CHUNKS, CHUNK, STEP = 8, 400000, 5000


def cubes(c):
    """Sum of i**3 over chunk c, a step at a time."""
    total = 0
    lo, hi = c * CHUNK, (c + 1) * CHUNK
    while lo < hi:
        total += sum(i ** 3 for i in range(lo, min(lo + STEP, hi)))
        lo += STEP
        time.sleep(0.02)
    return total


def main():
    d = sys.argv[1]
    os.closerange(3, 4096)
    total = [0]
    lock = threading.Lock()

    def worker(cs):
        for c in cs:
            s = cubes(c)
            with lock:
                total[0] += s

    with concurrent.futures.ProcessPoolExecutor(max_workers=2) as pool:
        futs = [pool.submit(cubes, c) for c in range(CHUNKS)]
        threads = [threading.Thread(target=worker, args=(range(i, CHUNKS, 2),)) for i in range(2)]
        for t in threads:
            t.start()
        # Both workers have started: the tree is complete.
        while len(pool._processes) < 2:
            time.sleep(0.01)
        time.sleep(0.2)
        with open(d + "/ready", "w") as f:
            f.write(str(os.getpid()))
        pooled = sum(f.result() for f in futs)
        for t in threads:
            t.join()
    with open(d + "/result.tmp", "w") as f:
        f.write("%d\n" % (pooled + total[0]))
    os.rename(d + "/result.tmp", d + "/result")
    print("PASS")


main()
