/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_reach: the abstract evaluation of our chains for one published port:
 * verdicts, sources in ufw's words, ufw-denied leaks, both rule syntaxes. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reach.h"

static const char *const skip[] = {"docker0", "br-+"};

/* The head of every block sync writes (xlate's raw syntax). */
#define HEAD                                                                             \
	"*filter\n:ufw-docker-forward - [0:0]\n:ufw-docker-input - [0:0]\n"              \
	":ufw-docker-limit - [0:0]\n"                                                    \
	"-A ufw-docker-forward -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN\n"   \
	"-A ufw-docker-forward -i docker0 -j RETURN\n"                                   \
	"-A ufw-docker-forward -i br-+ -j RETURN\n"                                      \
	"-A ufw-docker-forward -m conntrack --ctstate DNAT --ctdir ORIGINAL -g "         \
	"ufw-docker-input\n"                                                             \
	"-A ufw-docker-forward -j RETURN\n"
#define TAIL_DROP "-A ufw-docker-input -j DROP\n-A ufw-docker-limit -j REJECT\nCOMMIT\n"

/* Live: DOCKER-USER jumps to our chain first, then Docker's RETURN. */
#define LIVE_HEAD                                                                        \
	":DOCKER-USER - [0:0]\n-A DOCKER-USER -j ufw-docker-forward\n"                   \
	"-A DOCKER-USER -j RETURN\n"

static void port4(struct reach_port *p, const char *host, uint16_t hport)
{
	memset(p, 0, sizeof(*p));
	p->family = 4;
	p->proto = IPPROTO_TCP;
	p->host_port = hport;
	p->container_port = 5432;
	assert_int_equal(inet_pton(AF_INET, "203.0.113.2", &p->container), 1);
	if (host) {
		p->has_host_addr = true;
		assert_int_equal(inet_pton(AF_INET, host, &p->host), 1);
	}
}

/* Evaluates live rules (DOCKER-USER first) against ufw's (our chains). */
static void eval(const char *live_text, const char *ufw_text, const struct reach_port *p,
		 struct reach_result *res)
{
	struct reach_ruleset live = {0}, ufw = {0};
	struct reach_start ls = {&live, "DOCKER-USER", NULL};
	struct reach_start us = {ufw_text ? &ufw : NULL, "ufw-docker-forward", NULL};

	assert_int_equal(reach_parse(&live, p->family, live_text), 0);
	if (ufw_text)
		assert_int_equal(reach_parse(&ufw, p->family, ufw_text), 0);
	reach_eval(&ls, &us, p, skip, 2, res);
	reach_ruleset_free(&live);
	reach_ruleset_free(&ufw);
}

static void expect(const struct reach_result *res, enum reach_verdict v,
		   const char *const *sources, const char *const *denied)
{
	size_t n;

	assert_string_equal(reach_verdict_name(res->verdict), reach_verdict_name(v));
	for (n = 0; sources && sources[n]; n++) {
		assert_true(n < res->n_sources);
		assert_string_equal(res->sources[n], sources[n]);
	}
	assert_int_equal(res->n_sources, n);
	for (n = 0; denied && denied[n]; n++) {
		assert_true(n < res->n_denied);
		assert_string_equal(res->denied[n], denied[n]);
	}
	assert_int_equal(res->n_denied, n);
}

static void run(const char *ufw_body, enum reach_verdict v, const char *const *sources)
{
	char *text = xasprintf(HEAD "%s" TAIL_DROP, ufw_body);
	char *live = xasprintf(LIVE_HEAD "%s", text);
	struct reach_port p;
	struct reach_result res;

	port4(&p, NULL, 5432);
	eval(live, text, &p, &res);
	expect(&res, v, sources, NULL);
	assert_int_equal(res.uncertain, 0);
	reach_result_free(&res);
	free(live);
	free(text);
}

/* Rules for other ports (or protocols) shape nothing: their prefixes make
 * no classes, so the sources read as the port's own rules say (and not
 * "Anywhere except 10.0.0.0/16, 10.1.0.0/16" plus one line per /16). */
static void test_other_ports_ignored(void **state)
{
	static const char *const all_but[] = {"Anywhere except 10.0.3.1, 10.1.3.1", NULL};

	(void)state;
	run("-A ufw-docker-input -s 10.0.0.0/16 -p tcp -m conntrack --ctorigdstport 80 "
	    "-j DROP\n"
	    "-A ufw-docker-input -s 10.1.0.0/16 -p udp -m conntrack --ctorigdstport 5432 "
	    "-j DROP\n"
	    "-A ufw-docker-input -s 10.0.3.1 -p tcp -m conntrack --ctorigdstport 5432 "
	    "-j DROP\n"
	    "-A ufw-docker-input -s 10.1.3.1 -p tcp -m conntrack --ctorigdstport 5432 "
	    "-j DROP\n"
	    "-A ufw-docker-input -p tcp -m conntrack --ctorigdstport 5432 -j RETURN\n",
	    REACH_RESTRICTED, all_but);
}

