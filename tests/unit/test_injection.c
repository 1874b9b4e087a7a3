/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_injection: hostile comments, app names and interface names in user*.rules
 * cannot change what xlate and nft_build generate, nor get into their text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "diag.h"
#include "nft_build.h"
#include "ufw_rules.h"
#include "util.h"
#include "xlate.h"

/* Every hostile text carries one of these; the output never may. */
static const char *const markers[] = {"pwn3d", "*nat", "$(", "`"};

/*
 * Rules as ufw 0.36.2 writes their tuples, one per form: ports, each
 * interface form ufw accepts, apps (@D, @S: the app names), route rules
 * with in and out interfaces, limit, log, an outgoing rule. Names checked
 * below: eth+, a=b%c@d,e, eth0.100, docker+, x_y-z.%@, 123456789012345.
 */
static const char *const rules4[] = {
    "allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in",
    "deny any 80 0.0.0.0/0 any 0.0.0.0/0 in_eth+",
    "allow any 53 0.0.0.0/0 any 0.0.0.0/0 @D @S in_a=b%c@d,e",
    "route:allow tcp 443 198.51.100.0/24 any 0.0.0.0/0 in_eth0.100!out_docker+",
    "limit tcp 2222 0.0.0.0/0 any 0.0.0.0/0 in_x_y-z.%@",
    "reject_log udp 5353 0.0.0.0/0 any 203.0.113.5 in_123456789012345",
    "allow tcp 80,443 0.0.0.0/0 any 0.0.0.0/0 @D @S in",
    "allow tcp 8080 0.0.0.0/0 8080 192.0.2.7 @D @S in",
    "route:deny_log-all any any 0.0.0.0/0 any 0.0.0.0/0 in_eth+!out_docker+",
    "allow any any 0.0.0.0/0 any 0.0.0.0/0 out_eth+",
};

static const char *const rules6[] = {
    "allow tcp 22 ::/0 any ::/0 in",
    "deny any 80 ::/0 any ::/0 in_eth+",
    "allow any 53 ::/0 any ::/0 @D @S in_a=b%c@d,e",
    "route:allow tcp 443 2001:db8:1::/48 any ::/0 in_eth0.100!out_docker+",
    "limit tcp 2222 ::/0 any ::/0 in_x_y-z.%@",
    "reject_log udp 5353 ::/0 any 2001:db8::5 in_123456789012345",
    "allow tcp 80,443 ::/0 any ::/0 @D @S in",
    "allow tcp 8080 ::/0 8080 2001:db8::7 @D @S in",
};

static const char *const accepted_ifaces[] = {
    "eth+", "a=b%c@d,e", "eth0.100", "docker+", "x_y-z.%@", "123456789012345",
};

/* Comments: ufw stores the hex of the text after "comment". */
static const char *const hostile_comments[] = {
    "\n-A ufw-docker-forward -j ACCEPT\nCOMMIT\n*nat\n-A PREROUTING -j pwn3d\nCOMMIT\n",
    "\" -j ACCEPT # pwn3d",
    "' ; -j ACCEPT ; 'pwn3d",
    "COMMIT pwn3d",
    "*nat",
    "-j ACCEPT pwn3d",
    "pwn3d\r\n*nat\r\n:ufw-docker-forward ACCEPT [0:0]\r\n",
    "}\n\tchain pwn3d { type filter hook forward priority -500; policy accept; }\n",
    "pwn3d $(reboot) `reboot`",
    "\"; drop table ip ufw-docker; pwn3d",
};

/* App names as the tuple holds them: no blank (ufw writes a space as %20). */
static const char *const hostile_apps[] = {
    "-j%20ACCEPT%20pwn3d",
    "COMMIT%0apwn3d",
    "*nat",
    "pwn3d'\"`$(reboot)",
    "%0a-A%20ufw-docker-forward%20-j%20ACCEPT%20pwn3d",
    "}%0a*nat",
    "--comment%20pwn3d",
    "pwn3d\\n*nat\\nCOMMIT",
};

/* What one user*.rules text becomes. */
struct gen {
	char *ipt; /* xlate_block's iptables-restore text */
	char *nft; /* nft_build's table, rendered */
	unsigned warnings;
	size_t nrules;
	struct ufw_ruleset rs;
};

static char *hex(const char *s)
{
	struct strbuf sb = {0};

	for (; *s; s++)
		sb_addf(&sb, "%02x", (unsigned char)*s);
	return sb_detach(&sb);
}

/* A user*.rules as ufw writes it; @D/@S become dapp/sapp; comment_hex (may
 * be NULL) goes on every tuple; extra (may be NULL) is one more line. */
