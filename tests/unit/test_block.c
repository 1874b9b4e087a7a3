/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_block: the managed-block splicer on real ufw files and hand-made texts:
 * insert, replace, remove, idempotence and every damaged-marker case. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "block.h"
#include "diag.h"
#include "fileio.h"

#define RULES                                                                            \
	"# BEGIN ufw-docker managed block: do not edit (ufw-docker sync rewrites it)\n"
#define RULES_END "# END ufw-docker managed block\n"
#define BODY1	  "*filter\n:ufw-docker-forward - [0:0]\nCOMMIT\n"
#define BODY2                                                                            \
	"*filter\n:ufw-docker-forward - [0:0]\n-A ufw-docker-forward -j "                \
	"RETURN\nCOMMIT\n"

static struct diag quiet(void)
{
	struct diag d;

	diag_init(&d, NULL);
	d.keep = 1;
	return d;
}

/* block_set on a C string; returns the new text (caller frees). */
static char *set(const char *text, const struct block_kind *k, const char *args,
		 const char *body)
{
	struct strbuf out = {0};
	struct diag d = quiet();

	assert_int_equal(block_set(text, strlen(text), k, "f", args, body, &out, &d), 0);
	assert_int_equal(d.errors, 0);
	diag_free(&d);
	return sb_detach(&out);
}

/* block_remove on a C string; returns the new text, *args the removed args. */
static char *rm(const char *text, const struct block_kind *k, char **args)
{
	struct strbuf out = {0};
	struct diag d = quiet();

	assert_int_equal(block_remove(text, strlen(text), k, "f", &out, args, &d), 0);
	diag_free(&d);
	return sb_detach(&out);
}

/* The round trip every case must pass: set, set again (same bytes), remove
 * (original bytes), then expect is what set produced. */
static void round_trip(const char *orig, const struct block_kind *k, const char *args,
		       const char *expect)
{
	char *a = set(orig, k, args, BODY1);
	char *b = set(a, k, args, BODY1);
	char *removed = NULL;
	char *c = rm(b, k, &removed);

	if (expect)
		assert_string_equal(a, expect);
	assert_string_equal(a, b);
	assert_string_equal(c, orig);
	assert_non_null(removed);
	assert_string_equal(removed, k->has_args ? args : "");
	free(a);
	free(b);
	free(c);
	free(removed);
}

static void test_first_insert_appends(void **state)
{
	(void)state;
	round_trip("*filter\nCOMMIT\n", &block_kind_rules, "",
		   "*filter\nCOMMIT\n" RULES BODY1 RULES_END);
}

static void test_empty_file(void **state)
{
	(void)state;
	round_trip("", &block_kind_rules, "", RULES BODY1 RULES_END);
	round_trip("", &block_kind_init, "(created)",
		   "# BEGIN ufw-docker hook (created)\n" BODY1 "# END ufw-docker hook\n");
}

static void test_no_trailing_newline(void **state)
{
	(void)state;
	round_trip("*filter\nCOMMIT", &block_kind_rules, "",
		   "*filter\nCOMMIT\n# BEGIN ufw-docker managed block: do not edit "
		   "(ufw-docker sync rewrites it) (newline added)\n" BODY1 RULES_END);
	round_trip(
	    "#!/bin/sh", &block_kind_init, "(mode 0640)",
	    "#!/bin/sh\n# BEGIN ufw-docker hook (mode 0640) (newline added)\n" BODY1
	    "# END ufw-docker hook\n");
}

/* Lines appended after a block we set with a newline added: removing the
 * block keeps that newline, else "COMMIT" and the next line would be joined. */
static void test_nl_added_then_appended(void **state)
{
	char *a = set("*filter\nCOMMIT", &block_kind_rules, "", BODY1);
	char *b = xasprintf("%s*nat\nCOMMIT\n", a);
	char *removed = NULL;
	char *c = rm(b, &block_kind_rules, &removed);

	(void)state;
	assert_string_equal(c, "*filter\nCOMMIT\n*nat\nCOMMIT\n");
	free(a);
	free(b);
	free(c);
	free(removed);
	a = set("#!/bin/sh", &block_kind_init, "(created)", BODY1);
	b = xasprintf("%sexit 0\n", a);
	c = rm(b, &block_kind_init, &removed);
	assert_string_equal(c, "#!/bin/sh\nexit 0\n");
	free(a);
	free(b);
	free(c);
	free(removed);
}

