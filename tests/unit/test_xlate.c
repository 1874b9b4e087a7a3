/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_xlate: the translator against golden files in tests/data/xlate/ (one
 * per rule shape, policy and log level) and its invariants and errors. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ufw_rules.h"

#include "xlate.h"

#include "helpers/fixtures.h"

#define GOLDEN_DIR "tests/data/xlate/"
#define MAX_TUPLES 24

struct xcase {
	const char *name; /* golden file GOLDEN_DIR name.rules */
	enum ufw_family fam;
	enum ufw_policy policy;
	enum ufw_loglevel level;
	const char *prefix;	   /* NULL: the default */
	const char *const *ifaces; /* NULL-terminated; NULL: docker0 and br-+ */
	unsigned warnings;	   /* rules the translator must warn about */
	const char *tuples[MAX_TUPLES];
};

static const char *const default_ifaces[] = {"docker0", "br-+", NULL};
static const char *const no_ifaces[] = {NULL};

/* A small rule set to show each policy and log level. */
#define POLICY_RULES                                                                     \
	{                                                                                \
		"allow_log tcp 22 0.0.0.0/0 any 0.0.0.0/0 in",                           \
		    "limit tcp 2222 0.0.0.0/0 any 0.0.0.0/0 in",                         \
		    "route:deny_log-all any any 0.0.0.0/0 any 203.0.113.0/24 in",        \
	}

#define POLICY_RULES6                                                                    \
	{                                                                                \
		"allow_log tcp 22 ::/0 any ::/0 in", "limit tcp 2222 ::/0 any ::/0 in",  \
		    "route:deny_log-all any any ::/0 any 2001:db8:ff::/48 in",           \
	}

