/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_nft_group: the nftables backend's grouping keeps ufw's first match.
 * For seeded random rule lists, a plain first-match evaluator over ufw's
 * rules and an interpreter of the built table (chains, sets, verdicts) give
 * every random packet the same verdict, mark, log and limit update. Pure C,
 * no kernel. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <linux/netfilter/nf_conntrack_common.h>

#include "nft_build.h"
#include "ufw_rules.h"

#define CASES	   300
#define MAX_RULES  48
#define PACKETS	   400
#define MAX_DEPTH  4 /* jumps: forward -> input -> allow/limit */
#define INTERNAL_1 "docker0"
#define INTERNAL_2 "br-+"

struct rng {
	uint64_t s;
};

static unsigned rnd(struct rng *r, unsigned n)
{
	r->s = r->s * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned)(r->s >> 33) % n;
}

#define PICK(r, a) ((a)[rnd((r), ARRAY_SIZE(a))])

/* --- random rules and packets, from small pools so that they meet --- */

static const char *const addrs4[] = {
    "0.0.0.0/0",    "0.0.0.0/0",      "198.51.100.0/24", "198.51.100.0/25",
    "198.51.100.7", "203.0.113.0/24", "203.0.113.5",	 "192.0.2.0/30",
};
static const char *const addrs6[] = {
    "::/0",	     "::/0",
    "2001:db8::/32", "2001:db8:1::/48",
    "2001:db8:1::5", "2001:db8:2::/64",
};
static const char *const hosts4[] = {
    "198.51.100.7", "198.51.100.130", "198.51.100.200", "203.0.113.5",
    "203.0.113.77", "192.0.2.1",      "192.0.2.9",
};
static const char *const hosts6[] = {
    "2001:db8:1::5", "2001:db8:1::9", "2001:db8:2::1", "2001:db8:3::1", "2001:db9::1",
};
static const char *const dports[] = {
    "any", "any", "22", "80", "80,443", "8000:8010", "22,8000:8010", "443", "8005",
};
static const char *const sports[] = {"any", "any", "any", "53", "1024:65535"};
static const unsigned pkt_ports[] = {1, 22, 53, 80, 443, 1024, 8000, 8005, 8010, 8011};
static const char *const protos[] = {"any", "any", "tcp", "tcp", "udp", "gre", "esp"};
static const uint8_t pkt_protos[] = {6, 6, 17, 17, 47, 50, 1};
static const char *const actions[] = {"allow", "deny", "reject", "limit"};
static const char *const logs[] = {"", "", "", "_log", "_log-all"};
static const char *const in_dirs[] = {"in", "in", "in", "in_eth0", "in_eth1", "in_eth+"};
static const char *const route_dirs[] = {
    "in", "in_eth0!out_docker0", "out_docker0", "in_eth+!out_br-+", "in_eth1",
};
static const char *const iifs[] = {"eth0", "eth1", "eth12", "wlan0", "docker0", "br-ab"};
static const char *const oifs[] = {"docker0", "br-ab", "eth0"};

static bool has_ports(const char *proto)
{
	return !strcmp(proto, "any") || !strcmp(proto, "tcp") || !strcmp(proto, "udp");
}

static void random_rules(struct rng *r, enum ufw_family fam, struct ufw_ruleset *rs)
{
	unsigned n = 1 + rnd(r, MAX_RULES);
	struct diag d;
	char tuple[256];

	diag_init(&d, NULL);
	d.keep = 1;
	for (unsigned i = 0; i < n; i++) {
		bool route = rnd(r, 4) == 0;
		const char *proto = PICK(r, protos);
		const char *dp = has_ports(proto) ? PICK(r, dports) : "any";
		const char *sp = has_ports(proto) ? PICK(r, sports) : "any";
		const char *src = fam == UFW_V6 ? PICK(r, addrs6) : PICK(r, addrs4);
		const char *dst = fam == UFW_V6 ? PICK(r, addrs6) : PICK(r, addrs4);

		snprintf(tuple, sizeof(tuple), "%s%s%s %s %s %s %s %s %s",
			 route ? "route:" : "", PICK(r, actions), PICK(r, logs), proto,
			 dp, dst, sp, src,
			 route ? PICK(r, route_dirs) : PICK(r, in_dirs));
		if (ufw_ruleset_add_tuple(rs, tuple, fam, "user.rules", i + 1, &d) != 1)
			fail_msg("the parser refused %s", tuple);
	}
	diag_free(&d);
}

