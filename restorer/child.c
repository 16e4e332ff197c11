/* Child-side helpers shared by every per-kind restore file: the new task
 * reports a failure to the restoring parent, which prints it. */
#include <stdio.h>
#include <unistd.h>

#include "restorer/rst.h"

/* Child side: report the failure to the parent, which prints it. */
int rst_child_fail(struct xc_rst *r, const char *obj, const char *step, int err)
{
	struct xc_rst_msg m = { .type = 2, .err = err, .pid = r->pid };

	snprintf(m.obj, sizeof(m.obj), "%s", obj);
	snprintf(m.step, sizeof(m.step), "%s", step);
	if (write(r->errfd, &m, sizeof(m)) < 0)
		_exit(XC_EXIT_FAIL);
	return err;
}
