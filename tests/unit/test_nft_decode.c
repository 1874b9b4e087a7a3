/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_nft_decode: nft_decode against two other translations: the verdicts
 * reach draws from our decoded nf_tables table equal those it draws from
 * xlate's iptables rules for the same ufw rules; and the shapes iptables-nft
 * and nft write (prefixes, ranges, negations, wildcards, rbtree intervals). */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "helpers/fixtures.h"
#include "nft_backend.h"
#include "nft_build.h"
#include "nft_decode.h"
#include "reach.h"
#include "xlate.h"

#define MAX_TUPLES 12

struct dcase {
	const char *name;
	enum ufw_family fam;
	enum ufw_policy policy;
	enum ufw_loglevel level;
	const char *tuples[MAX_TUPLES];
};

static const struct dcase cases[] = {
    {"v4-drop",
     UFW_V4,
     UFW_POLICY_DROP,
     UFW_LOGLEVEL_LOW,
     {
	 "deny any any 0.0.0.0/0 any 198.51.100.128/25 in",
	 "allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in",
	 "allow tcp 5432 0.0.0.0/0 any 203.0.113.42 in",
	 "allow tcp 5432 0.0.0.0/0 any 198.51.100.0/24 in_eth0",
	 "limit tcp 22 0.0.0.0/0 any 0.0.0.0/0 in",
	 "reject tcp 25 0.0.0.0/0 any 0.0.0.0/0 in",
	 "allow tcp 8000:8080 198.51.100.1 any 0.0.0.0/0 in",
	 "allow any 53 0.0.0.0/0 any 10.0.0.0/8 in",
	 "deny udp 9000 0.0.0.0/0 any 0.0.0.0/0 in",
	 "allow udp 9000:9010 0.0.0.0/0 any 0.0.0.0/0 in",
	 "route:deny tcp 5432 203.0.113.2 any 203.0.113.99 in_eth1!out_docker0",
     }},
    {"v4-accept",
     UFW_V4,
     UFW_POLICY_ACCEPT,
     UFW_LOGLEVEL_MEDIUM,
     {
	 "deny tcp 5432 0.0.0.0/0 any 0.0.0.0/0 in",
	 "allow tcp 5432 0.0.0.0/0 any 198.51.100.7 in",
	 "reject_log-all udp 53 0.0.0.0/0 any 0.0.0.0/0 in",
	 "deny tcp 8080 198.51.100.1 any 0.0.0.0/0 in_eth0",
     }},
    {"v6-drop",
     UFW_V6,
     UFW_POLICY_DROP,
     UFW_LOGLEVEL_HIGH,
     {
	 "allow tcp 80 ::/0 any ::/0 in",
	 "allow tcp 5432 ::/0 any 2001:db8:2::/48 in",
	 "deny tcp 5432 ::/0 any 2001:db8:2:1::/64 in",
	 "limit tcp 22 ::/0 any ::/0 in",
	 "reject udp 53 2001:db8::1 any ::/0 in",
     }},
};

/* Published ports probed in every case: host address, port, proto. */
static const struct {
	const char *host;
	uint16_t port;
	uint8_t proto;
} probes[] = {
    {NULL, 80, IPPROTO_TCP},   {NULL, 5432, IPPROTO_TCP}, {NULL, 22, IPPROTO_TCP},
    {NULL, 25, IPPROTO_TCP},   {NULL, 8080, IPPROTO_TCP}, {NULL, 53, IPPROTO_UDP},
    {NULL, 53, IPPROTO_TCP},   {NULL, 9005, IPPROTO_UDP}, {NULL, 9000, IPPROTO_UDP},
    {NULL, 4444, IPPROTO_TCP}, {"v4", 8000, IPPROTO_TCP}, {"v6", 53, IPPROTO_UDP},
};

static char *skip_ifaces[] = {"docker0", "br-+"};

