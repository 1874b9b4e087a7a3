/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_ufw_rules: the reader against every tuple form and every reason ufw
 * 0.36.2 skips a tuple, with warnings naming file:line; files only. */
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
#include "ufw_rules.h"
#include "util.h"

#define CORPUS "tests/data/ufw-corpus/"

/* Parses one line as line 7 of "t.rules"; returns ufw_tuple_parse()'s result
 * and leaves the kept messages in *d (caller frees both). */
static int parse(const char *line, enum ufw_family fam, struct ufw_rule *r,
		 struct diag *d)
{
	diag_init(d, NULL);
	d->keep = 1;
	return ufw_tuple_parse(line, strlen(line), fam, "t.rules", 7, r, d);
}

/* The line must be kept; returns the rule (caller frees). */
static struct ufw_rule kept(const char *line, enum ufw_family fam)
{
	struct ufw_rule r;
	struct diag d;

	assert_int_equal(parse(line, fam, &r, &d), 1);
	assert_int_equal(d.warnings, 0);
	diag_free(&d);
	return r;
}

/* The line must be skipped with one warning of this kind at t.rules:7. */
static void skipped(const char *line, const char *kind)
{
	struct ufw_rule r;
	struct diag d;
	char *want = xasprintf("t.rules:7: warning: Skipping malformed tuple%s: ", kind);

	assert_int_equal(parse(line, UFW_V4, &r, &d), 0);
	assert_int_equal(d.warnings, 1);
	assert_non_null(strstr(sb_str(&d.kept), want));
	assert_null(r.dst);
	free(want);
	diag_free(&d);
}

#define T    "### tuple ### "
#define ANY4 " 0.0.0.0/0 "

static void test_plain_seven_fields(void **state)
{
	struct ufw_rule r = kept(T "allow tcp 22 0.0.0.0/0 any 203.0.113.42 in", UFW_V4);

	(void)state;
	assert_int_equal(r.action, UFW_ALLOW);
	assert_false(r.forward);
	assert_int_equal(r.logtype, UFW_LOG_NONE);
	assert_string_equal(r.proto, "tcp");
	assert_string_equal(r.dport_text, "22");
	assert_int_equal(r.dport.n, 1);
	assert_int_equal(r.dport.item[0].lo, 22);
	assert_int_equal(r.dport.item[0].hi, 22);
	assert_string_equal(r.sport_text, "any");
	assert_int_equal(r.sport.n, 0);
	assert_string_equal(r.dst, "0.0.0.0/0");
	assert_string_equal(r.src, "203.0.113.42");
	assert_int_equal(r.direction, UFW_DIR_IN);
	assert_string_equal(r.dapp, "");
	assert_string_equal(r.iface_in, "");
	assert_string_equal(r.comment_hex, "");
	assert_int_equal(r.family, UFW_V4);
	assert_string_equal(r.file, "t.rules");
	assert_int_equal(r.line, 7);
	ufw_rule_free(&r);
}

static void test_app_nine_fields(void **state)
{
	struct ufw_rule r =
	    kept(T "reject_log tcp 80,443" ANY4 "any 198.51.100.0/24 Nginx%20Full - out",
		 UFW_V4);

	(void)state;
	assert_int_equal(r.action, UFW_REJECT);
	assert_int_equal(r.logtype, UFW_LOG_NEW);
	assert_string_equal(r.dapp, "Nginx Full");
	assert_string_equal(r.sapp, "");
	assert_int_equal(r.direction, UFW_DIR_OUT);
	assert_int_equal(r.dport.n, 2);
	assert_int_equal(r.dport.item[1].lo, 443);
	ufw_rule_free(&r);
}

static void test_legacy_six_and_eight(void **state)
{
	struct ufw_rule r = kept(T "deny udp 53" ANY4 "any 0.0.0.0/0", UFW_V4);

	(void)state;
	assert_int_equal(r.action, UFW_DENY);
	assert_int_equal(r.direction, UFW_DIR_IN);
	ufw_rule_free(&r);
	/* 7 fields with trailing garbage become an 8-field app rule */
	r = kept(T "allow tcp 28" ANY4 "any 0.0.0.0/0 in extra", UFW_V4);
	assert_string_equal(r.dapp, "in");
	assert_string_equal(r.sapp, "extra");
	assert_int_equal(r.direction, UFW_DIR_IN);
	ufw_rule_free(&r);
}

