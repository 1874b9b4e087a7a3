/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_config: ufw-docker.conf through inih: defaults, the shipped file, each
 * key's good and bad values, and error messages with their line numbers. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "diag.h"

#define DATA "tests/data/conf/ufw-docker/"

static void assert_defaults(const struct ufwd_config *c)
{
	assert_int_equal(c->backend, UFWD_BACKEND_AUTO);
	assert_int_equal(c->ipv6, UFWD_AUTO);
	assert_int_equal(c->n_internal_ifaces, 2);
	assert_string_equal(c->internal_ifaces[0], "docker0");
	assert_string_equal(c->internal_ifaces[1], "br-+");
	assert_string_equal(c->log_prefix, "UFW DOCKER");
}

/* Loads text over defaults; messages are kept in d (caller frees d, c). */
static int load(struct ufwd_config *c, const char *text, struct diag *d)
{
	ufwd_config_defaults(c);
	diag_init(d, NULL);
	d->keep = 1;
	return ufwd_config_load_string(c, text, "t.conf", d);
}

/* Text must fail with exactly one error, equal to msg. */
static void assert_one_error(const char *text, const char *msg)
{
	struct ufwd_config c;
	struct diag d;

	assert_int_equal(load(&c, text, &d), -EINVAL);
	assert_int_equal(d.errors, 1);
	assert_string_equal(d.kept.buf, msg);
	assert_defaults(&c); /* untouched on failure */
	ufwd_config_free(&c);
	diag_free(&d);
}

static void assert_ok(const char *text, struct ufwd_config *c)
{
	struct diag d;

	assert_int_equal(load(c, text, &d), 0);
	assert_int_equal(d.errors + d.warnings, 0);
	diag_free(&d);
}

static void test_defaults(void **state)
{
	struct ufwd_config c;
	(void)state;

	ufwd_config_defaults(&c);
	assert_defaults(&c);
	ufwd_config_free(&c);
	ufwd_config_free(&c); /* a freed (zeroed) struct may be freed again */
	assert_ok("", &c);
	assert_defaults(&c);
	ufwd_config_free(&c);
}

static void test_shipped_file_is_defaults(void **state)
{
	struct ufwd_config c;
	struct diag d;
	(void)state;

	ufwd_config_defaults(&c);
	free(c.log_prefix);
	c.log_prefix = strdup("changed");
	c.backend = UFWD_BACKEND_NFTABLES;
	diag_init(&d, stderr);
	assert_int_equal(ufwd_config_load(&c, "etc/ufw-docker.conf", &d), 0);
	assert_int_equal(d.errors + d.warnings, 0);
	assert_defaults(&c);
	ufwd_config_free(&c);
	diag_free(&d);
}

static void test_missing_file_gives_defaults(void **state)
{
	struct ufwd_config c;
	struct diag d;
	(void)state;

	ufwd_config_defaults(&c);
	c.ipv6 = UFWD_NO;
	diag_init(&d, stderr);
	assert_int_equal(ufwd_config_load(&c, DATA "no-such.conf", &d), 0);
	assert_defaults(&c);
	ufwd_config_free(&c);
	diag_free(&d);
}

static void test_full_file(void **state)
{
	struct ufwd_config c;
	struct diag d;
	(void)state;

	ufwd_config_defaults(&c);
	diag_init(&d, stderr);
	assert_int_equal(ufwd_config_load(&c, DATA "full.conf", &d), 0);
	assert_int_equal(c.backend, UFWD_BACKEND_NFTABLES);
	assert_int_equal(c.ipv6, UFWD_NO);
	assert_int_equal(c.n_internal_ifaces, 3);
	assert_string_equal(c.internal_ifaces[0], "eth+");
	assert_string_equal(c.internal_ifaces[1], "my_if");
	assert_string_equal(c.internal_ifaces[2], "a=b%c@d,e");
	assert_string_equal(c.log_prefix, "DOCKER-FW_1");
	ufwd_config_free(&c);
	diag_free(&d);
}