static void world(const struct dcase *c, struct ufw_ruleset *rs, struct ufw_state *st,
		  struct ufwd_config *cfg)
{
	memset(rs, 0, sizeof(*rs));
	memset(cfg, 0, sizeof(*cfg));
	*st = (struct ufw_state){.ipv6 = true,
				 .enabled = true,
				 .input_policy = c->policy,
				 .forward_policy = UFW_POLICY_DROP,
				 .loglevel = c->level};
	cfg->internal_ifaces = skip_ifaces;
	cfg->n_internal_ifaces = 2;
	for (unsigned i = 0; i < MAX_TUPLES && c->tuples[i]; i++)
		add_tuple(rs, c->fam, c->tuples[i], 10 + i);
}

static void probe_port(struct reach_port *p, int family, unsigned k)
{
	memset(p, 0, sizeof(*p));
	p->family = family;
	p->proto = probes[k].proto;
	p->host_port = probes[k].port;
	p->container_port = 80;
	inet_pton(family == 6 ? AF_INET6 : AF_INET,
		  family == 6 ? "2001:db8:1::2" : "203.0.113.2", &p->container);
	memcpy(p->out_if, "docker0", 8);
	if (probes[k].host && streq(probes[k].host, family == 6 ? "v6" : "v4")) {
		p->has_host_addr = true;
		inet_pton(family == 6 ? AF_INET6 : AF_INET,
			  family == 6 ? "2001:db8::1" : "198.51.100.1", &p->host);
	}
}

static char *joined(char **v, size_t n)
{
	struct strbuf b = {0};

	for (size_t i = 0; i < n; i++)
		sb_addf(&b, "%s|", v[i]);
	return sb_detach(&b);
}

/* Both translations of one case give every probe the same verdict and the
 * same sources. */
static void agree(const struct dcase *c)
{
	struct ufw_ruleset rs;
	struct ufw_state st;
	struct ufwd_config cfg;
	struct diag d;
	struct strbuf ipt = {0}, nft = {0};
	struct nftb_table t = {0};
	struct nftd_table dt;
	struct reach_ruleset a = {0}, b = {0};
	int family = c->fam == UFW_V6 ? 6 : 4;

	world(c, &rs, &st, &cfg);
	diag_init(&d, stderr);
	assert_int_equal(xlate_block(&rs, c->fam, &st, &cfg, &ipt, &d), 0);
	assert_int_equal(nftb_build(&rs, c->fam, &st, &cfg, &t, &d), 0);
	nftb_expected(&t, &dt);
	nftd_reach_text(&dt, &nft);
	if (dt.undecoded)
		fail_msg("%s: %u undecoded rules: %s", c->name, dt.undecoded,
			 strstr(sb_str(&nft), "--nft-undecoded"));
	assert_int_equal(reach_parse(&a, family, sb_str(&ipt)), 0);
	assert_int_equal(reach_parse(&b, family, sb_str(&nft)), 0);
	if (b.unknown)
		fail_msg("%s: reach cannot read:\n%s", c->name, sb_str(&nft));
	for (unsigned k = 0; k < ARRAY_SIZE(probes); k++) {
		struct reach_start sa = {&a, UFWD_CHAIN_ENTRY, NULL};
		struct reach_start sb = {&b, "forward", NULL};
		struct reach_start none = {NULL, "", NULL};
		struct reach_result ra, rb;
		struct reach_port p;
		char *ja, *jb;

		probe_port(&p, family, k);
		reach_eval(&sa, &none, &p, (const char *const *)skip_ifaces, 2, &ra);
		reach_eval(&sb, &none, &p, (const char *const *)skip_ifaces, 2, &rb);
		ja = joined(ra.sources, ra.n_sources);
		jb = joined(rb.sources, rb.n_sources);
		if (ra.verdict != rb.verdict || !streq(ja, jb))
			fail_msg("%s: port %u/%u: iptables %s [%s], nftables %s [%s]\n%s",
				 c->name, p.host_port, p.proto,
				 reach_verdict_name(ra.verdict), ja,
				 reach_verdict_name(rb.verdict), jb, sb_str(&nft));
		free(ja);
		free(jb);
		reach_result_free(&ra);
		reach_result_free(&rb);
	}
	reach_ruleset_free(&a);
	reach_ruleset_free(&b);
	nftd_free(&dt);
	nftb_free(&t);
	sb_free(&ipt);
	sb_free(&nft);
	ufw_ruleset_free(&rs);
	diag_free(&d);
}

