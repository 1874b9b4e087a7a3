/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_ufw_conf: ufw_conf against real ufw files (package, corpus scenarios)
 * and each quirk of ufw's two readers (ufw-internals.md 3.1). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "diag.h"
#include "ufw_conf.h"

#define DATA "tests/data/conf/ufw/"

static const char policies[] = "DEFAULT_INPUT_POLICY=\"DROP\"\n"
			       "DEFAULT_OUTPUT_POLICY=\"ACCEPT\"\n"
			       "DEFAULT_FORWARD_POLICY=\"DROP\"\n";

/* Parses defaults then conf (either may be NULL) with messages kept in d. */
static int parse2(struct ufw_state *st, const char *defaults, const char *conf, bool v6,
		  struct diag *d)
{
	struct ufw_conf_text f[2] = {
	    {"/etc/default/ufw", defaults ? defaults : "",
	     defaults ? strlen(defaults) : 0},
	    {"/etc/ufw/ufw.conf", conf ? conf : "", conf ? strlen(conf) : 0},
	};

	diag_init(d, NULL);
	d->keep = 1;
	return ufw_state_parse(st, f, 2, v6, d);
}

/* The state for `policies` plus extra lines in ufw.conf; must parse. */
static struct ufw_state with_conf(const char *conf)
{
	struct ufw_state st;
	struct diag d;

	memset(&st, 0xa5, sizeof(st));
	assert_int_equal(parse2(&st, policies, conf, true, &d), 0);
	assert_int_equal(d.errors, 0);
	diag_free(&d);
	return st;
}

static void test_corpus_scenarios(void **state)
{
	static const struct {
		const char *dir;
		enum ufw_policy in, out, fwd;
		enum ufw_loglevel log;
	} cases[] = {
	    {"01-basic-ports", UFW_POLICY_DROP, UFW_POLICY_ACCEPT, UFW_POLICY_DROP,
	     UFW_LOGLEVEL_LOW},
	    {"12-policy-logging-medium", UFW_POLICY_REJECT, UFW_POLICY_ACCEPT,
	     UFW_POLICY_ACCEPT, UFW_LOGLEVEL_MEDIUM},
	    {"13-logging-off", UFW_POLICY_DROP, UFW_POLICY_ACCEPT, UFW_POLICY_DROP,
	     UFW_LOGLEVEL_OFF},
	    {"14-logging-full-outgoing-deny", UFW_POLICY_ACCEPT, UFW_POLICY_DROP,
	     UFW_POLICY_DROP, UFW_LOGLEVEL_FULL},
	    {"15-logging-high", UFW_POLICY_DROP, UFW_POLICY_ACCEPT, UFW_POLICY_DROP,
	     UFW_LOGLEVEL_HIGH},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char root[256];
		struct ufw_state st;
		struct diag d;

		snprintf(root, sizeof(root), DATA "%s", cases[i].dir);
		diag_init(&d, stderr);
		assert_int_equal(ufw_state_load(&st, root, &d), 0);
		assert_int_equal(st.input_policy, cases[i].in);
		assert_int_equal(st.output_policy, cases[i].out);
		assert_int_equal(st.forward_policy, cases[i].fwd);
		assert_int_equal(st.loglevel, cases[i].log);
		assert_false(st.enabled);	  /* ENABLED=no */
		assert_false(st.ipv6);		  /* no IPV6 line in these */
		assert_false(st.manage_builtins); /* MANAGE_BUILTINS=no */
		assert_int_equal(d.errors + d.warnings, 0);
		diag_free(&d);
	}
}