/* Every error of a file is reported, each with its line. */
static void test_errors_file(void **state)
{
	struct ufwd_config c;
	struct diag d;
	(void)state;

	ufwd_config_defaults(&c);
	diag_init(&d, NULL);
	d.keep = 1;
	assert_int_equal(ufwd_config_load(&c, DATA "errors.conf", &d), -EINVAL);
	assert_int_equal(d.errors, 4);
	assert_string_equal(
	    d.kept.buf,
	    "ufw-docker: " DATA
	    "errors.conf:3: error: duplicate key 'backend' in section "
	    "[general] (first set on line 2)\n"
	    "ufw-docker: " DATA "errors.conf:4: error: unknown key 'colour' in section "
	    "[general]\n"
	    "ufw-docker: " DATA "errors.conf:6: error: unknown section [dockr]\n"
	    "ufw-docker: " DATA "errors.conf:10: error: bad value 'UFW BLOCK x' for key "
	    "'prefix' in section [logging]: 'UFW BLOCK' and 'UFW ALLOW' belong to ufw's "
	    "own log lines (and 'ufw default' rewrites them)\n");
	assert_defaults(&c);
	ufwd_config_free(&c);
	diag_free(&d);
}

static void test_backend_and_ipv6(void **state)
{
	static const char *const backends[] = {"auto", "iptables", "nftables"};
	static const char *const tri[] = {"auto", "yes", "no"};
	struct ufwd_config c;
	char text[128];
	(void)state;

	for (int i = 0; i < 3; i++) {
		snprintf(text, sizeof(text), "[general]\nbackend=%s\nipv6 = %s\n",
			 backends[i], tri[i]);
		assert_ok(text, &c);
		assert_int_equal(c.backend, i);
		assert_int_equal(c.ipv6, i);
		assert_string_equal(ufwd_backend_name(c.backend), backends[i]);
		assert_string_equal(ufwd_tristate_name(c.ipv6), tri[i]);
		ufwd_config_free(&c);
	}
	assert_one_error(
	    "[general]\n\nbackend = IPTABLES\n",
	    "ufw-docker: t.conf:3: error: bad value 'IPTABLES' for key 'backend' in "
	    "section [general]: expected auto, iptables or nftables\n");
	assert_one_error(
	    "[general]\nipv6 = true\n",
	    "ufw-docker: t.conf:2: error: bad value 'true' for key 'ipv6' in "
	    "section [general]: expected auto, yes or no\n");
	assert_one_error(
	    "[general]\nipv6 =\n",
	    "ufw-docker: t.conf:2: error: bad value '' for key 'ipv6' in section "
	    "[general]: expected auto, yes or no\n");
}

static void test_internal_interfaces(void **state)
{
	struct ufwd_config c;
	(void)state;

	assert_ok("[docker]\ninternal_interfaces =\n", &c);
	assert_int_equal(c.n_internal_ifaces, 0);
	ufwd_config_free(&c);
	assert_ok("[docker]\ninternal_interfaces = 123456789012345 eth0.100\n", &c);
	assert_int_equal(c.n_internal_ifaces, 2);
	assert_string_equal(c.internal_ifaces[0], "123456789012345");
	assert_string_equal(c.internal_ifaces[1], "eth0.100");
	ufwd_config_free(&c);

	assert_one_error(
	    "[docker]\ninternal_interfaces = docker0 1234567890123456\n",
	    "ufw-docker: t.conf:2: error: bad value 'docker0 1234567890123456' for "
	    "key 'internal_interfaces' in section [docker]: interface "
	    "'1234567890123456' is longer than 15 characters\n");
	assert_one_error(
	    "[docker]\ninternal_interfaces = eth0:1\n",
	    "ufw-docker: t.conf:2: error: bad value 'eth0:1' for key "
	    "'internal_interfaces' in section [docker]: interface 'eth0:1' has a "
	    "character other than letters, digits and _-.+,=%@\n");
	assert_one_error(
	    "[docker]\ninternal_interfaces = in!out\n",
	    "ufw-docker: t.conf:2: error: bad value 'in!out' for key "
	    "'internal_interfaces' in section [docker]: interface 'in!out' has a "
	    "character other than letters, digits and _-.+,=%@\n");
	assert_one_error(
	    "[docker]\ninternal_interfaces = eth0 ..\n",
	    "ufw-docker: t.conf:2: error: bad value 'eth0 ..' for key "
	    "'internal_interfaces' in section [docker]: '..' is not an interface "
	    "name\n");
	assert_one_error(
	    "[docker]\ninternal_interfaces = br-+ docker0 br-+\n",
	    "ufw-docker: t.conf:2: error: bad value 'br-+ docker0 br-+' for key "
	    "'internal_interfaces' in section [docker]: interface 'br-+' is listed "
	    "twice\n");
}

