/* Pseudo-terminals the process opened itself: a master (/dev/ptmx) and
 * the slaves of those masters (/dev/pts/N). Each open file gets a TTY
 * record: the pty's index, lock and packet mode, termios and window size
 * (read on a copy of the fd taken with pidfd_getfd; on a master these ioctls
 * reach the slave's settings), and whether it is the process's controlling
 * terminal and the process its foreground group. A terminal on fd 0-2 that
 * is not such a pty is the user's terminal, lent by the restoring xckpt
 * (files.c): its record (XC_TTY_USER) carries the termios the process had
 * set on it; a slave elsewhere whose master the process lacks is refused. Unread data in either direction would
 * be lost: refused. */
#define LOG_PREFIX "tty: "
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/log.h"
#include "tracer/tracer.h"

#define PTY_SLAVE_MAJOR_FIRST 136	/* UNIX98_PTY_SLAVE_MAJOR, 8 majors */
#define PTY_SLAVE_MAJOR_LAST 143

bool xc_fd_classify_tty(int fd, const char *path, uint32_t *kind)
{
	if (!strcmp(path, "/dev/ptmx") || !strcmp(path, "/dev/pts/ptmx")) {
		*kind = XC_FD_PTY_MASTER;
		return true;
	}
	if (fd > 2 && !strncmp(path, "/dev/pts/", 9) && path[9] >= '0' && path[9] <= '9') {
		*kind = XC_FD_PTY_SLAVE;
		return true;
	}
	return false;
}

bool xc_fd_kind_is_tty(uint32_t kind)
{
	return kind == XC_FD_PTY_MASTER || kind == XC_FD_PTY_SLAVE;
}

/* The pty index of a slave device number, -1 if it is no pty slave. */
static int slave_index(dev_t rdev)
{
	if (major(rdev) < PTY_SLAVE_MAJOR_FIRST || major(rdev) > PTY_SLAVE_MAJOR_LAST)
		return -1;
	return (int)((major(rdev) - PTY_SLAVE_MAJOR_FIRST) * 256 + minor(rdev));
}

/* The open file of id, first seen in this process: ids run across the
 * whole tree, so they are no index into ofiles. */
static struct xc_rec_file *ofile(const struct xc_dump *d, uint32_t id)
{
	for (size_t i = 0; i < d->nr_ofiles; i++)
		if (d->ofiles[i].id == id)
			return &d->ofiles[i];
	return NULL;	/* not reached: every record is of an ofile */
}

/* The first fd of open file id. */
static int witness(const struct xc_dump *d, uint32_t id)
{
	for (size_t i = 0; i < d->nr_fds; i++)
		if (d->fds[i].file_id == id)
			return d->fds[i].fd;
	return -1;
}

/* The user's terminal: lent by the restoring xckpt on fd 0-2, or reached
 * through /dev/tty. */
static bool user_tty(const struct xc_rec_file *f)
{
	return f->kind == XC_FD_INHERIT || f->kind == XC_FD_CHR;
}

/* Fills t, and *rdev with the terminal's device, from a copy of the
 * target's fd. */
static int read_tty(struct xc_dump *d, int pidfd, int fd, struct xc_rec_file *f,
		    struct xc_rec_tty *t, uint32_t *rdev)
{
	int copy = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0), v = 0, err = 0;
	struct winsize ws;
	struct stat st;
	const char *step = "pidfd_getfd";

	if (copy < 0)
		goto fail;
	step = "FIONREAD";
	if (ioctl(copy, FIONREAD, &v))
		goto fail;
	/* Input typed ahead on the user's terminal stays with it. */
	if (v && !user_tty(f)) {
		close(copy);
		return xc_fd_refuse(d, fd, f, "terminal with data not read yet is not supported");
	}
	step = "TCGETS";
	if (ioctl(copy, TCGETS, &t->termios))
		goto fail;
	/* The device behind /dev/tty too, encoded as stat's tty_nr. */
	step = "TIOCGDEV";
	if (user_tty(f) && ioctl(copy, TIOCGDEV, rdev))
		goto fail;
	step = "TIOCGWINSZ";
	if (ioctl(copy, TIOCGWINSZ, &ws))
		goto fail;
	t->ws_row = ws.ws_row;
	t->ws_col = ws.ws_col;
	t->ws_xpixel = ws.ws_xpixel;
	t->ws_ypixel = ws.ws_ypixel;
	if (f->kind == XC_FD_PTY_MASTER) {
		step = "TIOCGPTN";
		if (ioctl(copy, TIOCGPTN, &v))
			goto fail;
		t->index = v;
		step = "TIOCGPTLCK";
		if (ioctl(copy, TIOCGPTLCK, &v))
			goto fail;
		t->flags |= v ? XC_TTY_LOCKED : 0;
		step = "TIOCGPKT";
		if (ioctl(copy, TIOCGPKT, &v))
			goto fail;
		t->flags |= v ? XC_TTY_PKT : 0;
	} else {
		step = "fstat";
		if (fstat(copy, &st))
			goto fail;
		t->index = slave_index(st.st_rdev);
	}
	close(copy);
	return 0;
