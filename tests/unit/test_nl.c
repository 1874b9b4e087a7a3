/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_nl: nl.c batches/dumps and nft_view decoding against rulesets loaded by
 * the real iptables-nft-restore and nft, inside a private network namespace. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "diag.h"
#include "nft_view.h"
#include "nl.h"
#include "util.h"

#define DATA "tests/data/nft/"

extern char **environ;

/* Runs argv with stdin from in (NULL: /dev/null); returns the exit status. */
static int run(const char *in, const char *const argv[])
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st = -1;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, in ? in : "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	if (posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ) == 0 &&
	    waitpid(pid, &st, 0) == pid)
		st = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	posix_spawn_file_actions_destroy(&fa);
	return st;
}

/* Empties every nf_tables table of this namespace, then loads file with tool. */
static void load(const char *tool, const char *file)
{
	const char *const flush[] = {"nft", "flush", "ruleset", NULL};
	const char *const restore[] = {tool, NULL};
	const char *const nft[] = {"nft", "-f", file, NULL};

	assert_int_equal(run(NULL, flush), 0);
	if (!tool)
		return;
	if (streq(tool, "nft"))
		assert_int_equal(run(NULL, nft), 0);
	else
		assert_int_equal(run(file, restore), 0);
}

static void view(struct nft_view *v, int family)
{
	struct diag d;

	diag_init(&d, stderr);
	assert_int_equal(nft_view_load(v, family, &d), 0);
	assert_int_equal(d.errors, 0);
	diag_free(&d);
}

static void assert_v4(const struct in6_addr *a, const char *want)
{
	char buf[INET_ADDRSTRLEN];

	assert_non_null(inet_ntop(AF_INET, a, buf, sizeof(buf)));
	assert_string_equal(buf, want);
}

static const struct nft_view_dnat *dnat_in(const struct nft_view *v, const char *chain,
					   size_t nth)
{
	for (size_t i = 0; i < v->n_dnats; i++)
		if (streq(v->dnats[i].chain, chain) && nth-- == 0)
			return &v->dnats[i];
	fail_msg("no DNAT #%zu in chain %s", nth, chain);
	return NULL;
}

static void test_docker20(void **state)
{
	const struct nft_view_chain *fwd, *du;
	const struct nft_view_dnat *n;
	struct nft_view v;

	(void)state;
	load("iptables-nft-restore", DATA "docker20.10-no-ufw.iptables-save.txt");
	view(&v, NFPROTO_IPV4);
	assert_true(v.has_filter && v.has_nat && !v.has_docker_bridges);
	assert_string_equal(nft_view_kind(&v), "iptables-nft");
	assert_int_equal(v.n_chains, 7);
	fwd = nft_view_chain(&v, "FORWARD");
	assert_non_null(fwd);
	assert_true(fwd->base && fwd->rules_loaded);
	assert_int_equal(fwd->hooknum, NF_INET_FORWARD);
	assert_int_equal(fwd->policy, NF_DROP);
	assert_int_equal(fwd->n_rules, 6);
	assert_string_equal(nft_view_forward_first_jump(&v), "DOCKER-USER");
	assert_int_equal(fwd->rules[2].verdict, NFT_VIEW_ACCEPT);
	assert_false(fwd->rules[2].unconditional);
	du = nft_view_chain(&v, "DOCKER-USER");
	assert_false(du->base);
	assert_int_equal(du->n_rules, 1);
	assert_int_equal(du->rules[0].verdict, NFT_VIEW_RETURN);
	assert_true(du->rules[0].unconditional);
	assert_false(nft_view_chain(&v, "DOCKER")->rules_loaded);
	/* iptables-nft 1.8.9 writes -j DNAT as the xt compat target */
	assert_int_equal(v.n_dnats, 1);
	n = dnat_in(&v, "DOCKER", 0);
	assert_true(n->decoded);
	assert_string_equal(n->xt_name, "DNAT");
	assert_int_equal(n->l4proto, IPPROTO_TCP);
	assert_int_equal(n->dport_min, 5432);
	assert_int_equal(n->dport_max, 5432);
	assert_string_equal(n->iifname, "docker0");
	assert_true(n->iif_neg);
	assert_true(n->has_to_addr);
	assert_v4(&n->to_addr, "203.0.113.2");
	assert_int_equal(n->to_port_min, 5432);
	nft_view_free(&v);
}