/* Debian's shipped /etc/default/ufw and /usr/share/ufw/ufw.conf. */
static void test_package_files(void **state)
{
	static const char *const roots[] = {DATA "package", DATA "sandbox"};
	bool kernel_v6 = access("/proc/sys/net/ipv6", F_OK) == 0;
	(void)state;

	for (size_t i = 0; i < 2; i++) {
		struct ufw_state st;
		struct diag d;

		diag_init(&d, stderr);
		assert_int_equal(ufw_state_load(&st, roots[i], &d), 0);
		assert_int_equal(st.ipv6, kernel_v6);
		assert_false(st.enabled);
		assert_int_equal(st.input_policy, UFW_POLICY_DROP);
		assert_int_equal(st.output_policy, UFW_POLICY_ACCEPT);
		assert_int_equal(st.forward_policy, UFW_POLICY_DROP);
		assert_int_equal(st.loglevel, UFW_LOGLEVEL_LOW);
		assert_false(st.manage_builtins);
		diag_free(&d);
	}
}

static void test_missing_file(void **state)
{
	struct ufw_state st;
	struct diag d;
	(void)state;

	diag_init(&d, NULL);
	d.keep = 1;
	assert_int_equal(ufw_state_load(&st, DATA "no-such-root", &d), -ENOENT);
	assert_int_equal(d.errors, 1);
	assert_non_null(
	    strstr(d.kept.buf, DATA "no-such-root/etc/default/ufw: error: cannot read"));
	diag_free(&d);
}

static bool ipv6_of(const char *defaults_extra, bool kernel_v6)
{
	char text[512];
	struct ufw_state st;
	struct diag d;

	snprintf(text, sizeof(text), "%s%s", policies, defaults_extra);
	assert_int_equal(parse2(&st, text, NULL, kernel_v6, &d), 0);
	diag_free(&d);
	return st.ipv6;
}

static void test_ipv6_python_quirks(void **state)
{
	(void)state;
	assert_true(ipv6_of("IPV6=yes\n", true));
	assert_false(ipv6_of("IPV6=yes\n", false)); /* no /proc/sys/net/ipv6 */
	assert_true(ipv6_of("IPV6=\"yes\"\n", true));
	assert_true(ipv6_of("ipv6=YES\n", true));    /* key and value lowercased */
	assert_false(ipv6_of("IPV6='yes'\n", true)); /* ' is not \w: line ignored */
	assert_true(ipv6_of("IPV6=yes\nIPV6='no'\n", true));
	assert_false(ipv6_of(" IPV6=yes\n", true)); /* leading space: ignored */
	assert_true(ipv6_of("IPV6=yes\n IPV6=no\n", true));
	assert_false(ipv6_of("export IPV6=yes\n", true));
	assert_false(ipv6_of("IPV6=yes # comment\n", true)); /* value "yes # comment" */
	assert_true(ipv6_of("IPV6=yes   \n", true));	    /* trailing blanks stripped */
	assert_true(ipv6_of("IPV6=yes=no\n", true));	    /* A=b=c -> b */
	assert_false(ipv6_of("IPV6=yes\nIPV6=no\n", true)); /* last wins */
	assert_true(ipv6_of("IPV6=no\nIPV6=yes\n", true));
	assert_true(ipv6_of("IPV6=no\nIPV6=\nIPV6=\"\"\nIPV6=yes\n", true));
	assert_false(ipv6_of("IPV6=yes\r\nIPV6=no\r\n", true)); /* CRLF: two lines */
	assert_true(ipv6_of("IPV6=no\rIPV6=yes\r", true));	/* lone CR splits too */
}

static void test_policy_values(void **state)
{
	struct ufw_state st;
	struct diag d;
	(void)state;

	assert_int_equal(parse2(&st,
				"DEFAULT_INPUT_POLICY=Reject\n"
				"DEFAULT_OUTPUT_POLICY=\"drop\"\n"
				"DEFAULT_FORWARD_POLICY=ACCEPT=DROP\n"
				"DEFAULT_INPUT_POLICY='DROP'\n",
				"DEFAULT_OUTPUT_POLICY=accept\n", true, &d),
			 0);
	assert_int_equal(st.input_policy, UFW_POLICY_REJECT);	/* 'DROP' ignored */
	assert_int_equal(st.output_policy, UFW_POLICY_ACCEPT);	/* ufw.conf last */
	assert_int_equal(st.forward_policy, UFW_POLICY_ACCEPT); /* A=b=c */
	assert_int_equal(d.errors, 0);
	diag_free(&d);
}

