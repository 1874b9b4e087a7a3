/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fileio: whole-file reads and crash-safe replacement of the files we edit
 * (ufw's after*.rules, after.init); owns the temp-file + rename dance. */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int read_fd(int fd, struct strbuf *out)
{
	char buf[65536];
	ssize_t n;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n == 0)
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		sb_addn(out, buf, (size_t)n);
	}
}

int file_read(const char *path, struct strbuf *out, bool missing_ok, struct diag *d)
{
	int fd, ret;

	sb_reset(out);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		if (ret == -ENOENT && missing_ok)
			return 1;
		diag_err(d, path, 0, "cannot open: %s", strerror(-ret));
		return ret;
	}
	ret = read_fd(fd, out);
	close(fd);
	if (ret < 0)
		diag_err(d, path, 0, "cannot read: %s", strerror(-ret));
	return ret;
}

static int write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The directory part of path ("." when there is none); caller frees. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

static int sync_dir(const char *path)
{
	char *dir = dir_of(path);
	int fd, ret = 0;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Gives the temp file fd the mode and owner path should end up with. */
static int set_meta(int fd, const char *path, int mode)
{
	struct stat st;
	mode_t m = mode >= 0 ? (mode_t)mode : 0600;

	if (stat(path, &st) == 0) {
		if (mode < 0)
			m = st.st_mode & 07777;
		if (fchown(fd, st.st_uid, st.st_gid) < 0 && errno != EPERM)
			return -errno;
	} else if (errno != ENOENT) {
		return -errno;
	}
	/* after fchown, which may clear set-id bits */
	if (fchmod(fd, m) < 0)
		return -errno;
	return 0;
}

static int fill_temp(int fd, const char *path, const void *data, size_t len, int mode)
{
	int ret = write_all(fd, data, len);

	if (ret == 0)
		ret = set_meta(fd, path, mode);
	if (ret == 0 && fsync(fd) < 0)
		ret = -errno;
	return ret;
}

int file_write_atomic(const char *path, const void *data, size_t len, int mode,
		      struct diag *d)
{
	char *dir = dir_of(path);
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char *tmp = xasprintf("%s/.%s.ufwd-XXXXXX", dir, base);
	int fd, ret;

	free(dir);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		diag_err(d, path, 0, "cannot create a temporary file beside it: %s",
			 strerror(-ret));
		free(tmp);
		return ret;
	}
	ret = fill_temp(fd, path, data, len, mode);
	if (close(fd) < 0 && ret == 0)
		ret = -errno;
	if (ret == 0 && rename(tmp, path) < 0)
		ret = -errno;
	if (ret == 0)
		ret = sync_dir(path);
	else
		unlink(tmp);
	if (ret < 0)
		diag_err(d, path, 0, "cannot write: %s", strerror(-ret));
	free(tmp);
	return ret;
}

int file_remove(const char *path, struct diag *d)
{
	int ret = 0;

	if (unlink(path) < 0)
		ret = -errno;
	if (ret == 0)
		ret = sync_dir(path);
	if (ret < 0)
		diag_err(d, path, 0, "cannot remove: %s", strerror(-ret));
	return ret;
}

int file_mode(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	return (int)(st.st_mode & 07777);
}