static void test_route_and_ifaces(void **state)
{
	struct ufw_rule r =
	    kept(T "route:allow_log-all tcp 80" ANY4 "any 0.0.0.0/0 in_eth0!out_docker0",
		 UFW_V4);

	(void)state;
	assert_true(r.forward);
	assert_int_equal(r.logtype, UFW_LOG_ALL);
	assert_string_equal(r.iface_in, "eth0");
	assert_string_equal(r.iface_out, "docker0");
	ufw_rule_free(&r);
	r = kept(T "route:reject udp 53 192.0.2.8 any 0.0.0.0/0 out_eth1", UFW_V4);
	assert_int_equal(r.direction, UFW_DIR_OUT);
	assert_string_equal(r.iface_out, "eth1");
	assert_string_equal(r.iface_in, "");
	ufw_rule_free(&r);
	/* partition('_'): the name is everything after the first '_' */
	r = kept(T "allow tcp 37" ANY4 "any 0.0.0.0/0 in_my_if", UFW_V4);
	assert_string_equal(r.iface_in, "my_if");
	ufw_rule_free(&r);
	/* "in_" alone: no interface, direction in */
	r = kept(T "allow tcp 38" ANY4 "any 0.0.0.0/0 in_", UFW_V4);
	assert_string_equal(r.iface_in, "");
	ufw_rule_free(&r);
	/* any prefix before ':' means forward */
	r = kept(T "whatever:limit tcp 39" ANY4 "any 0.0.0.0/0 in", UFW_V4);
	assert_true(r.forward);
	assert_int_equal(r.action, UFW_LIMIT);
	ufw_rule_free(&r);
}

static void test_action_quirks(void **state)
{
	struct ufw_rule r = kept(T "ALLOW tcp 25" ANY4 "any 0.0.0.0/0 in", UFW_V4);

	(void)state;
	assert_int_equal(r.action, UFW_ALLOW);
	ufw_rule_free(&r);
	r = kept(T "bogus tcp 26" ANY4 "any 0.0.0.0/0 in", UFW_V4);
	assert_int_equal(r.action, UFW_DENY);
	ufw_rule_free(&r);
	r = kept(T "allow_ tcp 26" ANY4 "any 0.0.0.0/0 in", UFW_V4);
	assert_int_equal(r.action, UFW_ALLOW);
	assert_int_equal(r.logtype, UFW_LOG_NONE);
	ufw_rule_free(&r);
	skipped(T "allow_foo tcp 32" ANY4 "any 0.0.0.0/0 in", "");
}

static void test_anywhere_per_family(void **state)
{
	struct ufw_rule r = kept(T "allow any any ::/0 any ANY in", UFW_V4);

	(void)state;
	assert_string_equal(r.dst, "0.0.0.0/0");
	assert_string_equal(r.src, "0.0.0.0/0");
	ufw_rule_free(&r);
	r = kept(T "allow any any 0.0.0.0/0 any 2001:DB8::1 in", UFW_V6);
	assert_string_equal(r.dst, "::/0");
	assert_string_equal(r.src, "2001:db8::1");
	assert_int_equal(r.family, UFW_V6);
	ufw_rule_free(&r);
	/* kept as written: host bits and dotted masks are legal stored values */
	r = kept(T "allow tcp 33 10.0.0.1/24 any 10.0.0.0/255.0.255.0 in", UFW_V4);
	assert_string_equal(r.dst, "10.0.0.1/24");
	assert_string_equal(r.src, "10.0.0.0/255.0.255.0");
	ufw_rule_free(&r);
}