static char *user_rules(const char *const *rules, size_t n, const char *dapp,
			const char *sapp, const char *comment_hex, const char *extra)
{
	struct strbuf sb = {0};

	sb_adds(&sb, "*filter\n:ufw-user-input - [0:0]\n:ufw-user-output - [0:0]\n"
		     ":ufw-user-forward - [0:0]\n### RULES ###\n\n");
	for (size_t i = 0; i < n; i++) {
		sb_adds(&sb, "### tuple ### ");
		for (const char *p = rules[i]; *p; p++) {
			if (p[0] == '@' && p[1] == 'D') {
				sb_adds(&sb, dapp);
				p++;
			} else if (p[0] == '@' && p[1] == 'S') {
				sb_adds(&sb, sapp);
				p++;
			} else {
				sb_addc(&sb, *p);
			}
		}
		if (comment_hex)
			sb_addf(&sb, " comment=%s", comment_hex);
		sb_adds(&sb, "\n-A ufw-user-input -j ACCEPT\n\n");
	}
	if (extra)
		sb_addf(&sb, "### tuple ### %s\n\n", extra);
	sb_adds(&sb, "### END RULES ###\nCOMMIT\n");
	return sb_detach(&sb);
}

static void gen_init(struct gen *g, const char *text, enum ufw_family fam)
{
	struct ufw_state st = {.ipv6 = true,
			       .enabled = true,
			       .input_policy = UFW_POLICY_DROP,
			       .output_policy = UFW_POLICY_ACCEPT,
			       .forward_policy = UFW_POLICY_DROP,
			       .loglevel = UFW_LOGLEVEL_LOW};
	struct ufwd_config cfg;
	struct nftb_table t = {0};
	struct strbuf ipt = {0}, nft = {0};
	struct diag d;
	FILE *f = fmemopen((void *)text, strlen(text), "r");

	assert_non_null(f);
	memset(g, 0, sizeof(*g));
	diag_init(&d, NULL);
	d.keep = 1;
	ufwd_config_defaults(&cfg);
	assert_int_equal(
	    ufw_rules_read_stream(f, fam == UFW_V6 ? "user6.rules" : "user.rules", fam,
				  &g->rs, &d),
	    0);
	fclose(f);
	assert_int_equal(xlate_block(&g->rs, fam, &st, &cfg, &ipt, &d), 0);
	assert_int_equal(nftb_build(&g->rs, fam, &st, &cfg, &t, &d), 0);
	nftb_render(&t, &nft);
	nftb_free(&t);
	assert_int_equal(d.errors, 0);
	g->ipt = sb_detach(&ipt);
	g->nft = sb_detach(&nft);
	g->warnings = d.warnings;
	g->nrules = g->rs.n;
	ufwd_config_free(&cfg);
	diag_free(&d);
}

static void gen_free(struct gen *g)
{
	free(g->ipt);
	free(g->nft);
	ufw_ruleset_free(&g->rs);
}

static void no_markers(const struct gen *g)
{
	for (size_t i = 0; i < ARRAY_SIZE(markers); i++) {
		if (strstr(g->ipt, markers[i]))
			fail_msg("'%s' in the iptables text:\n%s", markers[i], g->ipt);
		if (strstr(g->nft, markers[i]))
			fail_msg("'%s' in the nft text:\n%s", markers[i], g->nft);
	}
}

/* The same generated bytes, warnings and rules as base. */
static void same_as(const struct gen *g, const struct gen *base)
{
	assert_string_equal(g->ipt, base->ipt);
	assert_string_equal(g->nft, base->nft);
	assert_int_equal(g->warnings, base->warnings);
	assert_int_equal(g->nrules, base->nrules);
	no_markers(g);
}

static void comments_family(const char *const *rules, size_t n, enum ufw_family fam)
{
	char *text = user_rules(rules, n, "Bind9", "-", NULL, NULL);
	struct gen base, g;

	gen_init(&base, text, fam);
	free(text);
	assert_int_equal(base.nrules, n);
	no_markers(&base);
	for (size_t i = 0; i < ARRAY_SIZE(hostile_comments); i++) {
		char *h = hex(hostile_comments[i]);

		text = user_rules(rules, n, "Bind9", "-", h, NULL);
		gen_init(&g, text, fam);
		/* The comment did reach the rules... */
		for (size_t j = 0; j < g.rs.n; j++)
			assert_string_equal(g.rs.v[j].comment_hex, h);
		/* ...and changed nothing. */
		same_as(&g, &base);
		gen_free(&g);
		free(text);
		free(h);
	}
	/* Hand-edited comments that are not hex at all. */
	for (size_t i = 0; i < ARRAY_SIZE(hostile_comments); i++) {
		text = user_rules(rules, n, "Bind9", "-", hostile_comments[i], NULL);
		gen_init(&g, text, fam);
		no_markers(&g);
		gen_free(&g);
		free(text);
	}
	gen_free(&base);
}