static const struct xcase cases[] = {
    {"v4-empty", UFW_V4, UFW_POLICY_DROP, UFW_LOGLEVEL_LOW, NULL, NULL, 0, {NULL}},
    {"v4-ports",
     UFW_V4,
     UFW_POLICY_DROP,
     UFW_LOGLEVEL_LOW,
     NULL,
     NULL,
     0,
     {
	 "allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in",
	 "deny udp 53 0.0.0.0/0 any 0.0.0.0/0 in",
	 "allow any 80 0.0.0.0/0 any 0.0.0.0/0 in",
	 "allow tcp 6000:6007 0.0.0.0/0 any 0.0.0.0/0 in",
	 "allow tcp 22,80,443,8000:8100 0.0.0.0/0 any 0.0.0.0/0 in",
	 "deny udp 3000,3001 0.0.0.0/0 1000:2000 0.0.0.0/0 in",
	 "allow tcp 443 203.0.113.2 8080 198.51.100.1 WWW%20Secure WWW%20Cache in",
	 "allow tcp any 0.0.0.0/0 749 0.0.0.0/0 - Kerberos%20Admin in",
	 "allow tcp 5432 0.0.0.0/0 1024:65535,80 0.0.0.0/0 in",
     }},
    {"v4-addresses",
     UFW_V4,
     UFW_POLICY_DROP,
     UFW_LOGLEVEL_LOW,
     NULL,
     NULL,
     1,
     {
	 "allow any any 0.0.0.0/0 any 198.51.100.0/24 in",
	 "allow tcp 5432 203.0.113.5 any 0.0.0.0/0 in",
	 "deny any any 203.0.113.0/25 any 198.51.100.7 in",
	 "deny tcp 80 0.0.0.0/0 any 203.0.113.0/255.255.255.15 in",
	 "allow tcp 80 203.0.113.0/255.255.255.15 any 0.0.0.0/0 in",
	 "route:allow tcp 80 203.0.113.0/255.255.255.15 any 0.0.0.0/0 in",
     }},
    {"v4-protocols",
     UFW_V4,
     UFW_POLICY_DROP,
     UFW_LOGLEVEL_LOW,
     NULL,
     NULL,
     1, /* esp with a port; sctp never gets past the parser */
     {
	 "allow esp any 0.0.0.0/0 any 198.51.100.4 in",
	 "allow ah any 0.0.0.0/0 any 0.0.0.0/0 in",
	 "deny gre any 0.0.0.0/0 any 0.0.0.0/0 in",
	 "allow vrrp any 0.0.0.0/0 any 0.0.0.0/0 in_eth0",
	 "reject ipv6 any 0.0.0.0/0 any 0.0.0.0/0 in",
	 "deny igmp any 0.0.0.0/0 any 0.0.0.0/0 in",
	 "route:allow gre any 203.0.113.9 any 0.0.0.0/0 in_eth0!out_docker0",
	 "allow esp 22 0.0.0.0/0 any 0.0.0.0/0 in",
     }},
    {"v4-interfaces",
     UFW_V4,
     UFW_POLICY_DROP,
     UFW_LOGLEVEL_LOW,
     NULL,
     NULL,
     1,
     {
	 "allow any 80 0.0.0.0/0 any 0.0.0.0/0 in_eth0",
	 "allow tcp 443 0.0.0.0/0 any 0.0.0.0/0 in_eth+",
	 "deny udp 53 203.0.113.53 any 0.0.0.0/0 out_eth1",
	 "allow any any 0.0.0.0/0 any 0.0.0.0/0 out",
	 "deny any any 0.0.0.0/0 any 198.51.100.0/24 in_myport",
	 "allow any any 0.0.0.0/0 any 0.0.0.0/0 in_wg0",
	 "allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in_eth0!out_eth1",
	 "allow any 8080 0.0.0.0/0 any 0.0.0.0/0 in_a=b%c@d,e",
     }},
    {"v4-route",
     UFW_V4,
     UFW_POLICY_DROP,
     UFW_LOGLEVEL_LOW,
     NULL,
     NULL,
     0,
     {
	 "route:allow tcp 80 203.0.113.0/25 any 198.51.100.0/24 in_eth1!out_docker0",
	 "route:deny_log-all any any 0.0.0.0/0 any 0.0.0.0/0 in_eth0!out_eth1",
	 "route:reject udp 53 203.0.113.53 any 0.0.0.0/0 out_eth1",
	 "route:reject tcp 25 0.0.0.0/0 any 0.0.0.0/0 in",
	 "route:reject any 113 0.0.0.0/0 any 0.0.0.0/0 in",
	 "route:limit tcp 2222 0.0.0.0/0 any 0.0.0.0/0 in_eth0",
	 "route:allow_log any 53 0.0.0.0/0 any 0.0.0.0/0 in",
	 "route:deny any any 0.0.0.0/0 any 198.51.100.0/24 in",
	 "route:allow tcp 80,443 0.0.0.0/0 1024:65535 0.0.0.0/0 in",
	 "route:deny any any 0.0.0.0/0 any 0.0.0.0/0 out_myport",
	 "allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in",
     }},
    {"v4-limit",
     UFW_V4,
     UFW_POLICY_DROP,
     UFW_LOGLEVEL_LOW,
     NULL,
     NULL,
     0,
     {
	 "limit tcp 2222 0.0.0.0/0 any 0.0.0.0/0 in",
	 "limit_log tcp 22,2223 0.0.0.0/0 any 0.0.0.0/0 in",
	 "limit any 53 0.0.0.0/0 any 0.0.0.0/0 in",
	 "limit_log-all udp 500:510 203.0.113.4 any 198.51.100.0/24 in_eth0",
     }},
    {"v4-log",
     UFW_V4,
     UFW_POLICY_DROP,
     UFW_LOGLEVEL_LOW,
     NULL,
     NULL,
     0,
     {
	 "allow_log tcp 22 0.0.0.0/0 any 0.0.0.0/0 in",
	 "deny_log-all udp 53 0.0.0.0/0 any 0.0.0.0/0 in",
	 "reject_log any 113 0.0.0.0/0 any 0.0.0.0/0 in",
	 "reject_log tcp 6881:6891 0.0.0.0/0 any 0.0.0.0/0 Deluge - in",
	 "allow_log-all any any 0.0.0.0/0 any 198.51.100.9 in",
     }},
    {"v4-reject",
     UFW_V4,
     UFW_POLICY_DROP,
     UFW_LOGLEVEL_LOW,
     NULL,
     NULL,
     0,
     {
	 "reject tcp 25 203.0.113.10 any 198.51.100.0/24 in",
	 "reject udp 69 0.0.0.0/0 any 0.0.0.0/0 in",
	 "reject any 113 0.0.0.0/0 any 0.0.0.0/0 in",
	 "reject esp any 0.0.0.0/0 any 0.0.0.0/0 in",
	 "reject any any 0.0.0.0/0 any 198.51.100.66 in",
     }},
    {"v4-policy-accept-off", UFW_V4, UFW_POLICY_ACCEPT, UFW_LOGLEVEL_OFF, NULL, NULL, 0,
     POLICY_RULES},
    {"v4-policy-accept-low", UFW_V4, UFW_POLICY_ACCEPT, UFW_LOGLEVEL_LOW, NULL, NULL, 0,
     POLICY_RULES},
    {"v4-policy-accept-medium", UFW_V4, UFW_POLICY_ACCEPT, UFW_LOGLEVEL_MEDIUM, NULL,
     NULL, 0, POLICY_RULES},
    {"v4-policy-accept-full", UFW_V4, UFW_POLICY_ACCEPT, UFW_LOGLEVEL_FULL, NULL, NULL, 0,
     POLICY_RULES},
    {"v4-policy-drop-off", UFW_V4, UFW_POLICY_DROP, UFW_LOGLEVEL_OFF, NULL, NULL, 0,
     POLICY_RULES},
    {"v4-policy-drop-medium", UFW_V4, UFW_POLICY_DROP, UFW_LOGLEVEL_MEDIUM, NULL, NULL, 0,
     POLICY_RULES},
    {"v4-policy-drop-high", UFW_V4, UFW_POLICY_DROP, UFW_LOGLEVEL_HIGH, NULL, NULL, 0,
     POLICY_RULES},
    {"v4-policy-reject-low", UFW_V4, UFW_POLICY_REJECT, UFW_LOGLEVEL_LOW, NULL, NULL, 0,
     POLICY_RULES},
    {"v4-policy-reject-full", UFW_V4, UFW_POLICY_REJECT, UFW_LOGLEVEL_FULL, NULL, NULL, 0,
     POLICY_RULES},
    {"v4-no-internal-custom-prefix", UFW_V4, UFW_POLICY_DROP, UFW_LOGLEVEL_LOW, "DKR",
     no_ifaces, 0, POLICY_RULES},
    {"v6-basic",
     UFW_V6,
     UFW_POLICY_DROP,
     UFW_LOGLEVEL_LOW,
     NULL,
     NULL,
     3,
     {
	 "allow tcp 22 ::/0 any 2001:db8::1 in",
	 "deny any 53 2001:db8::/32 any ::/0 in",
	 "allow tcp 8443 2001:db8::10/64 any ::/0 in",
	 "reject tcp 25 ::/0 any ::/0 in",
	 "reject udp 69 ::/0 any ::/0 in",
	 "limit_log tcp 2222,2200:2210 ::/0 any ::/0 in_eth0",
	 "allow esp any ::/0 any 2001:db8:1::/48 in",
	 "reject ipv6 any ::/0 any ::/0 in",
	 "deny igmp any ::/0 any ::/0 in",
	 "allow ah any ::/0 any ::/0 in",
	 "allow tcp 80 ::/0 any ::/0 out",
	 "route:allow tcp 80 2001:db8:1::10/64 any ::/0 in_eth0!out_docker0",
	 "route:reject any 113 ::/0 any 2001:db8:2::/64 in",
     }},
    {"v6-policy-reject-full", UFW_V6, UFW_POLICY_REJECT, UFW_LOGLEVEL_FULL, NULL, NULL, 0,
     POLICY_RULES6},
    {"v6-policy-accept-medium", UFW_V6, UFW_POLICY_ACCEPT, UFW_LOGLEVEL_MEDIUM, NULL,
     NULL, 0, POLICY_RULES6},
};

