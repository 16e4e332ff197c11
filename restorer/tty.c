/* Pseudo-terminals (child side). A master is opened from /dev/ptmx until
 * the kernel hands out the pty's old index (it gives the lowest free one:
 * the lower ones the loop gets are held until it is done, then closed), and
 * gets its lock, packet mode, termios and window size back; a slave is
 * opened by its path once its master is there (files.c orders them). The
 * controlling terminal is set once the task leads its session again
 * (rst_tty_ctty, after rst_task). */
#define LOG_PREFIX "tty: "
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common/log.h"
#include "restorer/rst.h"

#define PTY_INDEX_MAX 4096	/* the loop gives up past this many ptys */

bool rst_is_tty_file(uint32_t kind)
{
	return kind == XC_FD_PTY_MASTER || kind == XC_FD_PTY_SLAVE;
}

bool rst_tty_is_user_file(const struct xc_rec_file *f)
{
	return f->kind == XC_FD_INHERIT || (f->kind == XC_FD_CHR && !strcmp(f->path, "/dev/tty"));
}

bool rst_tty_ok(const struct xc_rec_tty *t)
{
	if (t->flags & XC_TTY_USER)
		return !(t->flags & ~(XC_TTY_USER | XC_TTY_CTTY | XC_TTY_FG)) &&
		       (!t->fg_pgid || (t->flags & (XC_TTY_CTTY | XC_TTY_FG)) == XC_TTY_CTTY);
	return t->index >= 0 && t->index < (1 << 20) &&
	       !(t->flags & ~(XC_TTY_LOCKED | XC_TTY_PKT | XC_TTY_CTTY | XC_TTY_FG));
}

/* The user's terminal, lent by xckpt on fd (0-2): the termios the process
 * had set (raw mode of an editor, no echo of a password prompt) go on the
 * terminal it comes back on. Its window size is the terminal's own; when it
 * differs from the recorded one the process gets SIGWINCH, pending until it
 * runs, as on a resize. Nothing when xckpt's fd is no terminal. */
int rst_tty_user(struct xc_rst *r, const struct xc_rec_file *f, int fd, const char *obj)
{
	const struct xc_rec_tty *t = rst_obj_find(r, XC_REC_TTY, f->id);
	struct winsize ws;

	if (!t || !isatty(fd))
		return 0;
	if (ioctl(fd, TCSETS, &t->termios))
		return rst_child_fail(r, obj, "TCSETS on xckpt's terminal", -errno);
	if (!ioctl(fd, TIOCGWINSZ, &ws) && (ws.ws_row != t->ws_row || ws.ws_col != t->ws_col) &&
	    kill(getpid(), SIGWINCH))
		return rst_child_fail(r, obj, "SIGWINCH", -errno);
	return 0;
}

/* /dev/ptmx opened until it gives index; -errno (reported) otherwise. */
static int open_index(struct xc_rst *r, int index, const char *obj)
{
	int held[64], nr = 0, fd = -1, got, err = 0;

	for (int tries = 0; !err && tries < PTY_INDEX_MAX; tries++) {
		fd = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0 || ioctl(fd, TIOCGPTN, &got)) {
			err = rst_child_fail(r, obj, fd < 0 ? "open /dev/ptmx" : "TIOCGPTN", -errno);
			break;
		}
		if (got == index)
			break;
		if (got > index || nr == (int)(sizeof(held) / sizeof(held[0]))) {
			err = rst_child_fail(r, obj, "get the pty's index back (it is in use)",
					     -EBUSY);
			break;
		}
		held[nr++] = fd;	/* a lower index: keep it taken for now */
		fd = -1;
	}
	while (nr > 0)
		close(held[--nr]);
	if (err) {
		if (fd >= 0)
			close(fd);
		return err;
	}
	return fd;
}

/* termios and window size, set through either end. */
static int settings(struct xc_rst *r, int fd, const struct xc_rec_tty *t, const char *obj)
{
	struct winsize ws = { t->ws_row, t->ws_col, t->ws_xpixel, t->ws_ypixel };

	if (ioctl(fd, TCSETS, &t->termios))
		return rst_child_fail(r, obj, "TCSETS", -errno);
	if (ioctl(fd, TIOCSWINSZ, &ws))
		return rst_child_fail(r, obj, "TIOCSWINSZ", -errno);
	return 0;
}