static void test_missing_policy(void **state)
{
	struct ufw_state st = {0};
	struct diag d;
	(void)state;

	assert_int_equal(parse2(&st,
				"DEFAULT_INPUT_POLICY=\"DROP\"\n"
				" DEFAULT_OUTPUT_POLICY=\"ACCEPT\"\n"
				"DEFAULT_FORWARD_POLICY=\"nonsense\"\n",
				NULL, true, &d),
			 -EINVAL);
	assert_int_equal(d.errors, 1); /* output is checked before forward */
	assert_string_equal(d.kept.buf,
			    "ufw-docker: /etc/default/ufw: error: missing policy "
			    "for 'output' (DEFAULT_OUTPUT_POLICY)\n");
	assert_int_equal(st.input_policy, 0); /* untouched on failure */
	diag_free(&d);
}

static void test_invalid_policy_names_line(void **state)
{
	struct ufw_state st;
	struct diag d;
	(void)state;

	assert_int_equal(
	    parse2(&st, policies, "# x\nDEFAULT_FORWARD_POLICY=allow\n", true, &d),
	    -EINVAL);
	assert_int_equal(d.errors, 1);
	assert_string_equal(d.kept.buf, "ufw-docker: /etc/ufw/ufw.conf:2: error: invalid "
					"policy 'allow' for 'forward'\n");
	diag_free(&d);

	assert_int_equal(
	    parse2(&st, "\n\nDEFAULT_INPUT_POLICY=\"DENY\"\n", NULL, true, &d), -EINVAL);
	assert_string_equal(d.kept.buf, "ufw-docker: /etc/default/ufw:3: error: invalid "
					"policy 'deny' for 'input'\n");
	diag_free(&d);
}

static void test_enabled_shell_quirks(void **state)
{
	(void)state;
	assert_true(with_conf("ENABLED=yes\n").enabled);
	assert_true(with_conf("ENABLED=YES\n").enabled);
	assert_false(with_conf("ENABLED=Yes\n").enabled); /* Python: yes; shell: no */
	assert_false(with_conf("ENABLED=no\n").enabled);
	assert_false(with_conf("").enabled);
	assert_true(with_conf("ENABLED=\"yes\"\n").enabled);
	assert_true(with_conf("ENABLED='YES'\n").enabled);
	assert_true(with_conf("ENABLED=y\"e\"'s'\n").enabled);
	assert_true(with_conf("ENABLED=yes # on at boot\n").enabled);
	assert_true(with_conf("  ENABLED=yes\n").enabled);
	assert_true(with_conf("export ENABLED=yes\n").enabled);
	assert_true(with_conf("ENABLED=no; ENABLED=yes\n").enabled);
	assert_true(with_conf("A=1 ENABLED=yes\n").enabled);
	assert_false(with_conf("ENABLED=yes\r\n").enabled); /* the \r is in the value */
	assert_false(with_conf("ENABLED=yes true\n").enabled); /* env of a command */
	assert_false(with_conf("ENABLED=$YES\n").enabled);
	assert_false(with_conf("ENABLED=\"yes\n").enabled); /* quote runs on */
	assert_false(with_conf("ENABLED=yes#no\n").enabled);
	assert_false(with_conf("ENABLED=yes\nENABLED=no\n").enabled);
	assert_true(with_conf("ENABLED=no\n#ENABLED=no\nENABLED=yes\n").enabled);
	assert_false(with_conf("ENABLED=yes &\n").enabled);
}