struct packet {
	enum ufw_family fam;
	const char *iif, *oif;
	uint8_t saddr[16], daddr[16], odaddr[16];
	uint8_t proto;
	unsigned sport, dport, odport;
	bool ct_new, dnat;
};

static void pick_addr(struct rng *r, enum ufw_family fam, uint8_t out[16])
{
	const char *a = fam == UFW_V6 ? PICK(r, hosts6) : PICK(r, hosts4);

	memset(out, 0, 16);
	assert_int_equal(inet_pton(fam == UFW_V6 ? AF_INET6 : AF_INET, a, out), 1);
}

static void random_packet(struct rng *r, enum ufw_family fam, struct packet *p)
{
	p->fam = fam;
	p->iif = PICK(r, iifs);
	p->oif = PICK(r, oifs);
	pick_addr(r, fam, p->saddr);
	pick_addr(r, fam, p->daddr);
	pick_addr(r, fam, p->odaddr);
	p->proto = PICK(r, pkt_protos);
	p->sport = PICK(r, pkt_ports);
	p->dport = PICK(r, pkt_ports);
	p->odport = rnd(r, 3) ? p->dport : PICK(r, pkt_ports);
	p->ct_new = rnd(r, 4) != 0;
	p->dnat = rnd(r, 5) != 0;
}

/* What happened to a packet. */
struct outcome {
	enum nftb_verdict verdict; /* ACCEPT, DROP, REJECT or REJECT_TCP */
	bool mark;
	unsigned limit_updates;
	char log[64]; /* the prefixes logged, in order */
};

static void out_log(struct outcome *o, const char *prefix)
{
	strncat(o->log, prefix, sizeof(o->log) - strlen(o->log) - 1);
}

/* --- the reference: ufw's rules, first match, read directly --- */

static bool iface_match(const char *pat, const char *name)
{
	size_t n = strlen(pat);

	if (!n)
		return true;
	if (pat[n - 1] == '+')
		return strncmp(pat, name, n - 1) == 0;
	return strcmp(pat, name) == 0;
}

static bool addr_match(const char *spec, enum ufw_family fam, const uint8_t a[16])
{
	uint8_t net[16] = {0};
	char buf[64];
	char *slash;
	unsigned bits = fam == UFW_V6 ? 128 : 32;

	if (ufw_addr_is_any(spec))
		return true;
	snprintf(buf, sizeof(buf), "%s", spec);
	slash = strchr(buf, '/');
	if (slash) {
		*slash = '\0';
		bits = (unsigned)atoi(slash + 1);
	}
	assert_int_equal(inet_pton(fam == UFW_V6 ? AF_INET6 : AF_INET, buf, net), 1);
	for (unsigned i = 0; i < bits; i++) {
		uint8_t m = (uint8_t)(0x80 >> (i % 8));

		if ((net[i / 8] & m) != (a[i / 8] & m))
			return false;
	}
	return true;
}

static bool ports_match(const struct port_spec *ps, unsigned port)
{
	if (!ps->n)
		return true;
	for (unsigned i = 0; i < ps->n; i++)
		if (port >= ps->item[i].lo && port <= ps->item[i].hi)
			return true;
	return false;
}

static bool splits(const struct ufw_rule *r)
{
	return !strcmp(r->proto, "any") && (r->dport.n || r->sport.n);
}