/* The same Docker 20.10 ruleset written natively by nft (dnat expression). */
static void test_docker20_native(void **state)
{
	const struct nft_view_dnat *n;
	struct nft_view v;

	(void)state;
	load("nft", DATA "docker20.10-no-ufw.nft.txt");
	view(&v, NFPROTO_IPV4);
	assert_string_equal(nft_view_forward_first_jump(&v), "DOCKER-USER");
	assert_int_equal(v.n_dnats, 1);
	n = dnat_in(&v, "DOCKER", 0);
	assert_true(n->decoded);
	assert_null(n->xt_name);
	assert_int_equal(n->dport_min, 5432);
	assert_v4(&n->to_addr, "203.0.113.2");
	assert_int_equal(n->to_port_min, 5432);
	nft_view_free(&v);
}

static void test_docker28(void **state)
{
	const struct nft_view_chain *du;
	struct nft_view v;

	(void)state;
	load("iptables-nft-restore", DATA "sim-docker28-no-ufw.iptables-save.txt");
	view(&v, NFPROTO_IPV4);
	assert_string_equal(nft_view_forward_first_jump(&v), "DOCKER-USER");
	assert_int_equal(nft_view_chain(&v, "FORWARD")->n_rules, 2);
	du = nft_view_chain(&v, "DOCKER-USER");
	assert_true(du->rules_loaded);
	assert_int_equal(du->n_rules, 0); /* created empty since Docker 28 */
	assert_int_equal(v.n_dnats, 1);
	nft_view_free(&v);
	/* v6: the same skeleton; the v4 view does not leak into it */
	assert_int_equal(run(DATA "sim-docker28-no-ufw.ip6tables-save.txt",
			     (const char *const[]){"ip6tables-nft-restore", NULL}),
			 0);
	view(&v, NFPROTO_IPV6);
	assert_true(v.has_filter);
	assert_string_equal(nft_view_forward_first_jump(&v), "DOCKER-USER");
	assert_int_equal(nft_view_chain(&v, "DOCKER-USER")->n_rules, 0);
	assert_int_equal(nft_view_chain(&v, "FORWARD")->policy, NF_ACCEPT);
	assert_int_equal(v.n_dnats, 0);
	nft_view_free(&v);
}

static void test_dockeruser_jump(void **state)
{
	const struct nft_view_chain *du;
	struct nft_view v;

	(void)state;
	load("iptables-nft-restore", DATA "dockeruser-jump.iptables-save.txt");
	view(&v, NFPROTO_IPV4);
	du = nft_view_chain(&v, "DOCKER-USER");
	assert_int_equal(du->n_rules, 3);
	assert_int_equal(du->rules[0].verdict, NFT_VIEW_JUMP);
	assert_string_equal(du->rules[0].target, "ufw-docker-forward");
	assert_true(du->rules[0].unconditional);
	assert_string_equal(du->rules[0].comment, "ufw-docker");
	assert_int_equal(du->rules[1].verdict, NFT_VIEW_DROP);
	assert_false(du->rules[1].unconditional);
	assert_int_equal(du->rules[2].verdict, NFT_VIEW_RETURN);
	assert_false(v.has_nat);
	assert_int_equal(v.n_dnats, 0);
	nft_view_free(&v);
}

static void test_missing_jump(void **state)
{
	struct nft_view v;

	(void)state;
	load("iptables-nft-restore", DATA "forward-nojump.iptables-save.txt");
	view(&v, NFPROTO_IPV4);
	assert_null(nft_view_forward_first_jump(&v));
	assert_int_equal(nft_view_chain(&v, "FORWARD")->rules[1].verdict, NFT_VIEW_JUMP);
	nft_view_free(&v);
}

