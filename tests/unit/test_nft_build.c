/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_nft_build: the nftables backend's text against goldens in
 * tests/data/nftb/, its set grouping, and (root, private netns) real batches. */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ufw_rules.h"

#include "nft_backend.h"
#include "nft_build.h"

#include "helpers/fixtures.h"

#define GOLDEN_DIR "tests/data/nftb/"
#define MAX_TUPLES 16

struct ncase {
	const char *name;
	enum ufw_family fam;
	enum ufw_policy policy;
	enum ufw_loglevel level;
	unsigned warnings;
	const char *tuples[MAX_TUPLES];
};

static const struct ncase cases[] = {
    {"v4-empty", UFW_V4, UFW_POLICY_DROP, UFW_LOGLEVEL_LOW, 0, {NULL}},
    {"v4-mixed",
     UFW_V4,
     UFW_POLICY_DROP,
     UFW_LOGLEVEL_LOW,
     0,
     {
	 "allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in",
	 "allow any 80 0.0.0.0/0 any 0.0.0.0/0 in",
	 "allow tcp 5432 0.0.0.0/0 any 198.51.100.2 in",
	 "deny tcp 6000:6007 0.0.0.0/0 any 0.0.0.0/0 in",
	 "reject any 113 0.0.0.0/0 any 0.0.0.0/0 in",
	 "reject gre any 0.0.0.0/0 any 0.0.0.0/0 in",
	 "limit tcp 2222 0.0.0.0/0 any 0.0.0.0/0 in",
	 "allow_log tcp 443 203.0.113.1 1024:65535 198.51.100.0/24 in_eth0",
	 "allow_log-all any any 0.0.0.0/0 any 198.51.100.0/255.255.255.0 in",
	 "route:deny any any 203.0.113.9 any 0.0.0.0/0 in_eth0!out_docker0",
     }},
    {"v4-overlap",
     UFW_V4,
     UFW_POLICY_REJECT,
     UFW_LOGLEVEL_OFF,
     0,
     {
	 "allow tcp 1:1000 0.0.0.0/0 any 0.0.0.0/0 in",
	 "allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in",
	 "allow tcp 2000 0.0.0.0/0 any 0.0.0.0/0 in",
     }},
    {"v4-skipped",
     UFW_V4,
     UFW_POLICY_ACCEPT,
     UFW_LOGLEVEL_MEDIUM,
     2,
     {
	 "allow tcp 80 0.0.0.0/0 any 203.0.113.0/255.255.255.15 in",
	 "allow ipv6 any 0.0.0.0/0 any 0.0.0.0/0 in",
	 "allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in_eth0!out_eth1",
	 "allow tcp 23 0.0.0.0/0 any 0.0.0.0/0 out",
     }},
    {"v6-mixed",
     UFW_V6,
     UFW_POLICY_DROP,
     UFW_LOGLEVEL_HIGH,
     1,
     {
	 "allow tcp 22 ::/0 any ::/0 in",
	 "allow tcp 5432 ::/0 any 2001:db8::2 in",
	 "ah_skip_placeholder",
	 "limit udp 500 ::/0 any ::/0 in",
	 "reject tcp 25 2001:db8::1 any 2001:db8:1::/64 in",
     }},
};

/* --- helpers --- */

struct world {
	struct ufw_ruleset rs;
	struct ufw_state st;
	struct ufwd_config cfg;
	struct diag d;
};

static char *default_ifaces[] = {"docker0", "br-+"};

static void world_init(struct world *w, const struct ncase *c)
{
	memset(w, 0, sizeof(*w));
	w->st = (struct ufw_state){.ipv6 = true,
				   .enabled = true,
				   .input_policy = c->policy,
				   .forward_policy = UFW_POLICY_DROP,
				   .loglevel = c->level};
	w->cfg.internal_ifaces = default_ifaces;
	w->cfg.n_internal_ifaces = 2;
	diag_init(&w->d, NULL);
	w->d.keep = 1;
	for (unsigned i = 0; i < MAX_TUPLES && c->tuples[i]; i++) {
		if (strcmp(c->tuples[i], "ah_skip_placeholder") == 0)
			add_tuple(&w->rs, c->fam, "allow ah any ::/0 any ::/0 in",
				  20 + 2 * i);
		else
			add_tuple(&w->rs, c->fam, c->tuples[i], 20 + 2 * i);
	}
}

