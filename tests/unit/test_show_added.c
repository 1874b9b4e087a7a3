/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_show_added: `show added` byte for byte against every ufw-generated
 * corpus scenario, plus hex_decode and get_command corner cases. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diag.h"
#include "show_added.h"
#include "ufw_rules.h"
#include "util.h"

#define CORPUS "tests/data/ufw-corpus/"

/* The whole file in sb; false when it does not exist. */
static bool slurp(const char *path, struct strbuf *sb)
{
	FILE *f = fopen(path, "r");
	char buf[4096];
	size_t n;

	if (!f)
		return false;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sb_addn(sb, buf, n);
	fclose(f);
	return true;
}

/* Whether the scenario ran with IPV6=no (then ufw never reads user6.rules). */
static bool scenario_ipv6(const char *dir)
{
	struct strbuf sb = {0};
	char *p = xasprintf("%s/commands.txt", dir);
	char *q = xasprintf("%s/config-in-effect.txt", dir);
	bool v6;

	slurp(p, &sb);
	slurp(q, &sb);
	v6 = !strstr(sb_str(&sb), "IPV6=no");
	free(p);
	free(q);
	sb_free(&sb);
	return v6;
}

/* Returns 1 when the scenario has an oracle and matched, 0 without one. */
static int check_scenario(const char *name)
{
	struct strbuf want = {0}, got = {0};
	struct ufw_ruleset rs = {0};
	char *dir = xasprintf(CORPUS "%s", name);
	char *oracle = xasprintf("%s/show-added.txt", dir);
	char *v4 = xasprintf("%s/user.rules", dir);
	char *v6 = xasprintf("%s/user6.rules", dir);
	struct diag d;
	int ret = 0;

	diag_init(&d, stderr);
	if (slurp(oracle, &want)) {
		assert_int_equal(ufw_rules_read_file(v4, UFW_V4, &rs, &d), 0);
		if (scenario_ipv6(dir))
			assert_int_equal(ufw_rules_read_file(v6, UFW_V6, &rs, &d), 0);
		show_added(&rs, &got, &d);
		if (got.len != want.len || memcmp(sb_str(&got), sb_str(&want), got.len))
			fail_msg("%s: got\n%s\nwant\n%s", name, sb_str(&got),
				 sb_str(&want));
		assert_int_equal(d.warnings, 0);
		ret = 1;
	}
	ufw_ruleset_free(&rs);
	sb_free(&want);
	sb_free(&got);
	diag_free(&d);
	free(dir);
	free(oracle);
	free(v4);
	free(v6);
	return ret;
}

static void test_corpus_byte_for_byte(void **state)
{
	DIR *dir = opendir(CORPUS);
	struct dirent *e;
	int matched = 0;

	(void)state;
	assert_non_null(dir);
	while ((e = readdir(dir)) != NULL)
		if (e->d_name[0] >= '0' && e->d_name[0] <= '9')
			matched += check_scenario(e->d_name);
	closedir(dir);
	/* 25 scenarios; 00 and 21 have no show-added.txt */
	assert_int_equal(matched, 23);
}

static void decodes(const char *hex, const char *want, size_t want_len)
{
	struct strbuf sb = {0};

	assert_int_equal(ufw_hex_decode(hex, &sb), 0);
	assert_int_equal(sb.len, want_len);
	assert_memory_equal(sb_str(&sb), want, want_len);
	sb_free(&sb);
}

static void test_hex_decode(void **state)
{
	struct strbuf sb = {0};

	(void)state;
	decodes("616263", "abc", 3);
	decodes("61626", "ab", 2); /* odd: last character dropped */
	decodes("4A4b", "JK", 2);  /* either case */
	decodes("", "", 0);
	decodes("610062", "a\0b", 3); /* NUL survives */
	decodes("c3bc", "\xc3\xbc", 2);
	decodes("ff61",
		"\\xff"
		"a",
		5); /* backslashreplace */
	decodes("c3", "\\xc3", 4);
	decodes("e282", "\\xe2\\x82", 8);
	decodes("eda080", "\\xed\\xa0\\x80", 12); /* surrogate */
	decodes("c0af", "\\xc0\\xaf", 8);	  /* overlong */
	assert_int_equal(ufw_hex_decode("zz", &sb), -EINVAL);
	assert_int_equal(ufw_hex_decode("6 61", &sb), -EINVAL);
	assert_int_equal(sb.len, 0);
}

/* show added for the given file text (one family). */
static char *show_text(const char *text, enum ufw_family fam, struct diag *d)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	struct ufw_ruleset rs = {0};
	struct strbuf out = {0};

	assert_non_null(f);
	diag_init(d, NULL);
	d->keep = 1;
	assert_int_equal(ufw_rules_read_stream(f, "x.rules", fam, &rs, d), 0);
	fclose(f);
	show_added(&rs, &out, d);
	ufw_ruleset_free(&rs);
	return sb_detach(&out);
}

#define HDR "Added user rules (see 'ufw status' for running firewall):\n"
#define T   "### tuple ### "

static void expect_show(const char *text, const char *want, unsigned warnings)
{
	struct diag d;
	char *got = show_text(text, UFW_V4, &d);

	assert_string_equal(got, want);
	assert_int_equal(d.warnings, warnings);
	free(got);
	diag_free(&d);
}

static void test_none_and_dedup(void **state)
{
	(void)state;
	expect_show("*filter\nCOMMIT\n", HDR "(None)\n", 0);
	expect_show(T "allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n" T
		      "allow tcp 22 ::/0 any 0.0.0.0/0 in\n" T
		      "deny tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n",
		    HDR "ufw allow 22/tcp\nufw deny 22/tcp\n", 0);
}

static void test_syntax_forms(void **state)
{
	(void)state;
	expect_show(
	    T "allow any any 0.0.0.0/0 any 0.0.0.0/0 in\n" T
	      "deny_log-all any any 0.0.0.0/0 any 0.0.0.0/0 out\n" T
	      "route:allow any any 0.0.0.0/0 any 0.0.0.0/0 in_eth0!out_eth1\n" T
	      "allow tcp 80,443 0.0.0.0/0 any 0.0.0.0/0 Nginx%20Full - in\n" T
	      "allow tcp 80 0.0.0.0/0 8080 203.0.113.0/24 - Web%20to%20Cache in\n" T
	      "limit_log udp 1000:2000 0.0.0.0/0 any 0.0.0.0/0 out\n",
	    HDR "ufw allow to any\n"
		"ufw deny out log-all to any\n"
		"ufw route allow in on eth0 out on eth1\n"
		"ufw allow 'Nginx Full'\n"
		"ufw allow from 203.0.113.0/24 app 'Web to Cache' to any port 80\n"
		"ufw limit out log 1000:2000/udp\n",
	    0);
}

static void test_bad_comment_warns(void **state)
{
	(void)state;
	expect_show(T "allow tcp 31 0.0.0.0/0 any 0.0.0.0/0 in comment=zz\n",
		    HDR "ufw allow 31/tcp comment 'zz'\n", 1);
	expect_show(T "allow tcp 32 0.0.0.0/0 any 0.0.0.0/0 in comment=610a62ff\n",
		    HDR "ufw allow 32/tcp comment 'a\nb\\xff'\n", 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_corpus_byte_for_byte),
	    cmocka_unit_test(test_hex_decode),
	    cmocka_unit_test(test_none_and_dedup),
	    cmocka_unit_test(test_syntax_forms),
	    cmocka_unit_test(test_bad_comment_warns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
