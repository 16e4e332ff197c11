/* The registry. Device plugins (CUDA, InfiniBand) are added here as they
 * land; until then the table is empty and every hook walk is a no-op. */
#include <stddef.h>

#include "plugins/plugin.h"

const struct xc_plugin *const xc_plugins[] = { NULL };

bool xc_plugins_claim_vma(pid_t pid, const struct xc_vma *vma)
{
	for (const struct xc_plugin *const *p = xc_plugins; *p; p++)
		if ((*p)->claim_vma && !(*p)->claim_vma(NULL, pid, vma))
			return true;
	return false;
}