/* Chains that jump four times to the next chain, which returns, twelve
 * deep (a hand-made table may hold that): 4^12 walks unless each chain is
 * evaluated once per class and entry mark. The undecidable rule at the
 * bottom (a source port) counts each time it is evaluated: once. */
static void test_fanout_chains(void **state)
{
	struct strbuf t = {0};
	struct reach_port p;
	struct reach_result res;
	char *text, *live;

	(void)state;
	sb_adds(
	    &t,
	    "-A ufw-docker-input -j fan0\n"
	    "-A ufw-docker-input -p tcp -m conntrack --ctorigdstport 5432 -j RETURN\n");
	for (int d = 0; d < 12; d++)
		for (int j = 0; j < 4; j++)
			sb_addf(&t,
				"-A fan%d -m comment --comment \"jump %d\" -j fan%d\n", d,
				j, d + 1);
	sb_adds(&t, "-A fan12 -p tcp --sport 1 -j DROP\n");
	text = xasprintf(HEAD "%s" TAIL_DROP, sb_str(&t));
	live = xasprintf(LIVE_HEAD "%s", text);
	port4(&p, NULL, 5432);
	eval(live, NULL, &p, &res);
	expect(&res, REACH_OPEN, NULL, NULL);
	assert_int_equal(res.uncertain, 1);
	reach_result_free(&res);
	free(live);
	free(text);
	sb_free(&t);
}

static void test_seed_filtered(void **state)
{
	(void)state;
	run("", REACH_FILTERED, NULL);
}

static void test_allow_open(void **state)
{
	(void)state;
	run("-A ufw-docker-input -p tcp -m conntrack --ctorigdstport 5432 --ctdir "
	    "ORIGINAL -j RETURN\n",
	    REACH_OPEN, NULL);
	/* another port, or udp only: still filtered */
	run("-A ufw-docker-input -p tcp -m conntrack --ctorigdstport 80 --ctdir "
	    "ORIGINAL -j RETURN\n"
	    "-A ufw-docker-input -p udp -m conntrack --ctorigdstport 5432 --ctdir "
	    "ORIGINAL -j RETURN\n",
	    REACH_FILTERED, NULL);
	/* a range holding the port */
	run("-A ufw-docker-input -p tcp -m conntrack --ctorigdstport 5000:6000 --ctdir "
	    "ORIGINAL -j RETURN\n",
	    REACH_OPEN, NULL);
}

static void test_restricted_sources(void **state)
{
	static const char *const one[] = {"198.51.100.3", NULL};
	static const char *const two[] = {"10.0.0.0/8", "198.51.100.3", NULL};
	static const char *const except[] = {"10.0.0.0/8 except 10.1.0.0/16", NULL};

	(void)state;
	run("-A ufw-docker-input -s 198.51.100.3 -p tcp -m conntrack --ctorigdstport "
	    "5432 "
	    "--ctdir ORIGINAL -j RETURN\n",
	    REACH_RESTRICTED, one);
	/* iptables-save's canonical form reads the same */
	run("-A ufw-docker-input -s 198.51.100.3/32 -p tcp -m conntrack --ctorigdstport "
	    "5432 --ctdir ORIGINAL -j RETURN\n",
	    REACH_RESTRICTED, one);
	run("-A ufw-docker-input -s 198.51.100.3 -j RETURN\n"
	    "-A ufw-docker-input -s 10.0.0.0/8 -p tcp -j RETURN\n",
	    REACH_RESTRICTED, two);
	run("-A ufw-docker-input -s 10.1.0.0/16 -j DROP\n"
	    "-A ufw-docker-input -s 10.0.0.0/8 -j RETURN\n",
	    REACH_RESTRICTED, except);
}

static void test_deny_first_wins(void **state)
{
	static const char *const anyexcept[] = {"Anywhere except 203.0.113.9", NULL};

	(void)state;
	run("-A ufw-docker-input -s 203.0.113.9 -p tcp -m conntrack --ctorigdstport 5432 "
	    "--ctdir ORIGINAL -j DROP\n"
	    "-A ufw-docker-input -p tcp -m conntrack --ctorigdstport 5432 --ctdir "
	    "ORIGINAL "
	    "-j RETURN\n",
	    REACH_RESTRICTED, anyexcept);
	/* allow after a deny of everything: filtered */
	run("-A ufw-docker-input -p tcp -j REJECT --reject-with tcp-reset\n"
	    "-A ufw-docker-input -s 198.51.100.3 -j RETURN\n",
	    REACH_FILTERED, NULL);
}

