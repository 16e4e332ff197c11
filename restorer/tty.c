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
#include <sys/ioctl.h>
#include <unistd.h>

#include "common/log.h"
#include "restorer/rst.h"

#define PTY_INDEX_MAX 4096	/* the loop gives up past this many ptys */

bool rst_is_tty_file(uint32_t kind)
{
	return kind == XC_FD_PTY_MASTER || kind == XC_FD_PTY_SLAVE;
}

bool rst_tty_ok(const struct xc_rec_tty *t)
{
	if (t->flags & XC_TTY_USER)
		return t->flags == XC_TTY_USER;
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

	for (size_t i = 0; i < r->nr_objs && !t; i++)
		if (r->objs[i].kind == XC_REC_TTY &&
		    (((const struct xc_rec_tty *)r->objs[i].p)->flags & XC_TTY_CTTY))
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