static void test_ports(void **state)
{
	struct ufw_rule r =
	    kept(T "allow tcp 80,443,8000:8080" ANY4 "1024:65535 0.0.0.0/0 in", UFW_V4);
	struct port_spec ps;
	char *text;

	(void)state;
	assert_int_equal(r.dport.n, 3);
	assert_int_equal(r.dport.item[2].lo, 8000);
	assert_int_equal(r.dport.item[2].hi, 8080);
	assert_int_equal(r.sport.item[0].hi, 65535);
	ufw_rule_free(&r);
	/* service names resolve like getservbyname; leading zeros are kept */
	assert_int_equal(ufw_port_parse("ssh,0080", &text, &ps), 0);
	assert_string_equal(text, "22,0080");
	assert_int_equal(ps.item[1].lo, 80);
	free(text);
	assert_int_equal(
	    ufw_port_parse("1,2,3,4,5,6,7,8,9,10,11,12,13,14,15", &text, &ps), 0);
	assert_int_equal(ps.n, 15);
	free(text);
	assert_int_equal(
	    ufw_port_parse("1:2,3:4,5:6,7:8,9:10,11:12,13:14,15", &text, &ps), 0);
	free(text);
}

static void test_bad_ports(void **state)
{
	static const char *const bad[] = {
	    "0",
	    "65536",
	    "99999",
	    "6000:6000",
	    "7:6",
	    "1:2,3:4,5:6,7:8,9:10,11:12,13:14,15:16",
	    "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16",
	    ",80",
	    "80,",
	    ":",
	    "80:",
	    "a",
	    "no-such-service",
	    "80,,81",
	    "99999999999999999999999",
	};
	struct port_spec ps;
	char *text = NULL;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char *line = xasprintf(T "allow tcp %s" ANY4 "any 0.0.0.0/0 in", bad[i]);

		assert_int_equal(ufw_port_parse(bad[i], &text, &ps), -EINVAL);
		skipped(line, "");
		free(line);
	}
}

static void test_bad_fields(void **state)
{
	(void)state;
	skipped(T "allow tcp 29 0.0.0.0/0", " (bad length)");
	skipped(T, " (bad length)");
	skipped(T "allow tcp 1 0.0.0.0/0 any 0.0.0.0/0 a b in x", " (bad length)");
	skipped(T "deny any any" ANY4 "any 0.0.0.0/0 sideways_eth0", " (iface)");
	skipped(T "deny any any" ANY4 "any 0.0.0.0/0 sideways", "");
	skipped(T "allow sctp 34" ANY4 "any 0.0.0.0/0 in", "");
	skipped(T "allow TCP 34" ANY4 "any 0.0.0.0/0 in", "");
	skipped(T "allow any any 10.0.0.256 any 0.0.0.0/0 in", "");
	skipped(T "allow any any 10.0.0.0/33 any 0.0.0.0/0 in", "");
	skipped(T "allow any any 10.0.0.0/1.2.3 any 0.0.0.0/0 in", "");
	skipped(T "allow any any 010.0.0.1 any 0.0.0.0/0 in", "");
	skipped(T "allow any any 2001:db8::/129 any 0.0.0.0/0 in", "");
	skipped(T "allow any any 2001:db8::1/1/2 any 0.0.0.0/0 in", "");
	skipped(T "allow any any any any host.example in", "");
	skipped(T "allow any any" ANY4 "any 0.0.0.0/0 in_eth0:1", "");
	skipped(T "allow any any" ANY4 "any 0.0.0.0/0 in_abcdefghijklmnop", "");
	skipped(T "allow any any" ANY4 "any 0.0.0.0/0 in_..", "");
	skipped(T "allow any any" ANY4 "any 0.0.0.0/0 in_a$b", "");
}

