/* Asks the disk for every small image file at once, before the first is
 * read. Read one after the other, a tree's image costs a disk round trip
 * per file (a process file and a page file per process); queued together,
 * they come in one pass. Page files larger than PREFETCH_WHOLE are
 * left to the O_DIRECT reads of the fill (their data would only push the
 * page cache out), except for their two ends, which the validation reads. */
#define LOG_PREFIX "prefetch: "
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "restorer/rst.h"

#define PREFETCH_WHOLE (1u << 20)	/* a page file this small comes whole */
#define PREFETCH_BUDGET (256ull << 20)	/* at most this much in all */
#define PREFETCH_END 4096u

void rst_image_prefetch(int dirfd)
{
	uint64_t budget = PREFETCH_BUDGET;
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;

	if (!dir) {
		if (fd >= 0)
			close(fd);
		return;	/* only a hint: the reads that follow report errors */
	}
	while ((de = readdir(dir))) {
		struct stat st;
		int f;

		if (de->d_name[0] == '.' || (de->d_type != DT_REG && de->d_type != DT_UNKNOWN))
			continue;
		f = openat(dirfd, de->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (f < 0)
			continue;
		if (!fstat(f, &st) && S_ISREG(st.st_mode)) {
			uint64_t size = (uint64_t)st.st_size;
			bool pages = !strncmp(de->d_name, "pages-", 6);

			if ((!pages || size <= PREFETCH_WHOLE) && size <= budget) {
				posix_fadvise(f, 0, 0, POSIX_FADV_WILLNEED);
				budget -= size;
			} else if (size > 2 * PREFETCH_END) {
				posix_fadvise(f, 0, PREFETCH_END, POSIX_FADV_WILLNEED);
				posix_fadvise(f, (off_t)(size - PREFETCH_END), PREFETCH_END,
					      POSIX_FADV_WILLNEED);
			}
		}
		close(f);
	}
	closedir(dir);
}
