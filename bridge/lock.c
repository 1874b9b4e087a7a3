/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lock: takes and releases ufw's lock exactly as ufw's util.create_lock does
 * (open for writing, fcntl F_SETLKW F_WRLCK on the whole file). */
#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

int ufw_lock_take(const char *root, struct diag *d)
{
	char *path = path_under_root(root, UFW_LOCK_PATH);
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	int fd, ret;

	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = -errno;
		diag_err(d, path, 0, "cannot open ufw's lock file: %s", strerror(-ret));
		free(path);
		return ret;
	}
	while (fcntl(fd, F_SETLKW, &fl) < 0) {
		if (errno == EINTR)
			continue;
		ret = -errno;
		diag_err(d, path, 0, "cannot take ufw's lock: %s", strerror(-ret));
		close(fd);
		free(path);
		return ret;
	}
	free(path);
	return fd;
}

void ufw_lock_release(int fd)
{
	if (fd >= 0)
		close(fd); /* closing drops every fcntl lock of this process on it */
}