/* --- helpers --- */

struct world {
	struct ufw_ruleset rs;
	struct ufw_state st;
	struct ufwd_config cfg;
	struct diag d;
	struct strbuf out;
};

static void world_init(struct world *w, const struct xcase *c)
{
	const char *const *ifs = c->ifaces ? c->ifaces : default_ifaces;

	memset(w, 0, sizeof(*w));
	w->st = (struct ufw_state){.ipv6 = true,
				   .enabled = true,
				   .input_policy = c->policy,
				   .output_policy = UFW_POLICY_ACCEPT,
				   .forward_policy = UFW_POLICY_DROP,
				   .loglevel = c->level};
	while (ifs[w->cfg.n_internal_ifaces])
		w->cfg.n_internal_ifaces++;
	w->cfg.internal_ifaces = (char **)ifs;
	w->cfg.log_prefix = (char *)(c->prefix ? c->prefix : "UFW DOCKER");
	diag_init(&w->d, NULL);
	w->d.keep = 1;
	for (unsigned i = 0; i < MAX_TUPLES && c->tuples[i]; i++)
		add_tuple(&w->rs, c->fam, c->tuples[i], 20 + 2 * i);
}

static void world_free(struct world *w)
{
	ufw_ruleset_free(&w->rs);
	diag_free(&w->d);
	sb_free(&w->out);
}