static void world_free(struct world *w)
{
	ufw_ruleset_free(&w->rs);
	diag_free(&w->d);
}

static void check_golden(const char *name, const char *text)
{
	char path[256];
	char *want;

	snprintf(path, sizeof(path), GOLDEN_DIR "%s.nft", name);
	if (getenv("UPDATE_GOLDEN")) {
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fputs(text, f);
		fclose(f);
	}
	want = read_all(path);
	if (!want)
		fail_msg("missing golden %s", path);
	if (strcmp(want, text) != 0)
		fail_msg("%s differs; got:\n%s", path, text);
	free(want);
}

/* --- tests --- */

static void test_goldens(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct world w;
		struct nftb_table t = {0};
		struct strbuf out = {0};

		world_init(&w, &cases[i]);
		assert_int_equal(nftb_build(&w.rs, cases[i].fam, &w.st, &w.cfg, &t, &w.d),
				 0);
		nftb_render(&t, &out);
		check_golden(cases[i].name, sb_str(&out));
		if (w.d.warnings != cases[i].warnings)
			fail_msg("%s: %u warnings, want %u:\n%s", cases[i].name,
				 w.d.warnings, cases[i].warnings, sb_str(&w.d.kept));
		sb_free(&out);
		nftb_free(&t);
		world_free(&w);
	}
}

/* 600 allow rules of distinct ports, then 600 deny: two lookups, not 1200. */
static void test_grouping_scales(void **state)
{
	struct ncase c = {"big", UFW_V4, UFW_POLICY_DROP, UFW_LOGLEVEL_OFF, 0, {NULL}};
	struct world w;
	struct nftb_table t = {0};
	char tuple[128];

	(void)state;
	world_init(&w, &c);
	for (unsigned i = 0; i < 1200; i++) {
		snprintf(tuple, sizeof(tuple), "%s tcp %u 0.0.0.0/0 any 0.0.0.0/0 in",
			 i < 600 ? "allow" : "deny", 10000 + i);
		add_tuple(&w.rs, UFW_V4, tuple, i + 1);
	}
	assert_int_equal(nftb_build(&w.rs, UFW_V4, &w.st, &w.cfg, &t, &w.d), 0);
	assert_int_equal(t.n_sets, 2);
	assert_int_equal(t.sets[0].n, 600);
	assert_int_equal(nftb_count_rules(&t, NFTB_C_INPUT), 3); /* 2 lookups, policy */
	nftb_free(&t);
	world_free(&w);
}

/* Overlapping elements never share a set (the kernel refuses them); one that
 * an earlier element covers is left out (v4-overlap: port 80). */
static void test_overlap_splits(void **state)
{
	struct ncase c = {"split", UFW_V4, UFW_POLICY_DROP, UFW_LOGLEVEL_OFF, 0, {NULL}};
	struct world w;
	struct nftb_table t = {0};

	(void)state;
	world_init(&w, &c);
	add_tuple(&w.rs, UFW_V4, "allow tcp 1:1000 0.0.0.0/0 any 0.0.0.0/0 in", 1);
	add_tuple(&w.rs, UFW_V4, "allow tcp 900:1100 0.0.0.0/0 any 0.0.0.0/0 in", 2);
	add_tuple(&w.rs, UFW_V4, "allow tcp 2000 0.0.0.0/0 any 0.0.0.0/0 in", 3);
	assert_int_equal(nftb_build(&w.rs, UFW_V4, &w.st, &w.cfg, &t, &w.d), 0);
	assert_int_equal(t.n_sets, 2);
	assert_int_equal(t.sets[0].n, 2); /* 1-1000, 2000 */
	assert_int_equal(t.sets[1].n, 1); /* 900-1100 */
	nftb_free(&t);
	world_free(&w);
	world_init(&w, &cases[2]);
	assert_int_equal(nftb_build(&w.rs, UFW_V4, &w.st, &w.cfg, &t, &w.d), 0);
	assert_int_equal(t.n_sets, 1);
	assert_int_equal(t.sets[0].n, 2); /* 1-1000, 2000 */
	nftb_free(&t);
	world_free(&w);
}