static void test_log_prefix(void **state)
{
	struct ufwd_config c;
	(void)state;

	assert_ok("[logging]\nprefix = 12345678901234\n", &c);
	assert_string_equal(c.log_prefix, "12345678901234");
	ufwd_config_free(&c);
	assert_ok("[logging]\nprefix = Ufw-Docker 2\n", &c);
	assert_string_equal(c.log_prefix, "Ufw-Docker 2");
	ufwd_config_free(&c);

	assert_one_error(
	    "[logging]\nprefix = 123456789012345\n",
	    "ufw-docker: t.conf:2: error: bad value '123456789012345' for "
	    "key 'prefix' in section [logging]: the prefix must have 1 to 14 "
	    "characters\n");
	assert_one_error(
	    "[logging]\nprefix =\n",
	    "ufw-docker: t.conf:2: error: bad value '' for key 'prefix' in section "
	    "[logging]: the prefix must have 1 to 14 characters\n");
	assert_one_error(
	    "[logging]\nprefix = a\"b\n",
	    "ufw-docker: t.conf:2: error: bad value 'a\"b' for key 'prefix' in "
	    "section [logging]: only letters, digits, space, '_' and '-' are "
	    "allowed\n");
	assert_one_error(
	    "[logging]\nprefix = UFW ALLOW\n",
	    "ufw-docker: t.conf:2: error: bad value 'UFW ALLOW' for key 'prefix' "
	    "in section [logging]: 'UFW BLOCK' and 'UFW ALLOW' belong to ufw's own "
	    "log lines (and 'ufw default' rewrites them)\n");
	assert_one_error(
	    "[logging]\nprefix = MY UFW\n",
	    "ufw-docker: t.conf:2: error: bad value 'MY UFW' for key 'prefix' "
	    "in section [logging]: 'UFW BLOCK' and 'UFW ALLOW' belong to ufw's own "
	    "log lines (and 'ufw default' rewrites them)\n");
}

static void test_structure_errors(void **state)
{
	(void)state;
	assert_one_error("backend = auto\n",
			 "ufw-docker: t.conf:1: error: key 'backend' is "
			 "outside any section\n");
	assert_one_error("[general]\n[nope]\n",
			 "ufw-docker: t.conf:2: error: unknown section [nope]\n");
	/* keys of an unknown section: one message, at its header */
	assert_one_error("[general]\n[nope]\na = 1\nb = 2\n",
			 "ufw-docker: t.conf:2: error: unknown section [nope]\n");
	assert_one_error("[General]\nbackend = auto\n",
			 "ufw-docker: t.conf:1: error: unknown section [General]\n");
	assert_one_error("[docker]\n# c\n\nbackend = auto\n",
			 "ufw-docker: t.conf:4: error: unknown key 'backend' in section "
			 "[docker]\n");
	assert_one_error(
	    "[general]\nbackend\n",
	    "ufw-docker: t.conf:2: error: syntax error: expected '[section]', 'key "
	    "= value' or a comment\n");
	assert_one_error(
	    "[general\n# backend = auto\n",
	    "ufw-docker: t.conf:1: error: syntax error: expected '[section]', 'key "
	    "= value' or a comment\n");
	assert_one_error(
	    "[docker]\ninternal_interfaces = docker0\n  br-+\n",
	    "ufw-docker: t.conf:3: error: key 'internal_interfaces' in section "
	    "[docker] goes on over an indented line (a value is one line: remove "
	    "the indentation)\n");
	assert_one_error("[logging]\nprefix = a\n[general]\n[logging]\nprefix = b\n",
			 "ufw-docker: t.conf:5: error: duplicate key 'prefix' in section "
			 "[logging] (first set on line 2)\n");
}

static void test_long_line(void **state)
{
	char text[400];
	(void)state;

	snprintf(text, sizeof(text), "[logging]\n# %0300d\nprefix = x\n", 0);
	assert_one_error(
	    text, "ufw-docker: t.conf:2: error: line longer than 197 characters\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_shipped_file_is_defaults),
	    cmocka_unit_test(test_missing_file_gives_defaults),
	    cmocka_unit_test(test_full_file),
	    cmocka_unit_test(test_errors_file),
	    cmocka_unit_test(test_backend_and_ipv6),
	    cmocka_unit_test(test_internal_interfaces),
	    cmocka_unit_test(test_log_prefix),
	    cmocka_unit_test(test_structure_errors),
	    cmocka_unit_test(test_long_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