static bool proto_match(const struct ufw_rule *r, uint8_t proto)
{
	static const struct {
		const char *name;
		uint8_t num;
	} nums[] = {{"tcp", 6}, {"udp", 17}, {"gre", 47}, {"esp", 50}};

	if (splits(r))
		return proto == 6 || proto == 17;
	if (!strcmp(r->proto, "any"))
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(nums); i++)
		if (!strcmp(r->proto, nums[i].name))
			return proto == nums[i].num;
	fail_msg("unexpected protocol %s", r->proto);
	return false;
}

static bool ref_match(const struct ufw_rule *r, const struct packet *p, bool route)
{
	const uint8_t *da = route ? p->daddr : p->odaddr;
	unsigned dport = route ? p->dport : p->odport;

	return iface_match(r->iface_in, p->iif) &&
	       (!route || iface_match(r->iface_out, p->oif)) &&
	       proto_match(r, p->proto) && ports_match(&r->dport, dport) &&
	       ports_match(&r->sport, p->sport) && addr_match(r->src, p->fam, p->saddr) &&
	       addr_match(r->dst, p->fam, da);
}

static void ref_apply(const struct ufw_rule *r, const struct packet *p,
		      const struct ufw_state *st, bool route, struct outcome *o)
{
	static const char *const words[] = {[UFW_ALLOW] = "ALLOW",
					    [UFW_DENY] = "BLOCK",
					    [UFW_REJECT] = "BLOCK",
					    [UFW_LIMIT] = "LIMIT"};
	char prefix[40];
	bool reset = r->action == UFW_REJECT && (strcmp(r->proto, "any") || splits(r));

	if (st->loglevel != UFW_LOGLEVEL_OFF &&
	    (r->logtype == UFW_LOG_ALL || (r->logtype == UFW_LOG_NEW && p->ct_new))) {
		snprintf(prefix, sizeof(prefix), "[UFW DOCKER %s] ", words[r->action]);
		out_log(o, prefix);
	}
	if (r->action == UFW_LIMIT && p->ct_new)
		o->limit_updates++;
	switch (r->action) {
	case UFW_ALLOW:
	case UFW_LIMIT:
		o->verdict = NFTB_V_ACCEPT;
		o->mark = !route;
		break;
	case UFW_DENY:
		o->verdict = NFTB_V_DROP;
		break;
	default:
		o->verdict = reset && p->proto == 6 ? NFTB_V_REJECT_TCP : NFTB_V_REJECT;
		break;
	}
}

/* The default input policy as emit_policy() words it (LOGLEVEL low). */
static void ref_policy(const struct packet *p, const struct ufw_state *st,
		       struct outcome *o)
{
	bool accept = st->input_policy == UFW_POLICY_ACCEPT;

	if (st->loglevel != UFW_LOGLEVEL_OFF && !accept)
		out_log(o, "[UFW DOCKER BLOCK] ");
	o->verdict = accept				     ? NFTB_V_ACCEPT
		     : st->input_policy == UFW_POLICY_REJECT ? NFTB_V_REJECT
							     : NFTB_V_DROP;
	o->mark = accept;
	(void)p;
}

static void reference(const struct ufw_ruleset *rs, const struct ufw_state *st,
		      const struct packet *p, struct outcome *o)
{
	memset(o, 0, sizeof(*o));
	for (size_t i = 0; i < rs->n; i++) {
		if (rs->v[i].family == p->fam && rs->v[i].forward &&
		    ref_match(&rs->v[i], p, true)) {
			ref_apply(&rs->v[i], p, st, true, o);
			return;
		}
	}
	if (iface_match(INTERNAL_1, p->iif) || iface_match(INTERNAL_2, p->iif)) {
		o->verdict = NFTB_V_ACCEPT;
		o->mark = true;
		return;
	}
	if (!p->dnat) {
		o->verdict = NFTB_V_ACCEPT; /* the base chain's policy */
		return;
	}
	for (size_t i = 0; i < rs->n; i++) {
		const struct ufw_rule *r = &rs->v[i];

		if (r->family == p->fam && !r->forward && r->direction == UFW_DIR_IN &&
		    ref_match(r, p, false)) {
			ref_apply(r, p, st, false, o);
			return;
		}
	}
	ref_policy(p, st, o);
}