static void test_interfaces(void **state)
{
	static const char *const on_eth1[] = {"Anywhere on eth1", NULL};

	(void)state;
	run("-A ufw-docker-input -i eth1 -p tcp -m conntrack --ctorigdstport 5432 "
	    "--ctdir "
	    "ORIGINAL -j RETURN\n",
	    REACH_RESTRICTED, on_eth1);
	/* docker0 and br-+ are internal: left out, so this is open */
	run("-A ufw-docker-input ! -i eth1 -j RETURN\n-A ufw-docker-input -i eth1 -j "
	    "RETURN\n",
	    REACH_OPEN, NULL);
}

static void test_limit_and_log(void **state)
{
	(void)state;
	run("-A ufw-docker-input -p tcp -m conntrack --ctorigdstport 5432 --ctdir "
	    "ORIGINAL "
	    "-m conntrack --ctstate NEW -m recent --set\n"
	    "-A ufw-docker-input -p tcp -m conntrack --ctorigdstport 5432 --ctdir "
	    "ORIGINAL "
	    "-m conntrack --ctstate NEW -m recent --update --seconds 30 --hitcount 6 -j "
	    "ufw-docker-limit\n"
	    "-A ufw-docker-input -p tcp -m conntrack --ctorigdstport 5432 --ctdir "
	    "ORIGINAL "
	    "-j RETURN\n",
	    REACH_OPEN, NULL);
	run("-A ufw-docker-input -m limit --limit 3/min --limit-burst 10 -j LOG "
	    "--log-prefix \"[UFW DOCKER BLOCK] \"\n",
	    REACH_FILTERED, NULL);
}

static void test_original_destination(void **state)
{
	static const char *const to[] = {"Anywhere to 192.0.2.1", NULL};
	const char *body =
	    "-A ufw-docker-input -p tcp -m conntrack --ctorigdst 192.0.2.1 "
	    "--ctorigdstport 5432 --ctdir ORIGINAL -j RETURN\n";
	char *text = xasprintf(HEAD "%s" TAIL_DROP, body);
	char *live = xasprintf(LIVE_HEAD "%s", text);
	struct reach_port p;
	struct reach_result res;

	(void)state;
	port4(&p, NULL, 5432);
	eval(live, text, &p, &res);
	expect(&res, REACH_RESTRICTED, to, NULL);
	reach_result_free(&res);
	/* published on that address only: open; on another: filtered */
	port4(&p, "192.0.2.1", 5432);
	eval(live, text, &p, &res);
	expect(&res, REACH_OPEN, NULL, NULL);
	reach_result_free(&res);
	port4(&p, "192.0.2.7", 5432);
	eval(live, text, &p, &res);
	expect(&res, REACH_FILTERED, NULL, NULL);
	reach_result_free(&res);
	free(live);
	free(text);
}

static void test_loopback(void **state)
{
	struct reach_port p;
	struct reach_result res;

	(void)state;
	port4(&p, "127.0.0.1", 5432);
	eval(LIVE_HEAD, NULL, &p, &res);
	expect(&res, REACH_LOOPBACK, NULL, NULL);
	reach_result_free(&res);
}

/* Live state that lets through what ufw denies: the leak is named. */
static void test_denied_leaks(void **state)
{
	static const char *const any[] = {"Anywhere", NULL};
	static const char *const rest[] = {"Anywhere except 198.51.100.3", NULL};
	const char *ufw =
	    HEAD "-A ufw-docker-input -s 198.51.100.3 -j RETURN\n" TAIL_DROP;
	struct reach_port p;
	struct reach_result res;

	(void)state;
	port4(&p, NULL, 5432);
	/* no jump in DOCKER-USER: Docker's RETURN, everything open */
	eval(":DOCKER-USER - [0:0]\n-A DOCKER-USER -j RETURN\n", ufw, &p, &res);
	expect(&res, REACH_OPEN, NULL, rest);
	reach_result_free(&res);
	/* a flushed ufw-docker-input: falls through, open to anyone */
	eval(LIVE_HEAD HEAD "COMMIT\n", ufw, &p, &res);
	expect(&res, REACH_OPEN, NULL, rest);
	reach_result_free(&res);
	/* no DOCKER-USER chain at all */
	eval("", HEAD TAIL_DROP, &p, &res);
	expect(&res, REACH_OPEN, NULL, any);
	reach_result_free(&res);
	/* ufw inactive: it denies nothing, so nothing leaks */
	eval("", NULL, &p, &res);
	expect(&res, REACH_OPEN, NULL, NULL);
	reach_result_free(&res);
}