static void test_comment_split(void **state)
{
	struct ufw_rule r =
	    kept(T "allow tcp 23" ANY4 "any 0.0.0.0/0 in comment=616263  ", UFW_V4);
	struct diag d;

	(void)state;
	assert_string_equal(r.comment_hex, "616263");
	ufw_rule_free(&r);
	/* ufw crashes on two; we warn at file:line and skip */
	assert_int_equal(parse(T "allow tcp 23" ANY4
				 "any 0.0.0.0/0 in comment=61 comment=62",
			       UFW_V4, &r, &d),
			 0);
	assert_int_equal(d.warnings, 1);
	assert_non_null(strstr(sb_str(&d.kept), "t.rules:7: warning: "));
	diag_free(&d);
	/* not a tuple line: silently ignored, as the spaced marker */
	assert_int_equal(
	    parse("###   tuple ### allow tcp 35" ANY4 "any 0.0.0.0/0 in", UFW_V4, &r, &d),
	    0);
	assert_int_equal(d.warnings, 0);
	diag_free(&d);
	r = kept("### tuple ###allow tcp 36" ANY4 "any 0.0.0.0/0 in", UFW_V4);
	assert_string_equal(r.dport_text, "36");
	ufw_rule_free(&r);
}

/* Reads text as file "mem.rules" of family fam. */
static int read_text(const char *text, size_t n, enum ufw_family fam,
		     struct ufw_ruleset *rs, struct diag *d)
{
	FILE *f = fmemopen((void *)text, n, "r");
	int ret;

	assert_non_null(f);
	diag_init(d, NULL);
	d->keep = 1;
	ret = ufw_rules_read_stream(f, "mem.rules", fam, rs, d);
	fclose(f);
	return ret;
}

static void test_stream_order_lines_crlf(void **state)
{
	static const char text[] =
	    "*filter\n### RULES ###\n\n" T "allow tcp 1" ANY4 "any 0.0.0.0/0 in\r\n"
	    "-A ufw-user-input -p tcp --dport 1 -j ACCEPT\n" T "deny tcp 2" ANY4
	    "any 0.0.0.0/0 in\r" T "reject tcp 3" ANY4 "any 0.0.0.0/0 in\n" T
	    "allow tcp 70000" ANY4 "any 0.0.0.0/0 in\n" T "limit tcp 4" ANY4
	    "any 0.0.0.0/0 in";
	struct ufw_ruleset rs = {0};
	struct diag d;

	(void)state;
	assert_int_equal(read_text(text, strlen(text), UFW_V4, &rs, &d), 0);
	assert_int_equal(rs.n, 4);
	for (size_t i = 0; i < rs.n; i++)
		assert_int_equal(rs.v[i].dport.item[0].lo, i + 1);
	assert_int_equal(rs.v[0].line, 4);
	assert_int_equal(rs.v[2].line, 6);
	assert_int_equal(rs.v[3].line, 8);
	assert_string_equal(rs.v[0].file, "mem.rules");
	assert_int_equal(d.warnings, 1);
	assert_non_null(strstr(sb_str(&d.kept), "mem.rules:7: warning: Skipping "
						"malformed tuple: allow tcp 70000"));
	ufw_ruleset_free(&rs);
	diag_free(&d);
}

static void test_long_line(void **state)
{
	struct strbuf sb = {0};
	struct ufw_ruleset rs = {0};
	struct diag d;

	(void)state;
	sb_adds(&sb, T "allow any 9000" ANY4 "any 0.0.0.0/0 in comment=");
	for (int i = 0; i < 150000; i++)
		sb_adds(&sb, "61");
	sb_adds(&sb, "\n" T "deny any 9001" ANY4 "any 0.0.0.0/0 in\n");
	assert_int_equal(read_text(sb.buf, sb.len, UFW_V4, &rs, &d), 0);
	assert_int_equal(rs.n, 2);
	assert_int_equal(strlen(rs.v[0].comment_hex), 300000);
	assert_int_equal(rs.v[1].line, 2);
	ufw_ruleset_free(&rs);
	diag_free(&d);
	sb_free(&sb);
}

static void test_missing_file_is_error(void **state)
{
	struct ufw_ruleset rs = {0};
	struct diag d;

	(void)state;
	diag_init(&d, NULL);
	d.keep = 1;
	assert_int_equal(ufw_rules_read_file("tests/data/no/such.rules", UFW_V4, &rs, &d),
			 -ENOENT);
	assert_int_equal(d.errors, 1);
	assert_non_null(strstr(sb_str(&d.kept), "tests/data/no/such.rules: error:"));
	assert_int_equal(ufw_rules_load("tests/data/no-root", false, &rs, &d), -ENOENT);
	assert_int_equal(d.errors, 2);
	ufw_ruleset_free(&rs);
	diag_free(&d);
}