static void test_backends_agree(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		agree(&cases[i]);
}

/* The canonical text of a built table does not depend on element order,
 * and a changed element changes it. */
static void test_canon(void **state)
{
	struct ufw_ruleset rs;
	struct ufw_state st;
	struct ufwd_config cfg;
	struct diag d;
	struct nftb_table t = {0};
	struct nftd_table x, y;
	struct strbuf a = {0}, b = {0};
	struct nftb_elem tmp;

	(void)state;
	world(&cases[0], &rs, &st, &cfg);
	diag_init(&d, stderr);
	assert_int_equal(nftb_build(&rs, UFW_V4, &st, &cfg, &t, &d), 0);
	nftb_expected(&t, &x);
	nftd_canon(&x, &a);
	for (size_t i = 0; i < t.n_sets; i++) {
		if (t.sets[i].n < 2)
			continue;
		tmp = t.sets[i].v[0];
		t.sets[i].v[0] = t.sets[i].v[t.sets[i].n - 1];
		t.sets[i].v[t.sets[i].n - 1] = tmp;
	}
	nftb_expected(&t, &y);
	nftd_canon(&y, &b);
	assert_string_equal(sb_str(&a), sb_str(&b));
	nftd_free(&y);
	sb_reset(&b);
	assert_true(t.n_sets > 0 && t.sets[0].n > 0);
	t.sets[0].v[0].f[NFTB_F_SADDR].lo[3] ^= 1;
	nftb_expected(&t, &y);
	nftd_canon(&y, &b);
	assert_string_not_equal(sb_str(&a), sb_str(&b));
	nftd_free(&x);
	nftd_free(&y);
	nftb_free(&t);
	sb_free(&a);
	sb_free(&b);
	ufw_ruleset_free(&rs);
	diag_free(&d);
}

/* ---- hand-built shapes (as iptables-nft and nft write them) ---- */

static void x_reg(struct nftnl_rule *r, const char *name, uint16_t key_attr, uint32_t key,
		  uint16_t dreg_attr)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);

	nftnl_expr_set_u32(e, key_attr, key);
	nftnl_expr_set_u32(e, dreg_attr, NFT_REG_1);
	nftnl_rule_add_expr(r, e);
}

static void x_payload(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");

	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	nftnl_rule_add_expr(r, e);
}

static void x_cmp(struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");

	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	nftnl_rule_add_expr(r, e);
}

static void x_mask(struct nftnl_rule *r, const void *mask, const void * xor, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("bitwise");

	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, xor, len);
	nftnl_rule_add_expr(r, e);
}

static void x_range(struct nftnl_rule *r, uint16_t lo, uint16_t hi)
{
	struct nftnl_expr *e = nftnl_expr_alloc("range");
	uint16_t a = htons(lo), b = htons(hi);

	nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_OP, NFT_RANGE_EQ);
	nftnl_expr_set(e, NFTNL_EXPR_RANGE_FROM_DATA, &a, 2);
	nftnl_expr_set(e, NFTNL_EXPR_RANGE_TO_DATA, &b, 2);
	nftnl_rule_add_expr(r, e);
}

static void x_verdict(struct nftnl_rule *r, int v, const char *chain)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");

	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)v);
	if (chain)
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
	nftnl_rule_add_expr(r, e);
}

static struct nftnl_rule *new_rule(const char *chain)
{
	struct nftnl_rule *r = nftnl_rule_alloc();

	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	return r;
}

/* Decodes r into t and returns the reach text's last line. */
static char *decoded_line(struct nftd_table *t, struct nftnl_rule *r)
{
	struct strbuf out = {0};
	char *nl, *line;

	nftd_add_rule(t, r);
	nftnl_rule_free(r);
	nftd_reach_text(t, &out);
	assert_true(out.len > 0);
	out.buf[out.len - 1] = '\0';
	nl = strrchr(out.buf, '\n');
	line = xstrdup(nl ? nl + 1 : out.buf);
	sb_free(&out);
	return line;
}

