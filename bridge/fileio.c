/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fileio: whole-file reads and crash-safe replacement of the files we edit
 * (ufw's after*.rules, after.init); owns the temp-file + rename dance. */
#include "fileio.h"

#include <dirent.h>
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

/* Temp files of ours that a killed run left beside path (".NAME.ufwd-XXXXXX").
 * Writers hold ufw's lock, so no live writer owns one. */
static void remove_stale_temps(const char *dir, const char *base)
{
	char *prefix = xasprintf(".%s.ufwd-", base);
	size_t n = strlen(prefix);
	DIR *dh = opendir(dir);
	struct dirent *e;

	while (dh && (e = readdir(dh)))
		if (strncmp(e->d_name, prefix, n) == 0 && strlen(e->d_name) == n + 6)
			unlinkat(dirfd(dh), e->d_name, 0);
	if (dh)
		closedir(dh);
	free(prefix);
}

int file_write_atomic(const char *path, const void *data, size_t len, int mode,
		      struct diag *d)
{
	char *dir = dir_of(path);
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char *tmp = xasprintf("%s/.%s.ufwd-XXXXXX", dir, base);
	int fd, ret;

	remove_stale_temps(dir, base);
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

int file_change_load(struct file_change *c, const char *path, struct diag *d)
{
	char *dir = dir_of(path);
	int ret;

	/* Every sync loads each managed file first: a killed run's temps go. */
	remove_stale_temps(dir, strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
	free(dir);
	*c = (struct file_change){.path = xstrdup(path), .new_mode = FILE_MODE_KEEP};
	ret = file_read(path, &c->old, true, d);
	if (ret < 0)
		return ret;
	c->existed = ret == 0;
	c->old_mode = c->existed ? file_mode(path) : -1;
	sb_addn(&c->new, sb_str(&c->old), c->old.len);
	return 0;
}

bool file_change_needed(const struct file_change *c)
{
	if (c->remove)
		return c->existed;
	if (!c->existed)
		return c->new.len > 0;
	if (c->new_mode >= 0 && c->new_mode != c->old_mode)
		return true;
	return c->old.len != c->new.len ||
	       memcmp(sb_str(&c->old), sb_str(&c->new), c->old.len);
}

static bool line_start(const char *s, size_t i)
{
	return i == 0 || s[i - 1] == '\n';
}

/* Number of lines that end in [0, n) of s. */
static size_t lines_in(const char *s, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += s[i] == '\n';
	return k;
}

static void print_lines(FILE *f, char sign, const char *s, size_t n)
{
	const char *p = s, *end = s + n, *nl;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		fprintf(f, "%c%.*s\n", sign, (int)((nl ? nl : end) - p), p);
		p = nl ? nl + 1 : end;
	}
}

void file_change_diff(const struct file_change *c, FILE *f)
{
	const char *a = sb_str(&c->old), *b = c->remove ? "" : sb_str(&c->new);
	size_t na = c->old.len, nb = c->remove ? 0 : c->new.len, pre = 0, suf = 0;

	if (!file_change_needed(c))
		return;
	fprintf(f, "--- %s\n+++ %s%s\n", c->existed ? c->path : "/dev/null",
		c->remove ? "/dev/null" : c->path, "");
	if (c->new_mode >= 0 && c->new_mode != c->old_mode && !c->remove)
		fprintf(f, "mode %04o -> %04o\n", c->old_mode < 0 ? 0 : c->old_mode,
			c->new_mode);
	/* common prefix and suffix, in whole lines */
	while (pre < na && pre < nb && a[pre] == b[pre])
		pre++;
	while (pre > 0 && a[pre - 1] != '\n')
		pre--;
	while (suf < na - pre && suf < nb - pre && a[na - 1 - suf] == b[nb - 1 - suf])
		suf++;
	while (suf > 0 && !(line_start(a, na - suf) && line_start(b, nb - suf)))
		suf--;
	if (pre == na - suf && pre == nb - suf)
		return;
	fprintf(f, "@@ line %zu @@\n", lines_in(a, pre) + 1);
	print_lines(f, '-', a + pre, na - suf - pre);
	print_lines(f, '+', b + pre, nb - suf - pre);
}

int file_change_apply(const struct file_change *c, struct diag *d)
{
	if (!file_change_needed(c))
		return 0;
	if (c->remove)
		return file_remove(c->path, d);
	return file_write_atomic(c->path, sb_str(&c->new), c->new.len, c->new_mode, d);
}

void file_change_free(struct file_change *c)
{
	free(c->path);
	sb_free(&c->old);
	sb_free(&c->new);
	c->path = NULL;
}