static void test_bad_config(void **state)
{
	struct world w;
	struct nftb_table t = {0};
	char *bad[] = {"eth\"0"};

	(void)state;
	world_init(&w, &cases[0]);
	w.cfg.internal_ifaces = bad;
	w.cfg.n_internal_ifaces = 1;
	assert_int_equal(nftb_build(&w.rs, UFW_V4, &w.st, &w.cfg, &t, &w.d), -EINVAL);
	assert_int_equal(w.d.errors, 1);
	w.cfg.n_internal_ifaces = 0;
	w.cfg.log_prefix = "a very long prefix for a log";
	nftb_free(&t);
	assert_int_equal(nftb_build(&w.rs, UFW_V4, &w.st, &w.cfg, &t, &w.d), -EINVAL);
	nftb_free(&t);
	world_free(&w);
}

static void test_companion(void **state)
{
	char mark[32];

	(void)state;
	snprintf(mark, sizeof(mark), "--mark 0x%x/0x%x ", NFTB_MARK, NFTB_MARK);
	assert_non_null(strstr(nftb_iptables_companion(), mark));
	assert_non_null(
	    strstr(nftb_iptables_companion(), ":" NFTB_COMPANION_CHAIN " - [0:0]\n"));
}

/* Root, private netns: every case goes into the kernel in one batch, twice
 * (the second replaces the first), reads back equal, and is removed. */
static void test_kernel(void **state)
{
	(void)state;
	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr,
			"test_nft_build: not root or no netns, kernel test skipped\n");
		skip();
	}
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct world w;
		struct diag d;
		struct nftb_input in;

		world_init(&w, &cases[i]);
		in = (struct nftb_input){&w.rs, &w.st, &w.cfg, true};
		diag_init(&d, stderr);
		for (int k = 0; k < 2; k++)
			assert_int_equal(nftb_apply(&in, NULL, &d), 0);
		assert_int_equal(nftb_status(&in, &d), 0);
		assert_int_equal(nftb_remove(&d), 0);
		assert_int_equal(nftb_status(&in, &d), 1);
		assert_int_equal(nftb_remove(&d), 0); /* absent: fine */
		diag_free(&d);
		world_free(&w);
	}
}

/* Rules that no grouping can merge: each overlaps the next, verdicts
 * alternate, so every rule is a set of its own. */
static void many_sets_world(struct world *w, unsigned n)
{
	struct ncase c = {"many", UFW_V4, UFW_POLICY_DROP, UFW_LOGLEVEL_OFF, 0, {NULL}};
	char tuple[128];

	world_init(w, &c);
	for (unsigned i = 0; i < n; i++) {
		snprintf(tuple, sizeof(tuple), "%s tcp %u:%u 0.0.0.0/0 any 0.0.0.0/0 in",
			 i % 2 ? "deny" : "allow", 10000 + i, 10001 + i);
		add_tuple(&w->rs, UFW_V4, tuple, i + 1);
	}
}

/* Root, private netns: a table of more sets than the read-back once held
 * (4096: "dumping sets of our table: Protocol error" after a commit that had
 * succeeded, then on every status and uninstall) applies, reads back equal,
 * is found and removed. */
static void test_kernel_many_sets(void **state)
{
	const unsigned n = 5000;
	struct world w;
	struct nftb_table t = {0};
	struct nftb_input in;
	struct diag d;
	bool yes = false;

	(void)state;
	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0)
		skip();
	many_sets_world(&w, n);
	assert_int_equal(nftb_build(&w.rs, UFW_V4, &w.st, &w.cfg, &t, &w.d), 0);
	assert_int_equal(t.n_sets, n);
	in = (struct nftb_input){&w.rs, &w.st, &w.cfg, false};
	diag_init(&d, stderr);
	assert_int_equal(nftb_apply(&in, NULL, &d), 0);
	assert_int_equal(nftb_status(&in, &d), 0);
	assert_int_equal(nftb_present(&yes, &d), 0);
	assert_true(yes);
	assert_int_equal(nftb_remove(&d), 0);
	assert_int_equal(nftb_present(&yes, &d), 0);
	assert_false(yes);
	assert_int_equal(d.errors, 0);
	diag_free(&d);
	nftb_free(&t);
	world_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_goldens),
	    cmocka_unit_test(test_grouping_scales),
	    cmocka_unit_test(test_overlap_splits),
	    cmocka_unit_test(test_bad_config),
	    cmocka_unit_test(test_companion),
	    cmocka_unit_test(test_kernel),
	    cmocka_unit_test(test_kernel_many_sets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