static void test_shapes(void **state)
{
	struct nftd_table t;
	struct nftnl_rule *r;
	char *line;
	uint8_t a[4] = {198, 51, 100, 0}, m[4] = {255, 255, 255, 0}, z[4] = {0};
	uint8_t tcp = IPPROTO_TCP;
	char br[3] = {'b', 'r', '-'}, eth[16] = "eth0";

	(void)state;
	nftd_init(&t, 4);
	/* ip saddr 198.51.100.0/24 tcp dport 8000-8080 iifname "br-*" accept */
	r = new_rule("c");
	x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4);
	x_mask(r, m, z, 4);
	x_cmp(r, NFT_CMP_EQ, a, 4);
	x_reg(r, "meta", NFTNL_EXPR_META_KEY, NFT_META_L4PROTO, NFTNL_EXPR_META_DREG);
	x_cmp(r, NFT_CMP_EQ, &tcp, 1);
	x_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
	x_range(r, 8000, 8080);
	x_reg(r, "meta", NFTNL_EXPR_META_KEY, NFT_META_IIFNAME, NFTNL_EXPR_META_DREG);
	x_cmp(r, NFT_CMP_EQ, br, 3);
	x_verdict(r, NF_ACCEPT, NULL);
	line = decoded_line(&t, r);
	assert_string_equal(
	    line, "-A c -s 198.51.100.0/24 -p 6 --dport 8000:8080 -i br-+ -j ACCEPT");
	free(line);
	/* oifname != "eth0" goto x */
	r = new_rule("c");
	x_reg(r, "meta", NFTNL_EXPR_META_KEY, NFT_META_OIFNAME, NFTNL_EXPR_META_DREG);
	x_cmp(r, NFT_CMP_NEQ, eth, 16);
	x_verdict(r, NFT_GOTO, "x");
	line = decoded_line(&t, r);
	assert_string_equal(line, "-A c ! -o eth0 -g x");
	free(line);
	/* a port compared twice, and an unknown expression: never matches */
	r = new_rule("c");
	x_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
	x_range(r, 1, 2);
	x_range(r, 3, 4);
	x_verdict(r, NF_DROP, NULL);
	line = decoded_line(&t, r);
	assert_non_null(strstr(line, "--nft-undecoded \"two matches on one field\""));
	free(line);
	r = new_rule("c");
	nftnl_rule_add_expr(r, nftnl_expr_alloc("fib"));
	x_verdict(r, NF_DROP, NULL);
	line = decoded_line(&t, r);
	assert_non_null(strstr(line, "--nft-undecoded \"fib\""));
	free(line);
	assert_int_equal(t.undecoded, 2);
	nftd_free(&t);
}

/* A one-field interval set (rbtree) as the kernel dumps it: each interval
 * as its start and a flagged end one past its last address. */
static void test_rbtree_set(void **state)
{
	static const uint8_t keys[][4] = {
	    {198, 51, 100, 0}, {198, 51, 101, 0}, {203, 0, 113, 8}, {203, 0, 113, 12}};
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_rule *r;
	struct nftd_table t;
	struct strbuf out = {0};
	struct nftnl_expr *e;

	(void)state;
	nftnl_set_set_str(s, NFTNL_SET_NAME, "nets");
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_INTERVAL);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, 7);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, 4);
	for (int i = 3; i >= 0; i--) { /* dumped highest first */
		struct nftnl_set_elem *el = nftnl_set_elem_alloc();

		nftnl_set_elem_set(el, NFTNL_SET_ELEM_KEY, keys[i], 4);
		if (i % 2)
			nftnl_set_elem_set_u32(el, NFTNL_SET_ELEM_FLAGS,
					       NFT_SET_ELEM_INTERVAL_END);
		nftnl_set_elem_add(s, el);
	}
	nftd_init(&t, 4);
	nftd_add_set(&t, s);
	nftnl_set_free(s);
	r = new_rule("c");
	x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4);
	e = nftnl_expr_alloc("lookup");
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, "nets");
	nftnl_rule_add_expr(r, e);
	x_verdict(r, NF_DROP, NULL);
	nftd_add_rule(&t, r);
	nftnl_rule_free(r);
	nftd_reach_text(&t, &out);
	assert_string_equal(sb_str(&out), "-A c -s 198.51.100.0/24 -j DROP\n"
					  "-A c -s 203.0.113.8/30 -j DROP\n");
	sb_reset(&out);
	nftd_canon(&t, &out);
	assert_non_null(
	    strstr(sb_str(&out), "set nets element 198.51.100.0-198.51.100.255\n"));
	sb_free(&out);
	nftd_free(&t);
}