int rst_tty_open(struct xc_rst *r, const struct xc_rec_file *f, const char *obj)
{
	const struct xc_rec_tty *t = rst_obj_find(r, XC_REC_TTY, f->id);
	char path[32];
	int fd, v, err;

	if (f->kind == XC_FD_PTY_SLAVE) {
		snprintf(path, sizeof(path), "/dev/pts/%d", t->index);
		fd = open(path, (f->flags & O_ACCMODE) | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			return rst_child_fail(r, obj, "open the slave", -errno);
		return fd;
	}
	fd = open_index(r, t->index, obj);
	if (fd < 0)
		return fd;
	v = !!(t->flags & XC_TTY_LOCKED);
	err = ioctl(fd, TIOCSPTLCK, &v) ? rst_child_fail(r, obj, "TIOCSPTLCK", -errno) : 0;
	v = !!(t->flags & XC_TTY_PKT);
	if (!err && v && ioctl(fd, TIOCPKT, &v))
		err = rst_child_fail(r, obj, "TIOCPKT", -errno);
	if (!err)
		err = settings(r, fd, t, obj);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/* The pty whose master carries XC_TTY_CTTY becomes the controlling
 * terminal (the task leads its session: rst_task made sure), its group
 * the foreground one if it was. Signals are all blocked: no SIGTTOU. */
int rst_tty_ctty(struct xc_rst *r)
{
	const struct xc_rec_tty *t = NULL;
	char path[32];
	int fd;

	/* The user's terminal was taken at birth (rst_tty_user_ctty_take). */
	for (size_t i = 0; i < r->nr_objs && !t; i++)
		if (r->objs[i].kind == XC_REC_TTY &&
		    (((const struct xc_rec_tty *)r->objs[i].p)->flags & (XC_TTY_CTTY | XC_TTY_USER)) ==
			    XC_TTY_CTTY)
			t = r->objs[i].p;
	if (!t)
		return 0;
	snprintf(path, sizeof(path), "/dev/pts/%d", t->index);
	fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return rst_child_fail(r, path, "open the controlling terminal", -errno);
	if (ioctl(fd, TIOCSCTTY, 0) || ((t->flags & XC_TTY_FG) && tcsetpgrp(fd, getpgrp()))) {
		int err = -errno;
		close(fd);
		return rst_child_fail(r, path, "set the controlling terminal", err);
	}
	close(fd);
	return 0;
}

/* The lowest fd of open file id in r, -1 if none. */
static int lowest_fd(const struct xc_rst *r, uint32_t id)
{
	int fd = -1;

	for (size_t i = 0; i < r->nr_fds; i++)
		if (r->fds[i]->file_id == id && (fd < 0 || r->fds[i]->fd < fd))
			fd = r->fds[i]->fd;
	return fd;
}

/* The terminal process r is restored on, as an fd of xckpt's in *out (the
 * lent stdio of that number, or /dev/tty); -1 there when it is no terminal
 * (a restore without one: nothing to control). */
static int user_terminal(struct xc_rtree *t, struct xc_rst *r, const struct xc_rec_tty *u, int *out)
{
	const struct xc_rec_file *f = t->files[u->file_id - 1];
	int fd;

	*out = -1;
	if (f->kind == XC_FD_CHR) {
		fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			return xc_fail(t->ctx, r->pid, "controlling terminal", "open /dev/tty", -errno);
	} else {
		fd = lowest_fd(r, f->id);
		if (fd < 0 || fd > 2 || !isatty(fd))
			return 0;
		fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		if (fd < 0)
			return xc_fail(t->ctx, r->pid, "controlling terminal", "dup", -errno);
	}
	if (isatty(fd))
		*out = fd;
	else
		close(fd);
	return 0;
}

/* xckpt gives up the terminal whose session it leads, so that a restored
 * session leader may take it; the SIGHUP that sends to xckpt's group is
 * ignored for the moment. */
static int free_terminal(struct xc_rtree *t, struct xc_rst *r, int fd)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	pid_t sid;
	int err = 0;

	if (ioctl(fd, TIOCGSID, &sid))
		return errno == ENOTTY ? 0 : xc_fail(t->ctx, r->pid, "controlling terminal",
						      "TIOCGSID", -errno);
	if (sid != getpid() || getsid(0) != getpid()) {
		t->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
		return xc_failf(t->ctx, r->pid, "it led a session on its terminal, and this "
				"terminal belongs to another session: run xckpt restore as the leader "
				"of the terminal's session (exec xckpt restore)", -EPERM,
				"controlling terminal (session %d)", sid);
	}
	sigaction(SIGHUP, &ign, &old);
	if (ioctl(fd, TIOCNOTTY))
		err = xc_fail(t->ctx, r->pid, "controlling terminal", "give up xckpt's (TIOCNOTTY)",
			      -errno);
	sigaction(SIGHUP, &old, NULL);
	return err;
}

int rst_tty_user_ctty_prepare(struct xc_rtree *t)
{
	t->ctty_fd = -1;
	for (size_t i = 0; i < t->nr; i++) {
		struct xc_rst *r = &t->procs[i];

		for (size_t k = 0; k < r->nr_objs; k++) {
			const struct xc_rec_tty *u = r->objs[k].p;
			int fd, err;

			if (r->objs[k].kind != XC_REC_TTY ||
			    (u->flags & (XC_TTY_USER | XC_TTY_CTTY)) != (XC_TTY_USER | XC_TTY_CTTY) ||
			    r->rec->sid != r->rec->pid)
				continue;
			if (t->ctty_fd >= 0) {
				t->ctx->exit_hint = XC_EXIT_IMAGE;
				return xc_fail(t->ctx, r->pid, "controlling terminal",
					       "a second session leader on the user's terminal", -EBADMSG);
			}
			err = user_terminal(t, r, u, &fd);
			if (err)
				return err;
			if (fd < 0)
				continue;
			err = free_terminal(t, r, fd);
			if (err) {
				close(fd);
				return err;
			}
			t->ctty_fd = fd;
			t->ctty_sid = (pid_t)r->rec->pid;
			t->ctty_fg = u->flags & XC_TTY_FG ? (pid_t)r->rec->pid : (pid_t)u->fg_pgid;
		}
	}
	return 0;
}

/* At birth, before its children are made, so that they inherit it: the
 * session leader takes the terminal, and the foreground group's leader
 * puts its group in the foreground (all signals are blocked: no SIGTTOU). */
int rst_tty_user_ctty_take(const struct xc_rtree *t, const struct xc_rst *r, const char **step)
{
	pid_t me = (pid_t)r->rec->pid;

	if (t->ctty_fd < 0 || r->rec->sid != (uint32_t)t->ctty_sid)
		return 0;
	*step = "take the user's terminal (TIOCSCTTY)";
	if (me == t->ctty_sid && ioctl(t->ctty_fd, TIOCSCTTY, 0))
		return -errno;
	*step = "put its group in the foreground";
	if (me == t->ctty_fg && r->rec->pgid == (uint32_t)me && tcsetpgrp(t->ctty_fd, me))
		return -errno;
	return 0;
}
