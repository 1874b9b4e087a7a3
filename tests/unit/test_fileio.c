/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_fileio: whole-file reads and atomic writes on real files in a fresh
 * temporary directory: content, mode, owner, no temp file left, errors. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "diag.h"
#include "fileio.h"

struct fx {
	char dir[64];
	struct diag d;
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	strcpy(fx->dir, "/tmp/test_fileio.XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	diag_init(&fx->d, NULL);
	fx->d.keep = 1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	DIR *dir = opendir(fx->dir);
	struct dirent *e;
	char *p;

	while (dir && (e = readdir(dir))) {
		if (e->d_name[0] == '.' && (!e->d_name[1] || streq(e->d_name, "..")))
			continue;
		p = xasprintf("%s/%s", fx->dir, e->d_name);
		unlink(p);
		free(p);
	}
	if (dir)
		closedir(dir);
	chmod(fx->dir, 0700);
	rmdir(fx->dir);
	diag_free(&fx->d);
	free(fx);
	return 0;
}

/* Number of entries in dir besides . and .. */
static int entries(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *e;
	int n = 0;

	assert_non_null(dir);
	while ((e = readdir(dir)))
		n += !streq(e->d_name, ".") && !streq(e->d_name, "..");
	closedir(dir);
	return n;
}

static void test_write_new_and_read(void **state)
{
	struct fx *fx = *state;
	char *p = xasprintf("%s/new", fx->dir);
	struct strbuf sb = {0};
	static const char data[] = "a\0b\nno newline";

	assert_int_equal(file_write_atomic(p, data, sizeof(data) - 1, 0640, &fx->d), 0);
	assert_int_equal(file_mode(p), 0640);
	assert_int_equal(file_read(p, &sb, false, &fx->d), 0);
	assert_int_equal(sb.len, sizeof(data) - 1);
	assert_memory_equal(sb.buf, data, sizeof(data) - 1);
	assert_int_equal(entries(fx->dir), 1);
	assert_int_equal(fx->d.errors, 0);
	sb_free(&sb);
	free(p);
}

static void test_keeps_mode_and_owner(void **state)
{
	struct fx *fx = *state;
	char *p = xasprintf("%s/f", fx->dir);
	struct strbuf sb = {0};
	struct stat st;
	uid_t uid = geteuid() == 0 ? 65534 : geteuid();
	gid_t gid = geteuid() == 0 ? 65534 : getegid();

	assert_int_equal(file_write_atomic(p, "old\n", 4, 0604, &fx->d), 0);
	assert_int_equal(chown(p, uid, gid), 0);
	assert_int_equal(file_write_atomic(p, "new\n", 4, FILE_MODE_KEEP, &fx->d), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0604);
	assert_int_equal(st.st_uid, uid);
	assert_int_equal(st.st_gid, gid);
	assert_int_equal(file_read(p, &sb, false, &fx->d), 0);
	assert_string_equal(sb_str(&sb), "new\n");
	/* an explicit mode replaces the old one, the owner stays */
	assert_int_equal(file_write_atomic(p, "", 0, 0750, &fx->d), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	assert_int_equal(st.st_uid, uid);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(entries(fx->dir), 1);
	sb_free(&sb);
	free(p);
}

static void test_read_missing(void **state)
{
	struct fx *fx = *state;
	char *p = xasprintf("%s/none", fx->dir);
	struct strbuf sb = {0};

	sb_adds(&sb, "stale");
	assert_int_equal(file_read(p, &sb, true, &fx->d), 1);
	assert_int_equal(sb.len, 0);
	assert_int_equal(fx->d.errors, 0);
	assert_int_equal(file_read(p, &sb, false, &fx->d), -ENOENT);
	assert_int_equal(fx->d.errors, 1);
	assert_non_null(strstr(sb_str(&fx->d.kept), p));
	assert_int_equal(file_mode(p), -ENOENT);
	sb_free(&sb);
	free(p);
}

/* A directory we cannot write: chmod for a user, procfs for root (root
 * ignores permission bits). The old file stays, no temp file appears. */
static void test_readonly_dir(void **state)
{
	struct fx *fx = *state;
	char *p = xasprintf("%s/f", fx->dir);
	const char *target = p;
	struct strbuf sb = {0};

	assert_int_equal(file_write_atomic(p, "old\n", 4, 0644, &fx->d), 0);
	if (geteuid() == 0)
		target = "/proc/ufwd-test-file";
	else
		assert_int_equal(chmod(fx->dir, 0555), 0);
	assert_true(file_write_atomic(target, "new\n", 4, FILE_MODE_KEEP, &fx->d) < 0);
	assert_int_equal(fx->d.errors, 1);
	assert_non_null(strstr(sb_str(&fx->d.kept), target));
	assert_int_equal(chmod(fx->dir, 0700), 0);
	assert_int_equal(entries(fx->dir), 1);
	assert_int_equal(file_read(p, &sb, false, &fx->d), 0);
	assert_string_equal(sb_str(&sb), "old\n");
	sb_free(&sb);
	free(p);
}

static void test_remove(void **state)
{
	struct fx *fx = *state;
	char *p = xasprintf("%s/f", fx->dir);

	assert_int_equal(file_write_atomic(p, "x", 1, 0644, &fx->d), 0);
	assert_int_equal(file_remove(p, &fx->d), 0);
	assert_int_equal(entries(fx->dir), 0);
	assert_int_equal(file_remove(p, &fx->d), -ENOENT);
	assert_int_equal(fx->d.errors, 1);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_write_new_and_read, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_keeps_mode_and_owner, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_missing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_readonly_dir, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