/* Scenario 21: the warnings ufw printed (output.txt) in the same order. */
static void test_handcrafted_reader(void **state)
{
	FILE *f = fopen(CORPUS "21-handcrafted-reader/output.txt", "r");
	struct ufw_ruleset rs = {0}, after = {0};
	char *line = NULL;
	const char *pos;
	size_t cap = 0;
	unsigned seen = 0;
	struct diag d;

	(void)state;
	assert_non_null(f);
	diag_init(&d, NULL);
	d.keep = 1;
	assert_int_equal(ufw_rules_read_file(CORPUS
					     "21-handcrafted-reader/user.rules.input",
					     UFW_V4, &rs, &d),
			 0);
	pos = sb_str(&d.kept);
	while (getline(&line, &cap, f) >= 0 && !strstr(line, "## ufw allow")) {
		if (!str_startswith(line, "WARN: "))
			continue;
		line[strcspn(line, "\n")] = '\0';
		pos = strstr(pos, line + strlen("WARN: "));
		assert_non_null(pos);
		seen++;
	}
	assert_int_equal(seen, 5);
	assert_int_equal(d.warnings, 5);
	/* what ufw kept is what it wrote back, plus the "allow 1/tcp" it added */
	assert_int_equal(ufw_rules_read_file(CORPUS "21-handcrafted-reader/user.rules",
					     UFW_V4, &after, &d),
			 0);
	assert_int_equal(rs.n + 1, after.n);
	for (size_t i = 0; i < rs.n; i++) {
		assert_string_equal(rs.v[i].dport_text, after.v[i].dport_text);
		assert_int_equal(rs.v[i].action, after.v[i].action);
		assert_int_equal(rs.v[i].forward, after.v[i].forward);
		assert_string_equal(rs.v[i].dapp, after.v[i].dapp);
		assert_string_equal(rs.v[i].iface_in, after.v[i].iface_in);
	}
	free(line);
	fclose(f);
	ufw_ruleset_free(&rs);
	ufw_ruleset_free(&after);
	diag_free(&d);
}

/* A warning quotes the bad tuple with its control bytes escaped: no escape
 * sequence or line break from a hand-edited file reaches a terminal. */
static void test_warning_escapes_control_bytes(void **state)
{
	static const char line[] =
	    "### tuple ### allow tcp 99999 0.0.0.0/0 any 0.0.0.0/0 "
	    "in\x1b[2J\rx";
	struct ufw_rule r;
	struct diag d;

	(void)state;
	diag_init(&d, NULL);
	d.keep = 1;
	assert_int_equal(
	    ufw_tuple_parse(line, sizeof(line) - 1, UFW_V4, "user.rules", 7, &r, &d), 0);
	assert_int_equal(d.warnings, 1);
	assert_non_null(strstr(sb_str(&d.kept), "user.rules:7: "));
	assert_non_null(strstr(sb_str(&d.kept), "in\\x1b[2J\\x0dx"));
	assert_null(strchr(sb_str(&d.kept), '\x1b'));
	assert_null(strchr(sb_str(&d.kept), '\r'));
	diag_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_seven_fields),
	    cmocka_unit_test(test_app_nine_fields),
	    cmocka_unit_test(test_legacy_six_and_eight),
	    cmocka_unit_test(test_route_and_ifaces),
	    cmocka_unit_test(test_action_quirks),
	    cmocka_unit_test(test_anywhere_per_family),
	    cmocka_unit_test(test_ports),
	    cmocka_unit_test(test_bad_ports),
	    cmocka_unit_test(test_bad_fields),
	    cmocka_unit_test(test_comment_split),
	    cmocka_unit_test(test_stream_order_lines_crlf),
	    cmocka_unit_test(test_long_line),
	    cmocka_unit_test(test_missing_file_is_error),
	    cmocka_unit_test(test_handcrafted_reader),
	    cmocka_unit_test(test_warning_escapes_control_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