static void test_docker29_nftables(void **state)
{
	const struct nft_view_dnat *n;
	struct nft_view v;

	(void)state;
	load("nft", DATA "docker29-bridges.nft");
	view(&v, NFPROTO_IPV4);
	assert_false(v.has_filter);
	assert_true(v.has_docker_bridges);
	assert_string_equal(nft_view_kind(&v), "nftables (Docker backend)");
	assert_int_equal(v.n_chains, 0);
	assert_null(nft_view_forward_first_jump(&v));
	assert_int_equal(v.n_dnats, 3);
	n = dnat_in(&v, "nat-prerouting-and-output", 0);
	assert_true(n->decoded);
	assert_string_equal(n->table, "docker-bridges");
	assert_int_equal(n->l4proto, IPPROTO_TCP);
	assert_int_equal(n->dport_min, 8080);
	assert_v4(&n->to_addr, "203.0.113.2");
	assert_int_equal(n->to_port_min, 80);
	n = dnat_in(&v, "nat-prerouting-and-output", 1);
	assert_true(n->decoded);
	assert_int_equal(n->l4proto, IPPROTO_UDP);
	assert_int_equal(n->dport_min, 9000);
	assert_int_equal(n->dport_max, 9001);
	assert_int_equal(n->to_port_max, 9001);
	/* a source prefix is a condition the view does not model: say so */
	n = dnat_in(&v, "custom", 0);
	assert_false(n->decoded);
	assert_non_null(n->why);
	nft_view_free(&v);
	view(&v, NFPROTO_IPV6);
	assert_string_equal(nft_view_kind(&v), "not nf_tables");
	nft_view_free(&v);
}

static void test_nothing(void **state)
{
	struct nft_view v;

	(void)state;
	load(NULL, NULL);
	view(&v, NFPROTO_IPV4);
	assert_false(v.has_filter || v.has_nat || v.has_docker_bridges);
	assert_string_equal(nft_view_kind(&v), "not nf_tables");
	assert_int_equal(v.n_chains + v.n_dnats, 0);
	nft_view_free(&v);
}

/* ---- batches through nl.c ---- */

static void push_table(struct nl_batch *b, const char *name)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;
	uint32_t seq;
	char *buf;

	nftnl_table_set_str(t, NFTNL_TABLE_NAME, name);
	buf = nl_batch_tail(b, &seq);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_NEWTABLE, NFPROTO_IPV4,
				    NLM_F_CREATE | NLM_F_ACK, seq);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	assert_int_equal(nl_batch_push(b, "table"), 0);
}

static void push_chain(struct nl_batch *b, const char *table, const char *name)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;
	uint32_t seq;
	char *buf;

	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	buf = nl_batch_tail(b, &seq);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_NEWCHAIN, NFPROTO_IPV4,
				    NLM_F_CREATE | NLM_F_ACK, seq);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	assert_int_equal(nl_batch_push(b, "chain"), 0);
}

/* counter; then jump to chain (or accept when NULL). */
static void push_rule(struct nl_batch *b, const char *table, const char *chain,
		      const char *jump, const char *label)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nftnl_expr *e;
	struct nlmsghdr *nlh;
	uint32_t seq;
	char *buf;

	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_add_expr(r, nftnl_expr_alloc("counter"));
	e = nftnl_expr_alloc("immediate");
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, jump ? NFT_JUMP : NF_ACCEPT);
	if (jump)
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, jump);
	nftnl_rule_add_expr(r, e);
	buf = nl_batch_tail(b, &seq);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_NEWRULE, NFPROTO_IPV4,
				    NLM_F_CREATE | NLM_F_APPEND | NLM_F_ACK, seq);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	assert_int_equal(nl_batch_push(b, label), 0);
}

static int count_cb(const struct nlmsghdr *nlh, void *arg)
{
	(void)nlh;
	++*(int *)arg;
	return 0;
}

static int reset_cb(void *arg)
{
	*(int *)arg = 0;
	return 0;
}

/* Number of rules in ip TABLE CHAIN, or -errno. */
static int count_rules(struct nl_sock *s, const char *table, const char *chain)
{
	static const struct nl_dump_ops ops = {reset_cb, count_cb};
	char buf[8192];
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;
	struct diag d;
	int n = 0, err;

	diag_init(&d, NULL);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, NFPROTO_IPV4, 0, 0);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	err = nl_dump(s, nlh, &ops, &n, "rules", &d);
	diag_free(&d);
	return err ? err : n;
}