static void write_all(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* Every chain we add to or jump to is one we declare, and nothing else. */
static void check_invariants(const char *text)
{
	char *copy = strdup(text), *save = NULL;
	unsigned declared = 0;

	assert_true(str_startswith(text, "*filter\n"));
	assert_true(str_endswith(text, "\nCOMMIT\n"));
	assert_null(strstr(text, "UFW BLOCK"));
	assert_null(strstr(text, "UFW ALLOW"));
	assert_null(strstr(text, "DOCKER-USER"));
	assert_null(strstr(text, "ufw-user"));
	assert_null(strstr(text, "comment"));
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		const char *j =
		    strstr(l, " -j ufw-") ? strstr(l, " -j ufw-") : strstr(l, " -g ufw-");

		if (l[0] == ':') {
			assert_true(str_startswith(l, ":" UFWD_CHAIN_PREFIX));
			declared++;
		} else if (l[0] == '-') {
			assert_true(str_startswith(l, "-A " UFWD_CHAIN_PREFIX));
		} else {
			assert_true(l[0] == '*' || l[0] == '#' ||
				    strcmp(l, "COMMIT") == 0);
		}
		if (j) {
			char want[64];

			snprintf(want, sizeof(want), ":%.*s - [0:0]\n",
				 (int)strcspn(j + 4, " "), j + 4);
			assert_non_null(strstr(text, want));
		}
	}
	assert_int_equal(declared, 3);
	free(copy);
}

/* --- tests --- */

/* Compares text with GOLDEN_DIR name.rules (rewrites it if UPDATE_GOLDEN=1). */
static void check_golden(const char *name, const char *text)
{
	char path[256];
	char *want;

	snprintf(path, sizeof(path), GOLDEN_DIR "%s.rules", name);
	if (getenv("UPDATE_GOLDEN") && strcmp(getenv("UPDATE_GOLDEN"), "1") == 0)
		write_all(path, text);
	want = read_all(path);
	if (!want)
		fail_msg("%s missing; run with UPDATE_GOLDEN=1 and review it", path);
	if (strcmp(want, text) != 0)
		fprintf(stderr, "--- %s\n+++ generated\n%s", path, text);
	assert_string_equal(want, text);
	free(want);
}