/* ---- what the fuzzer (tests/fuzz/fuzz_nft_decode.c) found ---- */

static struct nftnl_set *new_set(const char *name, uint32_t flags, uint32_t type,
				 uint32_t len)
{
	struct nftnl_set *s = nftnl_set_alloc();

	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, flags);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, type);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, len);
	return s;
}

static void add_key(struct nftnl_set *s, const void *key, uint32_t len, bool end)
{
	struct nftnl_set_elem *el = nftnl_set_elem_alloc();

	nftnl_set_elem_set(el, NFTNL_SET_ELEM_KEY, key, len);
	if (end)
		nftnl_set_elem_set_u32(el, NFTNL_SET_ELEM_FLAGS,
				       NFT_SET_ELEM_INTERVAL_END);
	nftnl_set_elem_add(s, el);
}

/* ip saddr @set drop, in chain c */
static void add_lookup_rule(struct nftd_table *t, const char *set)
{
	struct nftnl_rule *r = new_rule("c");
	struct nftnl_expr *e;

	x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4);
	e = nftnl_expr_alloc("lookup");
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
	nftnl_rule_add_expr(r, e);
	x_verdict(r, NF_DROP, NULL);
	nftd_add_rule(t, r);
	nftnl_rule_free(r);
}

/* Adjacent intervals [10.0.0.0/24] [10.0.1.0/24] (no auto-merge) dump an end
 * and a start at 10.0.1.0, in either order: paired up the same either way
 * (the start first made the first interval 10.0.0.0-255.255.255.255). */
static void test_rbtree_adjacent(void **state)
{
	static const uint8_t k[][4] = {{10, 0, 2, 0}, {10, 0, 1, 0}, {10, 0, 0, 0}};
	char *canon[2];

	(void)state;
	for (int order = 0; order < 2; order++) {
		struct nftnl_set *s = new_set("nets", NFT_SET_INTERVAL, 7, 4);
		struct strbuf out = {0};
		struct nftd_table t;

		add_key(s, k[0], 4, true);
		add_key(s, k[1], 4, order == 0);
		add_key(s, k[1], 4, order == 1);
		add_key(s, k[2], 4, false);
		nftd_init(&t, 4);
		nftd_add_set(&t, s);
		nftnl_set_free(s);
		add_lookup_rule(&t, "nets");
		nftd_reach_text(&t, &out);
		assert_string_equal(sb_str(&out), "-A c -s 10.0.0.0/24 -j DROP\n"
						  "-A c -s 10.0.1.0/24 -j DROP\n");
		sb_reset(&out);
		nftd_canon(&t, &out);
		canon[order] = sb_detach(&out);
		nftd_free(&t);
	}
	assert_string_equal(canon[0], canon[1]);
	assert_non_null(strstr(canon[0], "set nets element 10.0.0.0-10.0.0.255\n"
					 "set nets element 10.0.1.0-10.0.1.255\n"));
	free(canon[0]);
	free(canon[1]);
}

/* An empty table, and an empty interval set without rules: nothing to sort
 * (qsort of a NULL array, undefined, was caught by UBSan). */
static void test_empty(void **state)
{
	struct nftnl_set *s = new_set("e", NFT_SET_INTERVAL, 7, 4);
	struct strbuf out = {0};
	struct nftd_table t;

	(void)state;
	nftd_init(&t, 4);
	nftd_reach_text(&t, &out);
	nftd_canon(&t, &out);
	assert_int_equal(out.len, 0);
	nftd_add_set(&t, s);
	nftnl_set_free(s);
	nftd_canon(&t, &out);
	assert_string_equal(sb_str(&out), "set e flags 0x4 type 0x7 length 4\n");
	sb_free(&out);
	nftd_free(&t);
}