static void test_enabled_across_files(void **state)
{
	struct ufw_state st;
	struct diag d;
	char text[256];
	(void)state;

	snprintf(text, sizeof(text), "%sENABLED=yes\n", policies);
	assert_int_equal(parse2(&st, text, NULL, true, &d), 0);
	assert_true(st.enabled);
	diag_free(&d);
	assert_int_equal(parse2(&st, text, "ENABLED=no\n", true, &d), 0);
	assert_false(st.enabled); /* ufw.conf is sourced last */
	diag_free(&d);
}

static void test_manage_builtins(void **state)
{
	(void)state;
	assert_true(with_conf("MANAGE_BUILTINS=yes\n").manage_builtins);
	assert_false(with_conf("MANAGE_BUILTINS=YES\n").manage_builtins); /* only yes */
	assert_false(with_conf("MANAGE_BUILTINS=no\n").manage_builtins);
	assert_false(with_conf("").manage_builtins);
}

static void test_loglevel(void **state)
{
	static const char *const names[] = {"off", "low", "medium", "high", "full"};
	struct ufw_state st;
	struct diag d;
	char text[64];
	(void)state;

	for (int i = 0; i < 5; i++) {
		snprintf(text, sizeof(text), "LOGLEVEL=%s\n", names[i]);
		assert_int_equal(with_conf(text).loglevel, i);
		assert_string_equal(ufw_loglevel_name((enum ufw_loglevel)i), names[i]);
	}
	assert_int_equal(with_conf("LOGLEVEL=\"HIGH\"\n").loglevel, UFW_LOGLEVEL_HIGH);
	assert_int_equal(with_conf("").loglevel, UFW_LOGLEVEL_LOW);

	assert_int_equal(parse2(&st, policies, "\nLOGLEVEL=verbose\n", true, &d), 0);
	assert_int_equal(st.loglevel, UFW_LOGLEVEL_LOW);
	assert_int_equal(d.warnings, 1);
	assert_non_null(strstr(d.kept.buf,
			       "/etc/ufw/ufw.conf:2: warning: unknown LOGLEVEL "
			       "'verbose'"));
	diag_free(&d);
}

static void test_policy_names(void **state)
{
	(void)state;
	assert_string_equal(ufw_policy_name(UFW_POLICY_ACCEPT), "allow");
	assert_string_equal(ufw_policy_name(UFW_POLICY_DROP), "deny");
	assert_string_equal(ufw_policy_name(UFW_POLICY_REJECT), "reject");
}

/* Bytes ufw never writes must neither crash nor count as values. */
static void test_odd_bytes(void **state)
{
	static const char text[] = "DEFAULT_INPUT_POLICY=\"DROP\"\nIPV6=yes\0junk\n"
				   "DEFAULT_OUTPUT_POLICY=ACCEPT\n"
				   "DEFAULT_FORWARD_POLICY=\xc3\xa9\n";
	struct ufw_conf_text f = {"d", text, sizeof(text) - 1};
	struct ufw_state st;
	struct diag d;
	(void)state;

	diag_init(&d, NULL);
	d.keep = 1;
	assert_int_equal(ufw_state_parse(&st, &f, 1, true, &d), -EINVAL);
	assert_non_null(
	    strstr(d.kept.buf, "d:4: error: invalid policy '\xc3\xa9' for 'forward'"));
	diag_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_corpus_scenarios),
	    cmocka_unit_test(test_package_files),
	    cmocka_unit_test(test_missing_file),
	    cmocka_unit_test(test_ipv6_python_quirks),
	    cmocka_unit_test(test_policy_values),
	    cmocka_unit_test(test_missing_policy),
	    cmocka_unit_test(test_invalid_policy_names_line),
	    cmocka_unit_test(test_enabled_shell_quirks),
	    cmocka_unit_test(test_enabled_across_files),
	    cmocka_unit_test(test_manage_builtins),
	    cmocka_unit_test(test_loglevel),
	    cmocka_unit_test(test_policy_names),
	    cmocka_unit_test(test_odd_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