/* --- the table, interpreted as the kernel would run it --- */

static void field_value(const struct packet *p, enum nftb_field f, uint8_t v[16])
{
	const uint8_t *a = NULL;
	unsigned port = 0;

	memset(v, 0, 16);
	switch (f) {
	case NFTB_F_SADDR:
		a = p->saddr;
		break;
	case NFTB_F_DADDR:
		a = p->daddr;
		break;
	case NFTB_F_ODADDR:
		a = p->odaddr;
		break;
	case NFTB_F_L4PROTO:
		v[0] = p->proto;
		return;
	case NFTB_F_SPORT:
		port = p->sport;
		break;
	case NFTB_F_DPORT:
		port = p->dport;
		break;
	default:
		port = p->odport;
		break;
	}
	if (a) {
		memcpy(v, a, 16);
		return;
	}
	v[0] = (uint8_t)(port >> 8);
	v[1] = (uint8_t)port;
}

static bool set_has(const struct nftb_table *t, const struct nftb_set *s,
		    const struct packet *p)
{
	for (size_t i = 0; i < s->n; i++) {
		bool in = true;

		for (unsigned f = 0; f < NFTB_F_COUNT && in; f++) {
			unsigned len = nftb_field_len(f, t->fam);
			uint8_t v[16];

			if (!(s->fields & (1u << f)))
				continue;
			field_value(p, f, v);
			in = memcmp(s->v[i].f[f].lo, v, len) <= 0 &&
			     memcmp(v, s->v[i].f[f].hi, len) <= 0;
		}
		if (in)
			return true;
	}
	return false;
}

static bool rule_matches(const struct nftb_table *t, const struct nftb_rule *r,
			 const struct packet *p, struct outcome *o)
{
	uint32_t state = p->ct_new ? NF_CT_STATE_BIT(IP_CT_NEW) : 0;

	if (r->ct_state && !(r->ct_state & state))
		return false;
	if ((r->ct_dnat && !p->dnat) || !iface_match(r->iif, p->iif) ||
	    !iface_match(r->oif, p->oif))
		return false;
	if (r->verdict == NFTB_V_REJECT_TCP && p->proto != 6)
		return false;
	if (r->set >= 0 && !set_has(t, &t->sets[r->set], p))
		return false;
	if (r->limit_over) {
		o->limit_updates++;
		return false; /* under the limit: the rule goes no further */
	}
	return true;
}

/* Runs chain c: true when a verdict ended the packet's path. */
static bool run_chain(const struct nftb_table *t, enum nftb_chain c,
		      const struct packet *p, struct outcome *o, unsigned depth)
{
	assert_true(depth < MAX_DEPTH);
	for (size_t i = 0; i < t->n_rules; i++) {
		const struct nftb_rule *r = &t->rules[i];

		if (r->chain != c || !rule_matches(t, r, p, o))
			continue;
		if (*r->log)
			out_log(o, r->log);
		if (r->mark)
			o->mark = true;
		if (r->verdict == NFTB_V_NONE)
			continue;
		if (r->verdict == NFTB_V_JUMP) {
			if (run_chain(t, r->target, p, o, depth + 1))
				return true;
			continue;
		}
		o->verdict = r->verdict;
		return true;
	}
	return false;
}

static void interpret(const struct nftb_table *t, const struct packet *p,
		      struct outcome *o)
{
	memset(o, 0, sizeof(*o));
	if (!run_chain(t, NFTB_C_FORWARD, p, o, 0))
		o->verdict = NFTB_V_ACCEPT; /* policy accept */
}

/* --- checks --- */