fail:
	err = -errno;
	if (copy >= 0)
		close(copy);
	return xc_failf(d->ctx, d->pid, step, err, "fd %d (%s)", fd, f->path);
}

static struct xc_rec_tty *find(struct xc_rec_tty *t, size_t n, uint32_t kind, const struct xc_dump *d,
			       int index)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].index == index && ofile(d, t[i].file_id)->kind == kind)
			return &t[i];
	return NULL;
}

/* The process of the tree that holds the master of pty index, 0 if none
 * does (fdinfo of a /dev/ptmx fd names its index). */
static pid_t master_in_tree(const struct xc_dump *d, int index)
{
	char path[64], link[32], line[64];
	struct dirent *de;

	for (size_t i = 0; d->tree && i < d->tree->nr; i++) {
		pid_t pid = d->tree->p[i].pid;
		DIR *dir;

		if (d->tree->p[i].state == 'Z')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fd", pid);
		dir = opendir(path);
		while (dir && (de = readdir(dir))) {
			ssize_t n;
			FILE *f;
			bool found = false;

			snprintf(path, sizeof(path), "/proc/%d/fd/%.16s", pid, de->d_name);
			n = readlink(path, link, sizeof(link) - 1);
			link[n > 0 ? n : 0] = 0;
			if (strcmp(link, "/dev/ptmx") && strcmp(link, "/dev/pts/ptmx"))
				continue;
			snprintf(path, sizeof(path), "/proc/%d/fdinfo/%.16s", pid, de->d_name);
			f = fopen(path, "re");
			while (f && !found && fgets(line, sizeof(line), f))
				found = !strncmp(line, "tty-index:", 10) && atoi(line + 10) == index;
			if (f)
				fclose(f);
			if (found) {
				closedir(dir);
				return pid;
			}
		}
		if (dir)
			closedir(dir);
	}
	return 0;
}

/* A session leader on the user's terminal: restore makes the terminal it
 * is restored on its controlling terminal (restorer/tty.c). */
static int user_ctty(struct xc_dump *d, struct xc_rec_tty *t, size_t n, const uint32_t *rdev)
{
	struct xc_rec_tty *u = NULL;

	for (size_t i = 0; i < n && !u; i++)
		if ((t[i].flags & XC_TTY_USER) && rdev[i] == d->pstat.tty_nr)
			u = &t[i];
	d->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
	if (!u)
		return xc_failf(d->ctx, d->pid, "a controlling terminal that no fd of the process "
				"holds is not supported", -ENOTSUP, "terminal %u:%u",
				major(d->pstat.tty_nr), minor(d->pstat.tty_nr));
	d->ctx->exit_hint = 0;
	u->flags |= XC_TTY_CTTY;
	if (d->pstat.tpgid == d->pstat.pgid)
		u->flags |= XC_TTY_FG;
	else if (d->pstat.tpgid > 0)
		u->fg_pgid = (uint32_t)d->pstat.tpgid;	/* a job of its own, if in the tree */
	return 0;
}

/* The controlling terminal: a pty of the process's own comes back as its
 * controlling terminal, which needs the process to lead its session. */
static int ctty(struct xc_dump *d, struct xc_rec_tty *t, size_t n, const uint32_t *rdev)
{
	struct xc_rec_tty *m;
	int index = -1;

	if (major(d->pstat.tty_nr) >= PTY_SLAVE_MAJOR_FIRST &&
	    major(d->pstat.tty_nr) <= PTY_SLAVE_MAJOR_LAST)
		index = slave_index(d->pstat.tty_nr);
	m = index < 0 ? NULL : find(t, n, XC_FD_PTY_MASTER, d, index);
	d->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
	/* A pty another process of the tree made comes back in that process
	 * only after this one exists: it could not be this one's terminal.
	 * (Another process of a session has the terminal its leader has.) */
	if (!m && index >= 0 && d->shared_pty && d->pstat.sid == d->pid)
		return xc_failf(d->ctx, d->pid, "a controlling terminal that another process of the "
				"tree made is not supported", -ENOTSUP, "pty %d", index);
	d->ctx->exit_hint = 0;
	if (!m && d->pstat.tty_nr && d->pstat.sid == d->pid)
		return user_ctty(d, t, n, rdev);
	if (!m)
		return 0;	/* none, or the user's terminal lent to a shell job (task.c) */
	d->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
	if (d->pstat.sid != d->pid)
		return xc_failf(d->ctx, d->pid, "a controlling terminal of another session leader is "
				"not supported", -ENOTSUP, "pty %d", index);
	/* Its children are made before it takes the terminal back, and
	 * would come back without it. */
	for (size_t i = 0; d->tree && i < d->tree->nr; i++)
		if (d->tree->p[i].pid != d->pid && d->tree->p[i].sid == d->pid &&
		    d->tree->p[i].state != 'Z')
			return xc_failf(d->ctx, d->pid, "a pty that is the controlling terminal of "
					"other processes of its session is not supported yet",
					-ENOTSUP, "pty %d (terminal of pid %d too)", index,
					d->tree->p[i].pid);
	d->ctx->exit_hint = 0;
	m->flags |= XC_TTY_CTTY;
	if (d->pstat.tpgid == d->pstat.pgid)
		m->flags |= XC_TTY_FG;
	else if (d->pstat.tpgid > 0) {
		d->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
		return xc_failf(d->ctx, d->pid, "another process group in the foreground is not "
				"supported", -ENOTSUP, "pty %d (foreground group %d)", index,
				d->pstat.tpgid);
	}
	return 0;
}