/* Concatenation lengths that do not add up to the key: the set is bad and
 * its elements print within the key (a field of 200 bytes was read past
 * them); more fields than the key type has bits for have no type (the
 * shift by 6 bits a field went past 32). */
static void test_concat_keys(void **state)
{
	static const uint8_t addr[4] = {10, 0, 0, 1}, zero[28];
	uint8_t one[] = {200}, seven[NFT_REG32_COUNT] = {4, 4, 4, 4, 4, 4, 4};
	struct nftnl_set *s = new_set("one", 0, 7, 4);
	struct strbuf out = {0};
	struct nftd_table t;

	(void)state;
	nftnl_set_set_data(s, NFTNL_SET_DESC_CONCAT, one, sizeof(one));
	add_key(s, addr, 4, false);
	nftd_init(&t, 4);
	nftd_add_set(&t, s);
	nftnl_set_free(s);
	s = new_set("seven", NFT_SET_CONCAT, 0, 28);
	nftnl_set_set_data(s, NFTNL_SET_DESC_CONCAT, seven, sizeof(seven));
	add_key(s, zero, 28, false);
	nftd_add_set(&t, s);
	nftnl_set_free(s);
	nftd_canon(&t, &out);
	assert_string_equal(
	    sb_str(&out),
	    "set one element 10.0.0.1\n"
	    "set one flags 0x0 type 0x7 length 4 (a key we cannot split into fields)\n"
	    "set seven element 00000000-00000000 . 00000000-00000000 . "
	    "00000000-00000000 . 00000000-00000000 . 00000000-00000000 . "
	    "00000000-00000000 . 00000000-00000000\n"
	    "set seven flags 0x80 type 0x0 length 28\n");
	sb_free(&out);
	nftd_free(&t);
}

static void add_named_chain(struct nftd_table *t, const char *name, bool base)
{
	struct nftnl_chain *c = nftnl_chain_alloc();

	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	if (base) {
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, NF_INET_FORWARD);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, 0);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	}
	nftd_add_chain(t, c);
	nftnl_chain_free(c);
}

/* A rule in chain `in` with verdict v (to chain `to`), after a log
 * statement when prefix is not NULL. */
static void add_verdict_rule(struct nftd_table *t, const char *in, int v, const char *to,
			     const char *prefix)
{
	struct nftnl_rule *r = new_rule(in);

	if (prefix) {
		struct nftnl_expr *e = nftnl_expr_alloc("log");

		nftnl_expr_set_str(e, NFTNL_EXPR_LOG_PREFIX, prefix);
		nftnl_rule_add_expr(r, e);
	}
	x_verdict(r, v, to);
	nftd_add_rule(t, r);
	nftnl_rule_free(r);
}

/* nft takes any bytes in a name (`chain ip t "my chain"`) or a log prefix:
 * each stays one word on one line, and a chain named DROP is not the drop
 * verdict (one with a space read as chain "my", a newline broke the line:
 * reach_parse failed). */