/* An admin's ACCEPT before our jump wins; unknown matches never match. */
static void test_docker_user_order(void **state)
{
	static const char *const one[] = {"192.0.2.0/24", NULL};
	const char *ufw = HEAD TAIL_DROP;
	struct reach_port p;
	struct reach_result res;

	(void)state;
	port4(&p, NULL, 5432);
	eval(":DOCKER-USER - [0:0]\n-A DOCKER-USER -s 192.0.2.0/24 -j ACCEPT\n"
	     "-A DOCKER-USER -m mystery --foo 1 -j ACCEPT\n"
	     "-A DOCKER-USER -j ufw-docker-forward\n" HEAD TAIL_DROP,
	     ufw, &p, &res);
	expect(&res, REACH_RESTRICTED, one, one);
	assert_true(res.uncertain > 0);
	reach_result_free(&res);
}

static void test_v6(void **state)
{
	static const char *const src[] = {"2001:db8::/32", NULL};
	const char *text =
	    HEAD "-A ufw-docker-input -s 2001:db8::/32 -p tcp -m conntrack "
		 "--ctorigdstport 443 --ctdir ORIGINAL -j RETURN\n" TAIL_DROP;
	char *live = xasprintf(LIVE_HEAD "%s", text);
	struct reach_port p = {.family = 6, .proto = IPPROTO_TCP, .host_port = 443};
	struct reach_result res;

	(void)state;
	eval(live, text, &p, &res);
	expect(&res, REACH_RESTRICTED, src, NULL);
	reach_result_free(&res);
	p.has_host_addr = true;
	assert_int_equal(inet_pton(AF_INET6, "::1", &p.host), 1);
	eval(live, text, &p, &res);
	expect(&res, REACH_LOOPBACK, NULL, NULL);
	reach_result_free(&res);
	free(live);
}

static void test_prefixes(void **state)
{
	struct reach_pfx p;
	struct strbuf sb = {0};

	(void)state;
	assert_true(reach_pfx_parse("10.1.2.3/255.255.0.0", 4, &p));
	reach_pfx_format(&p, 4, &sb);
	assert_string_equal(sb_str(&sb), "10.1.0.0/16");
	sb_reset(&sb);
	assert_true(reach_pfx_parse("2001:db8::1/128", 6, &p));
	reach_pfx_format(&p, 6, &sb);
	assert_string_equal(sb_str(&sb), "2001:db8::1");
	assert_false(reach_pfx_parse("10.0.0.0/255.0.255.0", 4, &p));
	assert_false(reach_pfx_parse("10.0.0.0/33", 4, &p));
	assert_false(reach_pfx_parse("nonsense", 4, &p));
	sb_free(&sb);
}

/* Classes fully covered by longer prefixes hold no address and say nothing. */
static void test_covered_class(void **state)
{
	static const char *const halves[] = {"10.0.0.0/9", NULL};

	(void)state;
	run("-A ufw-docker-input -s 10.0.0.0/9 -j RETURN\n"
	    "-A ufw-docker-input -s 10.128.0.0/9 -j DROP\n"
	    "-A ufw-docker-input -s 10.0.0.0/8 -j RETURN\n",
	    REACH_RESTRICTED, halves);
}

static void test_bad_quote(void **state)
{
	struct reach_ruleset rs = {0};

	(void)state;
	assert_int_equal(reach_parse(&rs, 4, "-A X -j LOG --log-prefix \"oops\n"),
			 -EINVAL);
	reach_ruleset_free(&rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_seed_filtered),
	    cmocka_unit_test(test_allow_open),
	    cmocka_unit_test(test_restricted_sources),
	    cmocka_unit_test(test_deny_first_wins),
	    cmocka_unit_test(test_interfaces),
	    cmocka_unit_test(test_limit_and_log),
	    cmocka_unit_test(test_original_destination),
	    cmocka_unit_test(test_loopback),
	    cmocka_unit_test(test_denied_leaks),
	    cmocka_unit_test(test_docker_user_order),
	    cmocka_unit_test(test_v6),
	    cmocka_unit_test(test_prefixes),
	    cmocka_unit_test(test_covered_class),
	    cmocka_unit_test(test_bad_quote),
	    cmocka_unit_test(test_other_ports_ignored),
	    cmocka_unit_test(test_fanout_chains),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