static void test_golden(void **state)
{
	const struct xcase *c = *state;
	struct world w;

	world_init(&w, c);
	assert_int_equal(xlate_block(&w.rs, c->fam, &w.st, &w.cfg, &w.out, &w.d), 0);
	if (w.d.warnings != c->warnings)
		fprintf(stderr, "%s", sb_str(&w.d.kept));
	assert_int_equal(w.d.warnings, c->warnings);
	assert_int_equal(w.d.errors, 0);
	check_invariants(sb_str(&w.out));
	check_golden(c->name, sb_str(&w.out));
	world_free(&w);
}

/* One scenario of the real corpus: "= NN vF POLICY LEVEL" then tuples. */
static void corpus_group(struct world *w, const char *head)
{
	static const char *const pols[] = {[UFW_POLICY_ACCEPT] = "accept",
					   [UFW_POLICY_DROP] = "drop",
					   [UFW_POLICY_REJECT] = "reject"};
	static const char *const lvls[] = {"off", "low", "medium", "high", "full"};
	char id[8], pol[8], lvl[8], name[32];
	int fam;

	assert_int_equal(sscanf(head, "= %7s v%d %7s %7s", id, &fam, pol, lvl), 4);
	for (size_t i = 0; i < ARRAY_SIZE(pols); i++)
		if (strcmp(pol, pols[i]) == 0)
			w->st.input_policy = (enum ufw_policy)i;
	for (size_t i = 0; i < ARRAY_SIZE(lvls); i++)
		if (strcmp(lvl, lvls[i]) == 0)
			w->st.loglevel = (enum ufw_loglevel)i;
	assert_int_equal(
	    xlate_block(&w->rs, (enum ufw_family)fam, &w->st, &w->cfg, &w->out, &w->d),
	    0);
	assert_int_equal(w->d.errors, 0);
	check_invariants(sb_str(&w->out));
	snprintf(name, sizeof(name), "corpus-%s-v%d", id, fam);
	check_golden(name, sb_str(&w->out));
}

static void corpus_flush(struct world *w, const char *head)
{
	if (head)
		corpus_group(w, head);
	ufw_ruleset_free(&w->rs);
	sb_reset(&w->out);
}

/* Every tuple real ufw wrote in the corpus translates, and loads (root test). */
static void test_corpus(void **state)
{
	static const struct xcase c = {
	    "corpus", UFW_V4, UFW_POLICY_DROP, UFW_LOGLEVEL_LOW, NULL, NULL, 0, {NULL}};
	FILE *f = fopen(GOLDEN_DIR "corpus-tuples.txt", "r");
	char *line = NULL, *head = NULL;
	size_t cap = 0;
	unsigned lineno = 0, groups = 0, tuples = 0;
	struct world w;
	ssize_t n;

	(void)state;
	assert_non_null(f);
	world_init(&w, &c);
	while ((n = getline(&line, &cap, f)) > 0) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#')
			continue;
		if (line[0] == '=') {
			corpus_flush(&w, head);
			free(head);
			head = strdup(line);
			groups++;
			continue;
		}
		add_tuple(&w.rs, strstr(head, " v6 ") ? UFW_V6 : UFW_V4, line, lineno);
		tuples++;
	}
	corpus_flush(&w, head);
	assert_int_equal(groups, 41);
	assert_int_equal(tuples, 294);
	/* ufw wrote these: all translate but v6 "ah" (never matches there). */
	assert_int_equal(w.d.warnings, 2);
	assert_non_null(strstr(sb_str(&w.d.kept), "user6.rules:117: warning"));
	assert_non_null(strstr(sb_str(&w.d.kept), "user6.rules:119: warning"));
	free(head);
	free(line);
	fclose(f);
	world_free(&w);
}