static void test_odd_names(void **state)
{
	struct reach_ruleset rs = {0};
	struct reach_start live = {&rs, "forward", NULL}, none = {NULL, "", NULL};
	struct reach_result res;
	struct reach_port p;
	struct strbuf out = {0};
	struct nftd_table t;

	(void)state;
	nftd_init(&t, 4);
	add_named_chain(&t, "forward", true);
	add_named_chain(&t, "my chain", false);
	add_named_chain(&t, "DROP", false);
	add_named_chain(&t, "", false);
	add_named_chain(&t, "50%", false);
	add_verdict_rule(&t, "forward", NFT_JUMP, "DROP", NULL);
	add_verdict_rule(&t, "forward", NFT_JUMP, "my chain", NULL);
	add_verdict_rule(&t, "my chain", NF_ACCEPT, NULL, "a\nb \"c\"");
	add_verdict_rule(&t, "DROP", NF_ACCEPT, NULL, NULL);
	add_verdict_rule(&t, "", NFT_RETURN, NULL, NULL);
	add_verdict_rule(&t, "50%", NF_DROP, NULL, NULL);
	nftd_reach_text(&t, &out);
	assert_string_equal(sb_str(&out),
			    ":forward - [0:0]\n"
			    ":my%20chain - [0:0]\n"
			    ":%44ROP - [0:0]\n"
			    ":%00 - [0:0]\n"
			    ":50%25 - [0:0]\n"
			    "-A forward -j %44ROP\n"
			    "-A forward -j my%20chain\n"
			    "-A my%20chain -j LOG --log-prefix \"a\\x0ab \\\"c\\\"\"\n"
			    "-A my%20chain -j ACCEPT\n"
			    "-A %44ROP -j ACCEPT\n"
			    "-A %00 -j RETURN\n"
			    "-A 50%25 -j DROP\n");
	assert_int_equal(reach_parse(&rs, 4, sb_str(&out)), 0);
	assert_int_equal(rs.unknown, 0);
	for (size_t i = 0; i < t.n_chains; i++)
		assert_true(reach_has_chain(&rs, t.chains[i].name));
	/* forward jumps to chain DROP, which accepts */
	probe_port(&p, 4, 0);
	reach_eval(&live, &none, &p, NULL, 0, &res);
	assert_int_equal(res.verdict, REACH_OPEN);
	reach_result_free(&res);
	reach_ruleset_free(&rs);
	sb_free(&out);
	nftd_free(&t);
}

/* An element that needs more lines than MAX_ALTS (two address fields of 62
 * prefixes each): what does not fit is a line reach never takes, so the
 * rule counts as uncertain instead of silently matching less. */
static void test_too_many_prefixes(void **state)
{
	static const uint8_t lo[8] = {0, 0, 0, 1, 0, 0, 0, 1};
	static const uint8_t hi[8] = {255, 255, 255, 254, 255, 255, 255, 254};
	static const uint8_t lens[2] = {4, 4};
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elem *el = nftnl_set_elem_alloc();
	struct nftnl_rule *r = new_rule("c");
	struct nftnl_expr *e;
	struct nftd_table t;
	struct strbuf out = {0};

	(void)state;
	nftnl_set_set_str(s, NFTNL_SET_NAME, "pairs");
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_INTERVAL | NFT_SET_CONCAT);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, 7 << 6 | 7);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, 8);
	nftnl_set_set_data(s, NFTNL_SET_DESC_CONCAT, lens, sizeof(lens));
	nftnl_set_elem_set(el, NFTNL_SET_ELEM_KEY, lo, 8);
	nftnl_set_elem_set(el, NFTNL_SET_ELEM_KEY_END, hi, 8);
	nftnl_set_elem_add(s, el);
	nftd_init(&t, 4);
	nftd_add_set(&t, s);
	nftnl_set_free(s);
	for (uint32_t w = 0; w < 2; w++) {
		e = nftnl_expr_alloc("payload");
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE,
				   NFT_PAYLOAD_NETWORK_HEADER);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, 12 + 4 * w);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, 4);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG32_00 + w);
		nftnl_rule_add_expr(r, e);
	}
	e = nftnl_expr_alloc("lookup");
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG32_00);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, "pairs");
	nftnl_rule_add_expr(r, e);
	x_verdict(r, NF_ACCEPT, NULL);
	nftd_add_rule(&t, r);
	nftnl_rule_free(r);
	nftd_reach_text(&t, &out);
	assert_non_null(
	    strstr(sb_str(&out), "--nft-undecoded too-many-prefixes -j ACCEPT\n"));
	assert_non_null(strstr(sb_str(&out), "-A c -s 0.0.0.1 -d 0.0.0.1 -j ACCEPT\n"));
	sb_free(&out);
	nftd_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_backends_agree),
	    cmocka_unit_test(test_canon),
	    cmocka_unit_test(test_shapes),
	    cmocka_unit_test(test_rbtree_set),
	    cmocka_unit_test(test_too_many_prefixes),
	    cmocka_unit_test(test_rbtree_adjacent),
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_concat_keys),
	    cmocka_unit_test(test_odd_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