static void test_comments(void **state)
{
	(void)state;
	comments_family(rules4, ARRAY_SIZE(rules4), UFW_V4);
	comments_family(rules6, ARRAY_SIZE(rules6), UFW_V6);
}

static void apps_family(const char *const *rules, size_t n, enum ufw_family fam)
{
	char *text = user_rules(rules, n, "Bind9", "Apache%20Full", NULL, NULL);
	struct gen base, g;

	gen_init(&base, text, fam);
	free(text);
	assert_int_equal(base.nrules, n);
	for (size_t i = 0; i < ARRAY_SIZE(hostile_apps); i++) {
		size_t apps = 0;

		text = user_rules(rules, n, hostile_apps[i], hostile_apps[i], NULL, NULL);
		gen_init(&g, text, fam);
		for (size_t j = 0; j < g.rs.n; j++)
			apps += *g.rs.v[j].dapp && *g.rs.v[j].sapp;
		assert_int_equal(apps, 3); /* the names did reach the rules */
		same_as(&g, &base);
		gen_free(&g);
		free(text);
	}
	gen_free(&base);
}

static void test_app_names(void **state)
{
	(void)state;
	apps_family(rules4, ARRAY_SIZE(rules4), UFW_V4);
	apps_family(rules6, ARRAY_SIZE(rules6), UFW_V6);
}

/* Every occurrence of word in text sits between one of the befores and one
 * of the afters; returns the number of occurrences. */
static unsigned only_between(const char *text, const char *word,
			     const char *const *before, size_t nb, const char *after)
{
	unsigned count = 0;
	size_t wl = strlen(word);

	for (const char *p = strstr(text, word); p; p = strstr(p + 1, word)) {
		bool ok = false;

		for (size_t i = 0; i < nb; i++) {
			size_t bl = strlen(before[i]);

			ok = ok ||
			     ((size_t)(p - text) >= bl && !memcmp(p - bl, before[i], bl));
		}
		if (!ok || !strchr(after, p[wl]) || !p[wl])
			fail_msg("'%s' outside an interface argument:\n%s", word, text);
		count++;
	}
	return count;
}

static void ifaces_family(const char *const *rules, size_t n, enum ufw_family fam)
{
	static const char *const ipt_before[] = {" -i ", " -o "};
	static const char *const nft_before[] = {"iifname \"", "oifname \""};
	char *text = user_rules(rules, n, "Bind9", "-", NULL, NULL);
	struct gen g;

	gen_init(&g, text, fam);
	for (size_t i = 0; i < ARRAY_SIZE(accepted_ifaces); i++) {
		const char *name = accepted_ifaces[i];
		size_t len = strlen(name);
		char *nftname = name[len - 1] == '+'
				    ? xasprintf("%.*s*", (int)len - 1, name)
				    : xstrdup(name);

		if (!only_between(g.ipt, name, ipt_before, 2, " \n"))
			fail_msg("'%s' missing from the iptables text:\n%s", name, g.ipt);
		if (!only_between(g.nft, nftname, nft_before, 2, "\""))
			fail_msg("'%s' missing from the nft text:\n%s", nftname, g.nft);
		free(nftname);
	}
	gen_free(&g);
	free(text);
}

static void test_ifaces_accepted(void **state)
{
	(void)state;
	ifaces_family(rules4, ARRAY_SIZE(rules4), UFW_V4);
	ifaces_family(rules6, ARRAY_SIZE(rules6), UFW_V6);
}

/* Hand-edited tuples whose interface ufw's set_interface refuses. */
static const char *const refused_ifaces[] = {
    "allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in_eth\"pwn3d",
    "allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in_eth'pwn3d",
    "allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 Bind9 - in_eth -j ACCEPT pwn3d",
    "allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 Bind9 - in_eth pwn3d",
    "allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in_eth!pwn3d",
    "allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in_eth0:pwn3d",
    "allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in_abcdefghijklmnop",
    "allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in_pwn3d67890123456",
    "allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in_.",
    "allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in_..",
    "allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in_eth$(pwn3d)",
    "allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in_eth`pwn3d`",
    "allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in_eth\\pwn3d",
    "allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in_eth;pwn3d",
    "allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in_eth*nat",
    "allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in_eth}pwn3d",
    "route:allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in_eth0!out_eth\"pwn3d",
    "route:allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in_eth\"pwn3d!out_eth0",
    "route:allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in_eth0!out_eth:pwn3d",
    "route:allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in_eth0!out_abcdefghijklmnop",
};