static bool table_exists(const char *name)
{
	const char *const argv[] = {"nft", "list", "table", "ip", name, NULL};

	return run(NULL, argv) == 0;
}

static void test_batch_roundtrip(void **state)
{
	struct nl_sock *s = NULL;
	struct nl_batch *b;
	struct diag d;

	(void)state;
	load(NULL, NULL);
	diag_init(&d, stderr);
	assert_int_equal(nl_open(&s, &d), 0);
	assert_true(nl_portid(s) != 0);
	b = nl_batch_new(s);
	push_table(b, "ufwd_t");
	push_chain(b, "ufwd_t", "c");
	push_chain(b, "ufwd_t", "d");
	push_rule(b, "ufwd_t", "c", "d", "rule c->d");
	push_rule(b, "ufwd_t", "d", NULL, "rule d accept");
	assert_int_equal(nl_batch_count(b), 5);
	/* check mode: validated by the kernel, then thrown away */
	assert_int_equal(nl_batch_send(b, NL_CHECK, &d), 0);
	assert_false(table_exists("ufwd_t"));
	assert_int_equal(count_rules(s, "ufwd_t", "c"), 0);
	assert_int_equal(nl_batch_send(b, NL_COMMIT, &d), 0);
	assert_true(table_exists("ufwd_t"));
	assert_int_equal(count_rules(s, "ufwd_t", "c"), 1);
	assert_int_equal(count_rules(s, "ufwd_t", "d"), 1);
	assert_int_equal(d.errors, 0);
	nl_batch_free(b);
	nl_close(s);
	diag_free(&d);
}

/* One bad object (a jump to a chain that does not exist) rejects everything,
 * and the error names that object; the same holds in check mode. */
static void test_batch_reject(void **state)
{
	enum nl_commit_mode modes[] = {NL_CHECK, NL_COMMIT};
	struct nl_sock *s = NULL;
	struct nl_batch *b;
	struct diag d;

	(void)state;
	load(NULL, NULL);
	diag_init(&d, NULL);
	d.keep = 1;
	assert_int_equal(nl_open(&s, &d), 0);
	b = nl_batch_new(s);
	push_table(b, "ufwd_bad");
	push_chain(b, "ufwd_bad", "c");
	push_rule(b, "ufwd_bad", "c", NULL, "rule 1 (good)");
	push_rule(b, "ufwd_bad", "c", "nope", "rule 2 (jumps nowhere)");
	push_rule(b, "ufwd_bad", "c", NULL, "rule 3 (good)");
	for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
		sb_reset(&d.kept);
		d.errors = 0;
		assert_int_equal(nl_batch_send(b, modes[i], &d), -ENOENT);
		assert_int_equal(d.errors, 1);
		assert_non_null(strstr(sb_str(&d.kept), "rule 2 (jumps nowhere)"));
		assert_non_null(strstr(sb_str(&d.kept), "expression #2 'immediate'"));
		assert_null(strstr(sb_str(&d.kept), "(good)"));
		assert_false(table_exists("ufwd_bad"));
	}
	nl_batch_free(b);
	nl_close(s);
	diag_free(&d);
}

/* Root and a private network namespace, or every test is skipped. */
static int group_setup(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		fprintf(stderr,
			"test_nl: not root, skipping (needs a network namespace)\n");
		return -1;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "test_nl: unshare(CLONE_NEWNET): %s, skipping\n",
			strerror(errno));
		return -1;
	}
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_docker20),	 cmocka_unit_test(test_docker20_native),
	    cmocka_unit_test(test_docker28),	 cmocka_unit_test(test_dockeruser_jump),
	    cmocka_unit_test(test_missing_jump), cmocka_unit_test(test_docker29_nftables),
	    cmocka_unit_test(test_nothing),	 cmocka_unit_test(test_batch_roundtrip),
	    cmocka_unit_test(test_batch_reject),
	};

	if (group_setup(NULL) < 0)
		return 0; /* skipped: no namespace, so never the host's firewall */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
