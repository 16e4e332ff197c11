/* The task itself: ids, name, personality; and its credentials. */
#define LOG_PREFIX "task: "
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "tracer/tracer.h"

int dump_task(struct xc_dump *d)
{
	struct xc_rec_task t = { 0 };
	char *buf;
	size_t len;
	int err;

	t.pid = d->pid;
	t.ppid = d->pstat.ppid;
	t.pgid = d->pstat.pgid;
	t.sid = d->pstat.sid;
	t.umask = d->st.umask;
	t.nr_threads = (uint32_t)d->nr_thr;
	t.exit_signal = d->pstat.exit_signal;
	snprintf(t.comm, sizeof(t.comm), "%.15s", d->st.name);
	err = xc_proc_read(d, "personality", &buf, &len);
	if (err)
		return err;
	t.personality = (uint32_t)strtoul(buf, NULL, 16);
	free(buf);
	return xc_imgw_put(d->ctx, &d->img, XC_REC_TASK, &t, sizeof(t));
}

int dump_creds(struct xc_dump *d)
{
	struct xc_rec_creds c = { 0 };

	c.uid = d->st.uid[0];
	c.euid = d->st.uid[1];
	c.suid = d->st.uid[2];
	c.fsuid = d->st.uid[3];
	c.gid = d->st.gid[0];
	c.egid = d->st.gid[1];
	c.sgid = d->st.gid[2];
	c.fsgid = d->st.gid[3];
	c.cap_inh = d->st.cap_inh;
	c.cap_prm = d->st.cap_prm;
	c.cap_eff = d->st.cap_eff;
	c.cap_bnd = d->st.cap_bnd;
	c.cap_amb = d->st.cap_amb;
	c.no_new_privs = (uint32_t)d->st.no_new_privs;
	c.nr_groups = d->st.nr_groups;
	memcpy(c.groups, d->st.groups, sizeof(c.groups));
	return xc_imgw_put(d->ctx, &d->img, XC_REC_CREDS, &c, sizeof(c));
}