/* Same input, same bytes; and the block is appended to what out holds. */
static void test_deterministic_append(void **state)
{
	struct world w;
	struct strbuf again = {0};

	(void)state;
	world_init(&w, &cases[1]);
	sb_adds(&w.out, "KEEP\n");
	assert_int_equal(xlate_block(&w.rs, UFW_V4, &w.st, &w.cfg, &w.out, &w.d), 0);
	assert_int_equal(xlate_block(&w.rs, UFW_V4, &w.st, &w.cfg, &again, &w.d), 0);
	assert_true(str_startswith(sb_str(&w.out), "KEEP\n*filter\n"));
	assert_string_equal(sb_str(&w.out) + 5, sb_str(&again));
	sb_free(&again);
	world_free(&w);
}

/* Rules of the other family are not ours to translate. */
static void test_family_filter(void **state)
{
	static const struct xcase c = {
	    "mixed", UFW_V6, UFW_POLICY_DROP, UFW_LOGLEVEL_LOW, NULL, NULL, 0, {NULL}};
	struct world w;

	(void)state;
	world_init(&w, &c);
	add_tuple(&w.rs, UFW_V4, "allow tcp 5432 0.0.0.0/0 any 198.51.100.3 in", 3);
	add_tuple(&w.rs, UFW_V6, "allow tcp 5433 ::/0 any 2001:db8::3 in", 3);
	add_tuple(&w.rs, UFW_V4, "route:deny tcp 5434 0.0.0.0/0 any 0.0.0.0/0 in", 5);
	assert_int_equal(xlate_block(&w.rs, UFW_V6, &w.st, &w.cfg, &w.out, &w.d), 0);
	assert_null(strstr(sb_str(&w.out), "5432"));
	assert_null(strstr(sb_str(&w.out), "5434"));
	assert_non_null(strstr(sb_str(&w.out),
			       " -s 2001:db8::3 -p tcp -m conntrack "
			       "--ctorigdstport 5433 --ctdir ORIGINAL -j RETURN"));
	world_free(&w);
}

/* Comments and app names are rule text: they never reach the output. */
static void test_no_rule_text(void **state)
{
	static const struct xcase c = {
	    "text", UFW_V4, UFW_POLICY_DROP, UFW_LOGLEVEL_LOW, NULL, NULL, 0, {NULL}};
	struct world w;

	(void)state;
	world_init(&w, &c);
	add_tuple(&w.rs, UFW_V4, "allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 Evil%20App - in",
		  4);
	free(w.rs.v[0].comment_hex);
	w.rs.v[0].comment_hex = strdup("2d6a20414343455054"); /* "-j ACCEPT" */
	assert_int_equal(xlate_block(&w.rs, UFW_V4, &w.st, &w.cfg, &w.out, &w.d), 0);
	assert_null(strstr(sb_str(&w.out), "Evil"));
	assert_null(strstr(sb_str(&w.out), "2d6a"));
	assert_null(strstr(sb_str(&w.out), "ACCEPT"));
	assert_non_null(strstr(sb_str(&w.out), "--ctorigdstport 80 "));
	world_free(&w);
}

/* A rule whose text could break out of iptables-restore's syntax is skipped
 * with a warning naming its file:line. */