static void test_ifaces_refused(void **state)
{
	char *text = user_rules(rules4, ARRAY_SIZE(rules4), "Bind9", "-", NULL, NULL);
	struct gen base, g;

	(void)state;
	gen_init(&base, text, UFW_V4);
	free(text);
	for (size_t i = 0; i < ARRAY_SIZE(refused_ifaces); i++) {
		text = user_rules(rules4, ARRAY_SIZE(rules4), "Bind9", "-", NULL,
				  refused_ifaces[i]);
		gen_init(&g, text, UFW_V4);
		if (g.warnings != base.warnings + 1)
			fail_msg("not one warning for: %s", refused_ifaces[i]);
		g.warnings--;
		same_as(&g, &base);
		gen_free(&g);
		free(text);
	}
	gen_free(&base);
}

/* A CR inside a tuple: on its own line the parser refuses it; in a file it
 * ends the line (Python's universal newlines, as ufw reads it), so what
 * follows is not part of the rule. */
static void test_iface_cr(void **state)
{
	static const char line[] =
	    "### tuple ### allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in_eth\r-j ACCEPT pwn3d";
	char *text, *plain;
	struct ufw_rule r;
	struct gen g, base;
	struct diag d;

	(void)state;
	diag_init(&d, NULL);
	assert_int_equal(
	    ufw_tuple_parse(line, strlen(line), UFW_V4, "user.rules", 1, &r, &d), 0);
	assert_int_equal(d.warnings, 1);
	diag_free(&d);

	text = user_rules(
	    rules4, ARRAY_SIZE(rules4), "Bind9", "-", NULL,
	    "allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in_eth\r-j ACCEPT pwn3d\r*nat");
	plain = user_rules(rules4, ARRAY_SIZE(rules4), "Bind9", "-", NULL,
			   "allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in_eth");
	gen_init(&g, text, UFW_V4);
	gen_init(&base, plain, UFW_V4);
	same_as(&g, &base);
	gen_free(&g);
	gen_free(&base);
	free(text);
	free(plain);
}

/* Rules built some other way than by the parser: the generators check the
 * interface names themselves and skip the rule with a warning. */
static void test_generators_check_ifaces(void **state)
{
	static const char *const bad[] = {"eth\"0", "eth 0",	 "eth\n0", "eth\r0",
					  "eth!0",  "eth0:1",	 "eth'0",  "*nat",
					  "a}b",    "eth;pwn3d", "eth\\0"};
	char *text = user_rules(rules4, 2, "Bind9", "-", NULL, NULL);
	struct gen base, g;

	(void)state;
	gen_init(&base, text, UFW_V4);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		for (int out = 0; out < 2; out++) {
			struct ufw_state st = {.input_policy = UFW_POLICY_DROP,
					       .forward_policy = UFW_POLICY_DROP,
					       .loglevel = UFW_LOGLEVEL_LOW};
			struct ufwd_config cfg;
			struct nftb_table t = {0};
			struct strbuf ipt = {0}, nft = {0};
			struct diag d;
			struct ufw_rule *r;

			gen_init(&g, text, UFW_V4);
			/* rules4[1] with its interface replaced */
			r = &g.rs.v[1];
			r->forward = out;
			snprintf(out ? r->iface_out : r->iface_in, UFW_IFNAMSIZ, "%s",
				 bad[i]);
			diag_init(&d, NULL);
			ufwd_config_defaults(&cfg);
			assert_int_equal(xlate_block(&g.rs, UFW_V4, &st, &cfg, &ipt, &d),
					 0);
			assert_int_equal(d.warnings, 1);
			assert_int_equal(nftb_build(&g.rs, UFW_V4, &st, &cfg, &t, &d), 0);
			assert_int_equal(d.warnings, 2);
			nftb_render(&t, &nft);
			if (strstr(sb_str(&ipt), bad[i]) || strstr(sb_str(&nft), bad[i]))
				fail_msg("'%s' emitted", bad[i]);
			nftb_free(&t);
			sb_free(&ipt);
			sb_free(&nft);
			ufwd_config_free(&cfg);
			diag_free(&d);
			gen_free(&g);
		}
	}
	gen_free(&base);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_comments),
	    cmocka_unit_test(test_app_names),
	    cmocka_unit_test(test_ifaces_accepted),
	    cmocka_unit_test(test_ifaces_refused),
	    cmocka_unit_test(test_iface_cr),
	    cmocka_unit_test(test_generators_check_ifaces),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