static void test_body_without_newline(void **state)
{
	char *a = set("x\n", &block_kind_rules, "", "line");

	(void)state;
	assert_string_equal(a, "x\n" RULES "line\n" RULES_END);
	free(a);
}

static void test_replace_keeps_outside(void **state)
{
	const char *orig = "head\n" RULES BODY1 RULES_END "tail\nno newline";
	char *a = set(orig, &block_kind_rules, "", BODY2);

	(void)state;
	assert_string_equal(a, "head\n" RULES BODY2 RULES_END "tail\nno newline");
	free(a);
}

static void test_init_after_shebang(void **state)
{
	(void)state;
	round_trip("#!/bin/sh\nset -e\nexit 0\n", &block_kind_init, "(mode 0640)",
		   "#!/bin/sh\n# BEGIN ufw-docker hook (mode 0640)\n" BODY1
		   "# END ufw-docker hook\nset -e\nexit 0\n");
	round_trip("set -e\n", &block_kind_init, "(mode 0750)",
		   "# BEGIN ufw-docker hook (mode 0750)\n" BODY1
		   "# END ufw-docker hook\nset -e\n");
}

static void test_replace_keeps_args_given(void **state)
{
	const char *orig = "#!/bin/sh\n# BEGIN ufw-docker hook (mode 0600)\nold\n"
			   "# END ufw-docker hook\nrest\n";
	char *a = set(orig, &block_kind_init, "(mode 0600)", "new\n");
	char *args = NULL;
	char *b = rm(a, &block_kind_init, &args);

	(void)state;
	assert_string_equal(a, "#!/bin/sh\n# BEGIN ufw-docker hook (mode 0600)\nnew\n"
			       "# END ufw-docker hook\nrest\n");
	assert_string_equal(b, "#!/bin/sh\nrest\n");
	assert_string_equal(args, "(mode 0600)");
	free(a);
	free(b);
	free(args);
}

static void test_remove_without_block(void **state)
{
	char *args = (char *)"sentinel";
	char *a = rm("*filter\nCOMMIT", &block_kind_rules, &args);

	(void)state;
	assert_string_equal(a, "*filter\nCOMMIT");
	assert_null(args);
	free(a);
}

static void test_body(void **state)
{
	const char *t = "a\n" RULES BODY2 RULES_END "b\n";
	struct strbuf out = {0};
	struct diag d = quiet();

	(void)state;
	assert_int_equal(block_body(t, strlen(t), &block_kind_rules, "f", &out, &d), 1);
	assert_string_equal(sb_str(&out), BODY2);
	assert_int_equal(block_body("a\n", 2, &block_kind_rules, "f", &out, &d), 0);
	assert_int_equal(out.len, 0);
	sb_free(&out);
	diag_free(&d);
}

/* Each damaged text is refused with its line, and out is left untouched. */
static void test_damaged(void **state)
{
	static const struct {
		const char *text;
		const char *where;
	} cases[] = {
	    {"a\n" RULES "b\n", "f:2:"},	       /* BEGIN without END */
	    {"a\n" RULES_END "b\n", "f:2:"},	       /* END without BEGIN */
	    {RULES_END RULES "x\n" RULES_END, "f:1:"}, /* END before BEGIN */
	    {RULES RULES "x\n" RULES_END, "f:2:"},     /* two BEGINs */
	    {RULES RULES_END RULES RULES_END, "f:3:"}, /* two blocks */
	    {RULES "x\n" RULES_END RULES_END, "f:4:"}, /* two ENDs */
	    {"# BEGIN ufw-docker managed block\nx\n" RULES_END, "f:1:"},
	    {RULES "x\n# END ufw-docker managed block!\n", "f:3:"},
	    {"# BEGIN ufw-docker managed block: do not edit (ufw-docker sync "
	     "rewrites it) (mode 0640)\nx\n" RULES_END,
	     "f:1:"}, /* args on a block without args */
	    {"# BEGIN ufw-docker hook (created)\n# END ufw-docker hook\n", "f:1:"},
	    {"x\n  # END ufw-docker\n", "f:2:"},
	};
	struct strbuf out = {0};
	char *args = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *t = cases[i].text;
		struct diag d = quiet();

		sb_adds(&out, "untouched");
		assert_int_equal(
		    block_set(t, strlen(t), &block_kind_rules, "f", "", "b\n", &out, &d),
		    -EBADMSG);
		assert_int_equal(
		    block_remove(t, strlen(t), &block_kind_rules, "f", &out, &args, &d),
		    -EBADMSG);
		assert_string_equal(sb_str(&out), "untouched");
		assert_int_equal(d.errors, 2);
		assert_non_null(strstr(sb_str(&d.kept), cases[i].where));
		assert_non_null(strstr(sb_str(&d.kept), "damaged"));
		sb_reset(&out);
		diag_free(&d);
	}
	sb_free(&out);
}