static void expect_same(const struct ufw_ruleset *rs, const struct nftb_table *t,
			const struct packet *p, const struct outcome *want,
			const struct outcome *got, unsigned seed)
{
	struct strbuf sb = {0};

	if (want->verdict == got->verdict && want->mark == got->mark &&
	    want->limit_updates == got->limit_updates && !strcmp(want->log, got->log))
		return;
	for (size_t i = 0; i < rs->n; i++)
		sb_addf(&sb, "  %s%s %s %s %s %s %s in=%s out=%s\n",
			rs->v[i].forward ? "route:" : "",
			ufw_action_name(rs->v[i].action), rs->v[i].proto,
			rs->v[i].dport_text, rs->v[i].dst, rs->v[i].sport_text,
			rs->v[i].src, rs->v[i].iface_in, rs->v[i].iface_out);
	nftb_render(t, &sb);
	fail_msg("seed %u: packet iif %s oif %s proto %u sport %u dport %u odport %u "
		 "new %d dnat %d: reference %d/%d/%u/'%s', table %d/%d/%u/'%s'\n%s",
		 seed, p->iif, p->oif, p->proto, p->sport, p->dport, p->odport, p->ct_new,
		 p->dnat, want->verdict, want->mark, want->limit_updates, want->log,
		 got->verdict, got->mark, got->limit_updates, got->log, sb_str(&sb));
	sb_free(&sb);
}

/* No two elements of one set meet: the kernel refuses such a set. */
static void check_sets_disjoint(const struct nftb_table *t)
{
	for (size_t s = 0; s < t->n_sets; s++) {
		const struct nftb_set *set = &t->sets[s];

		for (size_t i = 0; i < set->n; i++) {
			for (size_t j = i + 1; j < set->n; j++) {
				bool meet = true;

				for (unsigned f = 0; f < NFTB_F_COUNT && meet; f++) {
					unsigned len = nftb_field_len(f, t->fam);

					meet = memcmp(set->v[i].f[f].lo,
						      set->v[j].f[f].hi, len) <= 0 &&
					       memcmp(set->v[j].f[f].lo,
						      set->v[i].f[f].hi, len) <= 0;
				}
				if (meet)
					fail_msg("set %s: elements %zu and %zu meet",
						 set->name, i, j);
			}
		}
	}
}

static char *internal[] = {INTERNAL_1, INTERNAL_2};

static void run_case(unsigned seed, size_t *lookups, size_t *rules)
{
	struct rng r = {seed * 2654435761u + 1};
	enum ufw_family fam = seed % 3 == 2 ? UFW_V6 : UFW_V4;
	struct ufw_ruleset rs = {0};
	struct ufw_state st = {.ipv6 = true,
			       .enabled = true,
			       .input_policy = (enum ufw_policy)rnd(&r, 3),
			       .forward_policy = UFW_POLICY_DROP,
			       .loglevel =
				   rnd(&r, 3) ? UFW_LOGLEVEL_LOW : UFW_LOGLEVEL_OFF};
	struct ufwd_config cfg = {0};
	struct nftb_table t = {0}, again = {0};
	struct strbuf a = {0}, b = {0};
	struct diag d;

	if (st.input_policy == UFW_POLICY_ACCEPT)
		st.loglevel = UFW_LOGLEVEL_OFF; /* ref_policy words only low */
	cfg.internal_ifaces = internal;
	cfg.n_internal_ifaces = 2;
	diag_init(&d, NULL);
	d.keep = 1;
	random_rules(&r, fam, &rs);
	assert_int_equal(nftb_build(&rs, fam, &st, &cfg, &t, &d), 0);
	if (d.warnings)
		fail_msg("seed %u: %s", seed, sb_str(&d.kept));
	check_sets_disjoint(&t);
	for (unsigned i = 0; i < PACKETS; i++) {
		struct packet p;
		struct outcome want, got;

		random_packet(&r, fam, &p);
		reference(&rs, &st, &p, &want);
		interpret(&t, &p, &got);
		expect_same(&rs, &t, &p, &want, &got, seed);
	}
	/* Deterministic: the same rules build the same text. */
	assert_int_equal(nftb_build(&rs, fam, &st, &cfg, &again, &d), 0);
	nftb_render(&t, &a);
	nftb_render(&again, &b);
	assert_string_equal(sb_str(&a), sb_str(&b));
	*lookups += t.n_sets;
	*rules += rs.n;
	sb_free(&a);
	sb_free(&b);
	nftb_free(&t);
	nftb_free(&again);
	ufw_ruleset_free(&rs);
	diag_free(&d);
}