/* After every fd is collected: stdio slaves whose master the process holds
 * become its own ptys; each pty open file gets its record. */
int dump_tty_collect(struct xc_dump *d)
{
	struct xc_rec_tty *t = calloc(d->nr_ofiles + 1, sizeof(*t));
	uint32_t *rdev = calloc(d->nr_ofiles + 1, sizeof(*rdev));
	size_t n = 0;
	int pidfd = -1, err = 0;

	if (!t || !rdev) {
		free(t);
		free(rdev);
		return xc_fail(d->ctx, d->pid, "ttys", "allocate", -ENOMEM);
	}
	for (size_t i = 0; i < d->nr_ofiles; i++) {
		struct xc_rec_file *f = &d->ofiles[i];

		if (!xc_fd_kind_is_tty(f->kind) &&
		    !(f->kind == XC_FD_INHERIT && (!strncmp(f->path, "/dev/pts/", 9) ||
						   !strncmp(f->path, "/dev/tty", 8))) &&
		    !(f->kind == XC_FD_CHR && !strcmp(f->path, "/dev/tty")))
			continue;
		if (pidfd < 0 && (pidfd = (int)syscall(SYS_pidfd_open, d->pid, 0)) < 0) {
			err = xc_fail(d->ctx, d->pid, "process", "pidfd_open", -errno);
			break;
		}
		t[n] = (struct xc_rec_tty){ .file_id = f->id, .index = -1 };
		if (user_tty(f))
			t[n].flags |= XC_TTY_USER;
		err = read_tty(d, pidfd, witness(d, f->id), f, &t[n], &rdev[n]);
		if (err)
			break;
		n++;
	}
	/* A slave is the process's own when its master is here too. */
	for (size_t i = 0; !err && i < n; i++) {
		pid_t holder;
		struct xc_rec_file *f = ofile(d, t[i].file_id);
		bool own = find(t, n, XC_FD_PTY_MASTER, d, t[i].index) != NULL;

		if (f->kind == XC_FD_INHERIT && own)
			f->kind = XC_FD_PTY_SLAVE;
		/* A terminal whose master the tree holds is no user's: it would
		 * come back as the terminal xckpt restores on (script, tmux,
		 * sshd sessions are such trees). */
		if (user_tty(f) && (holder = master_in_tree(d, slave_index(rdev[i])))) {
			char why[96];

			snprintf(why, sizeof(why), "a pty whose master another process of the tree "
				 "(%d) holds is not supported", holder);
			err = xc_fd_refuse(d, witness(d, f->id), f, why);
			break;
		}
		if (user_tty(f))
			continue;	/* the user's terminal */
		if (f->kind == XC_FD_PTY_SLAVE && !own)
			err = xc_fd_refuse(d, witness(d, f->id), f,
					   "a pty whose master another process holds is not supported");
		else if (f->kind == XC_FD_PTY_SLAVE &&
			 (find(t, n, XC_FD_PTY_MASTER, d, t[i].index)->flags & XC_TTY_LOCKED))
			err = xc_fd_refuse(d, witness(d, f->id), f,
					   "a pty locked again after its slave was opened is not supported");
	}
	if (!err)
		err = ctty(d, t, n, rdev);
	for (size_t i = 0; !err && i < n; i++) {
		if (!user_tty(ofile(d, t[i].file_id)))
			t[i].flags &= ~XC_TTY_USER;	/* its own pty after all */
		err = xc_obj_add(d, XC_REC_TTY, &t[i], sizeof(t[i]));
	}
	if (pidfd >= 0)
		close(pidfd);
	free(t);
	free(rdev);
	return err;
}
