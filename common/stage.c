/* Draining a staged generation (`xckpt run --stage-dir`): the image is
 * written to fast local storage, the job goes on, and this copies it to the
 * job directory. The copy lands under a hidden name, is fsync'd file by file,
 * renamed into place and the directory fsync'd: only then is the generation
 * complete there, exactly like an image written in place. */
#define LOG_PREFIX "run: "
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/ctx.h"
#include "common/log.h"
#include "common/run.h"

static int copy_file(int sdir, int ddir, const char *name)
{
	struct stat st;
	int in, out, err = 0;
	bool ranged = true;

	in = openat(sdir, name, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	if (fstat(in, &st)) {
		err = -errno;
		close(in);
		return err;
	}
	out = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st.st_mode & 07777);
	if (out < 0) {
		err = -errno;
		close(in);
		return err;
	}
	for (off_t left = st.st_size; left > 0;) {
		ssize_t n = ranged ? copy_file_range(in, NULL, out, NULL, (size_t)left, 0) :
				     sendfile(out, in, NULL, (size_t)left);
		if (n < 0 && errno == EINTR)
			continue;
		/* copy_file_range stays within one kind of filesystem (EXDEV
		 * from a tmpfs stage to a disk, EINVAL/EOPNOTSUPP on some
		 * network filesystems): the rest goes through sendfile. */
		if (n < 0 && ranged && (errno == EXDEV || errno == EINVAL || errno == EOPNOTSUPP ||
					errno == ENOSYS)) {
			ranged = false;
			continue;
		}
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			break;
		}
		left -= n;
	}
	if (!err && fsync(out))
		err = -errno;
	if (close(out) && !err)
		err = -errno;
	close(in);
	return err;
}

static void remove_tree_at(int parent, const char *name)
{
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (!d) {
		if (fd >= 0)
			close(fd);
		unlinkat(parent, name, 0);
		return;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			unlinkat(fd, de->d_name, 0);
	closedir(d);
	unlinkat(parent, name, AT_REMOVEDIR);
}

void xc_run_remove_gen(int dirfd, const char *name)
{
	remove_tree_at(dirfd, name);
}

int xc_run_drain(struct xc_ctx *ctx, const char *stage, const char *dir, const char *gen)
{
	char tmp[NAME_MAX + 1], src[PATH_MAX];
	int sroot = -1, sdir = -1, droot = -1, ddir = -1, err = 0;
	DIR *d = NULL;
	struct dirent *de;

	snprintf(tmp, sizeof(tmp), ".%s.drain-%d", gen, (int)getpid());
	snprintf(src, sizeof(src), "%s/%s", stage, gen);
	sroot = open(stage, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	droot = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sroot < 0 || droot < 0)
		return xc_fail(ctx, 0, sroot < 0 ? stage : dir, "drain: open", -errno);
	sdir = openat(sroot, gen, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sdir < 0) {
		err = xc_fail(ctx, 0, src, "drain: open", -errno);
		goto out;
	}
	if (mkdirat(droot, tmp, 0700) || (ddir = openat(droot, tmp, O_RDONLY | O_DIRECTORY |
							  O_CLOEXEC)) < 0) {
		err = xc_failf(ctx, 0, "drain: create", -errno, "%s/%s", dir, tmp);
		goto out;
	}
	d = fdopendir(dup(sdir));
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		err = copy_file(sdir, ddir, de->d_name);
		if (err) {
			err = xc_failf(ctx, 0, "drain: copy", err, "%s/%s", src, de->d_name);
			goto out;
		}
	}
	if (fsync(ddir) || renameat(droot, tmp, droot, gen) || fsync(droot)) {
		err = xc_failf(ctx, 0, "drain: commit", -errno, "%s/%s", dir, gen);
		goto out;
	}
	tmp[0] = 0;
	/* On the job directory now: the staged copy is no longer needed. */
	remove_tree_at(sroot, gen);
out:
	if (d)
		closedir(d);
	if (err && tmp[0] && droot >= 0)
		remove_tree_at(droot, tmp);
	for (int *fd = (int[]){ sroot, sdir, droot, ddir }, i = 0; i < 4; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	return err;
}