static void test_hostile_fields(void **state)
{
	static const struct xcase c = {
	    "hostile", UFW_V4, UFW_POLICY_DROP, UFW_LOGLEVEL_LOW, NULL, NULL, 0, {NULL}};
	struct world w;

	(void)state;
	world_init(&w, &c);
	add_tuple(&w.rs, UFW_V4, "allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in", 7);
	add_tuple(&w.rs, UFW_V4, "allow tcp 81 0.0.0.0/0 any 0.0.0.0/0 in_eth0", 9);
	add_tuple(&w.rs, UFW_V4, "allow tcp 82 0.0.0.0/0 any 0.0.0.0/0 in", 11);
	free(w.rs.v[0].src);
	w.rs.v[0].src = strdup("1.2.3.4 -j ACCEPT");
	strcpy(w.rs.v[1].iface_in, "eth0\n-A X");
	snprintf(w.rs.v[2].proto, sizeof(w.rs.v[2].proto), "tcp -j");
	assert_int_equal(xlate_block(&w.rs, UFW_V4, &w.st, &w.cfg, &w.out, &w.d), 0);
	assert_int_equal(w.d.warnings, 3);
	assert_non_null(strstr(sb_str(&w.d.kept), "user.rules:7: warning: rule skipped"));
	assert_non_null(strstr(sb_str(&w.d.kept), "user.rules:9: warning: rule skipped"));
	assert_non_null(
	    strstr(sb_str(&w.d.kept), "user.rules:11: warning: rule skipped"));
	assert_null(strstr(sb_str(&w.out), "ACCEPT"));
	assert_null(strstr(sb_str(&w.out), "-A X"));
	assert_null(strstr(sb_str(&w.out), "--ctorigdstport 8"));
	world_free(&w);
}

static void expect_config_error(const char *prefix, const char *iface)
{
	static const struct xcase c = {
	    "bad", UFW_V4, UFW_POLICY_DROP, UFW_LOGLEVEL_LOW, NULL, NULL, 0, {NULL}};
	const char *ifs[] = {iface, NULL};
	struct world w;

	world_init(&w, &c);
	w.cfg.log_prefix = (char *)prefix;
	if (iface) {
		w.cfg.internal_ifaces = (char **)ifs;
		w.cfg.n_internal_ifaces = 1;
	}
	sb_adds(&w.out, "KEEP");
	assert_int_equal(xlate_block(&w.rs, UFW_V4, &w.st, &w.cfg, &w.out, &w.d),
			 -EINVAL);
	assert_int_equal(w.d.errors, 1);
	assert_string_equal(sb_str(&w.out), "KEEP");
	world_free(&w);
}

static void test_bad_config(void **state)
{
	(void)state;
	expect_config_error("UFW", NULL); /* "[UFW BLOCK] " */
	expect_config_error("quo\"te", NULL);
	expect_config_error("back\\slash", NULL);
	expect_config_error("new\nline", NULL);
	expect_config_error("fifteen chars!!", NULL); /* LIMIT BLOCK > 29 */
	expect_config_error("UFW DOCKER", "eth0 -j ACCEPT");
	expect_config_error("UFW DOCKER", "");
	expect_config_error("UFW DOCKER", "sixteen-chars-ab");
}

/* A 14-character prefix is the longest LOG accepts for "LIMIT BLOCK". */
static void test_longest_prefix(void **state)
{
	static const struct xcase c = {
	    "long", UFW_V4, UFW_POLICY_DROP, UFW_LOGLEVEL_LOW, "fourteen chars",
	    NULL,   0,	    {NULL}};
	struct world w;

	(void)state;
	world_init(&w, &c);
	assert_int_equal(xlate_block(&w.rs, UFW_V4, &w.st, &w.cfg, &w.out, &w.d), 0);
	assert_non_null(strstr(sb_str(&w.out), "\"[fourteen chars LIMIT BLOCK] \""));
	world_free(&w);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
	    cmocka_unit_test(test_deterministic_append),
	    cmocka_unit_test(test_family_filter),
	    cmocka_unit_test(test_no_rule_text),
	    cmocka_unit_test(test_hostile_fields),
	    cmocka_unit_test(test_bad_config),
	    cmocka_unit_test(test_longest_prefix),
	    cmocka_unit_test(test_corpus),
	};
	struct CMUnitTest tests[ARRAY_SIZE(cases) + ARRAY_SIZE(fixed)];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		tests[i] = (struct CMUnitTest){.name = cases[i].name,
					       .test_func = test_golden,
					       .initial_state = (void *)&cases[i]};
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		tests[ARRAY_SIZE(cases) + i] = fixed[i];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