static void test_init_damaged_args(void **state)
{
	const char *t =
	    "#!/bin/sh\n# BEGIN ufw-docker hook (mode 0640\n# END ufw-docker hook\n";
	struct strbuf out = {0};
	struct diag d = quiet();

	(void)state;
	assert_int_equal(
	    block_set(t, strlen(t), &block_kind_init, "f", "", "b\n", &out, &d),
	    -EBADMSG);
	assert_non_null(strstr(sb_str(&d.kept), "f:2:"));
	sb_free(&out);
	diag_free(&d);
}

/* ufw's real after.rules and after6.rules, as the package ships them. */
static void test_real_after_rules(void **state)
{
	static const char *const files[] = {"/usr/share/ufw/iptables/after.rules",
					    "/usr/share/ufw/iptables/after6.rules",
					    "/usr/share/ufw/after.init"};
	struct strbuf text = {0};
	struct diag d = quiet();

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		if (file_read(files[i], &text, true, &d) == 1) {
			print_message("skip: %s missing\n", files[i]);
			continue;
		}
		assert_int_equal(d.errors, 0);
		round_trip(sb_str(&text), i < 2 ? &block_kind_rules : &block_kind_init,
			   i < 2 ? "" : "(mode 0640)", NULL);
	}
	sb_free(&text);
	diag_free(&d);
}

static void test_init_mode(void **state)
{
	static const char *const bad[] = {"",
					  "(mode)",
					  "(mode 640)",
					  "(mode 0640) x",
					  "(mode 0999)",
					  "(mode 01777",
					  "(mode  640)",
					  "(mode +640)",
					  "(mode 0-64)",
					  "(Created)"};
	char *a;

	(void)state;
	assert_int_equal(block_init_mode("(mode 0640)"), 0640);
	assert_int_equal(block_init_mode("(mode 0000)"), 0);
	assert_int_equal(block_init_mode("(created)"), BLOCK_INIT_CREATED);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(block_init_mode(bad[i]), -EBADMSG);
	a = block_init_args(0750);
	assert_string_equal(a, "(mode 0750)");
	assert_int_equal(block_init_mode(a), 0750);
	free(a);
	/* setuid, setgid and sticky bits too: sync writes them, uninstall
	 * and the next sync must read them back. */
	for (int m = 0; m <= 07777; m++) {
		a = block_init_args(m);
		assert_int_equal(block_init_mode(a), m);
		free(a);
	}
	a = block_init_args(BLOCK_INIT_CREATED);
	assert_int_equal(block_init_mode(a), BLOCK_INIT_CREATED);
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_first_insert_appends),
	    cmocka_unit_test(test_empty_file),
	    cmocka_unit_test(test_no_trailing_newline),
	    cmocka_unit_test(test_nl_added_then_appended),
	    cmocka_unit_test(test_body_without_newline),
	    cmocka_unit_test(test_replace_keeps_outside),
	    cmocka_unit_test(test_init_after_shebang),
	    cmocka_unit_test(test_replace_keeps_args_given),
	    cmocka_unit_test(test_remove_without_block),
	    cmocka_unit_test(test_body),
	    cmocka_unit_test(test_damaged),
	    cmocka_unit_test(test_init_damaged_args),
	    cmocka_unit_test(test_real_after_rules),
	    cmocka_unit_test(test_init_mode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