static void test_random_equivalence(void **state)
{
	size_t sets = 0, rules = 0;

	(void)state;
	for (unsigned seed = 1; seed <= CASES; seed++)
		run_case(seed, &sets, &rules);
	fprintf(stderr,
		"test_nft_group: %u cases, %u packets each: %zu rules in %zu sets\n",
		CASES, PACKETS, rules, sets);
}

/* Interleaved verdicts on ports no other rule shares: one set per verdict,
 * whatever the order (the grouping of adjacent rules only made 400). */
static void test_disjoint_interleaved(void **state)
{
	struct ufw_ruleset rs = {0};
	struct ufw_state st = {.input_policy = UFW_POLICY_DROP};
	struct ufwd_config cfg = {0};
	struct nftb_table t = {0};
	struct diag d;
	char tuple[128];

	(void)state;
	diag_init(&d, stderr);
	for (unsigned i = 0; i < 400; i++) {
		static const char *const verbs[] = {"allow", "deny", "reject",
						    "allow_log"};

		snprintf(tuple, sizeof(tuple), "%s tcp %u 0.0.0.0/0 any 0.0.0.0/0 in",
			 verbs[i % 4], 10000 + i);
		assert_int_equal(
		    ufw_ruleset_add_tuple(&rs, tuple, UFW_V4, "user.rules", i + 1, &d),
		    1);
	}
	assert_int_equal(nftb_build(&rs, UFW_V4, &st, &cfg, &t, &d), 0);
	assert_int_equal(t.n_sets, 4);
	nftb_free(&t);
	ufw_ruleset_free(&rs);
	diag_free(&d);
}

/* A rule between two of one verdict that a packet of the later one can
 * match keeps the later one out of the earlier set; an element that an
 * earlier one covers is left out. */
static void test_overlap_orders(void **state)
{
	static const char *const tuples[] = {
	    "allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in",
	    "deny tcp 80:90 0.0.0.0/0 any 198.51.100.0/24 in",
	    "allow tcp 85 0.0.0.0/0 any 0.0.0.0/0 in",		  /* after the deny */
	    "allow tcp 443 0.0.0.0/0 any 0.0.0.0/0 in",		  /* joins the first */
	    "deny tcp 80 0.0.0.0/0 any 198.51.100.7 in",	  /* covered: left out */
	    "allow_log tcp 1000 0.0.0.0/0 any 0.0.0.0/0 in_eth0", /* own shape */
	};
	struct ufw_ruleset rs = {0};
	struct ufw_state st = {.input_policy = UFW_POLICY_DROP};
	struct ufwd_config cfg = {0};
	struct nftb_table t = {0};
	struct diag d;

	(void)state;
	diag_init(&d, stderr);
	for (unsigned i = 0; i < ARRAY_SIZE(tuples); i++)
		assert_int_equal(ufw_ruleset_add_tuple(&rs, tuples[i], UFW_V4,
						       "user.rules", i + 1, &d),
				 1);
	assert_int_equal(nftb_build(&rs, UFW_V4, &st, &cfg, &t, &d), 0);
	assert_int_equal(t.n_sets, 4);
	assert_int_equal(t.sets[0].n, 2); /* 80, 443 */
	assert_int_equal(t.sets[1].n, 1); /* the deny */
	assert_int_equal(t.sets[2].n, 1); /* 85 */
	assert_int_equal(t.sets[3].n, 1);
	nftb_free(&t);
	ufw_ruleset_free(&rs);
	diag_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_random_equivalence),
	    cmocka_unit_test(test_disjoint_interleaved),
	    cmocka_unit_test(test_overlap_orders),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
