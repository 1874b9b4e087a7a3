/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_ufwproc: `ufw reload` recognised among a process's ancestors, from a
 * /proc-shaped directory of real files (stat and cmdline as the kernel writes). */
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

#include "ufwproc.h"
#include "util.h"

/* One process: its stat line (comm may hold spaces and parentheses) and its
 * NUL-separated argv. */
static void add_proc(const char *root, int pid, int ppid, const char *comm,
		     const char *argv, size_t argv_len)
{
	char *dir = xasprintf("%s/%d", root, pid);
	char *stat = xasprintf("%s/stat", dir);
	char *cmd = xasprintf("%s/cmdline", dir);
	FILE *f;

	assert_int_equal(mkdir(dir, 0755), 0);
	f = fopen(stat, "w");
	assert_non_null(f);
	fprintf(f, "%d (%s) S %d %d 0 0 -1\n", pid, comm, ppid, ppid);
	fclose(f);
	f = fopen(cmd, "w");
	assert_non_null(f);
	fwrite(argv, 1, argv_len, f);
	fclose(f);
	free(dir);
	free(stat);
	free(cmd);
}

#define ARGV(s) s, sizeof(s) /* keeps the last NUL, as the kernel does */

static char *make_tree(const char *top_argv, size_t top_len)
{
	char tmpl[] = "/tmp/ufwd-proc.XXXXXX";
	char *root = xstrdup(mkdtemp(tmpl));

	add_proc(root, 100, 1, "ufw", top_argv, top_len);
	add_proc(root, 200, 100, "ufw-init",
		 ARGV("/bin/sh\0/lib/ufw/ufw-init\0force-stop"));
	add_proc(root, 300, 200, "after.init",
		 ARGV("/bin/sh\0/etc/ufw/after.init\0stop"));
	add_proc(root, 400, 300, "after-init (hook)",
		 ARGV("/bin/sh\0/usr/lib/ufw-docker/after-init-hook\0stop"));
	return root;
}

static void remove_tree(char *root)
{
	char *cmd = xasprintf("rm -rf '%s'", root);

	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(root);
}

static void test_reload(void **state)
{
	char *root = make_tree(ARGV("/usr/bin/python3\0/usr/sbin/ufw\0reload"));

	(void)state;
	assert_true(ufwproc_in_reload(root, 400));
	assert_true(ufwproc_in_reload(root, 300));
	remove_tree(root);
}

static void test_disable_and_others(void **state)
{
	static const struct {
		const char *argv;
		size_t len;
	} cases[] = {
	    {ARGV("/usr/bin/python3\0/usr/sbin/ufw\0disable")},
	    {ARGV("/usr/bin/python3\0/usr/sbin/ufw\0--force\0reset")},
	    {ARGV("/usr/bin/python3\0/usr/sbin/ufw\0allow\0reloader")},
	    {ARGV("/usr/bin/python3\0/usr/sbin/notufw\0reload")},
	    {ARGV("reload\0/usr/sbin/ufw")}, /* "reload" must come after ufw */
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *root = make_tree(cases[i].argv, cases[i].len);

		assert_false(ufwproc_in_reload(root, 400));
		remove_tree(root);
	}
}

/* A missing or unreadable ancestor ends the walk: not a reload. */
static void test_missing(void **state)
{
	char *root = make_tree(ARGV("/usr/bin/python3\0/usr/sbin/ufw\0reload"));
	char *gone = xasprintf("rm -rf '%s/200'", root);

	(void)state;
	assert_int_equal(system(gone), 0);
	assert_false(ufwproc_in_reload(root, 400));
	assert_false(ufwproc_in_reload(root, 12345));
	free(gone);
	remove_tree(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reload),
	    cmocka_unit_test(test_disable_and_others),
	    cmocka_unit_test(test_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
