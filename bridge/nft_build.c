/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nft_build: ufw's rules of one family to our nf_tables table (the semantics
 * of xlate.c, ports and addresses in interval sets); pure, no I/O. */
#include "nft_build.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_conntrack_common.h>

#define DEFAULT_LOG_PREFIX "UFW DOCKER"
#define LOG_PREFIX_MAX	   29 /* as the iptables backend, so both log alike */
#define LIMIT_SET	   NFTB_LIMIT_SET

static const char *const chain_names[] = {
    [NFTB_C_FORWARD] = "forward",
    [NFTB_C_INPUT] = "input",
    [NFTB_C_LIMIT] = "limit",
    [NFTB_C_ALLOW] = "allow",
};

/* The protocols ufw 0.36 accepts besides "any" (as xlate.c). */
static const struct proto_info {
	const char *name;
	uint8_t num;
	bool ports;
	bool v4_only;
	bool v6_never;
} protos[] = {
    {"tcp", 6, true, false, false},   {"udp", 17, true, false, false},
    {"esp", 50, false, false, false}, {"ah", 51, false, false, true},
    {"gre", 47, false, false, false}, {"vrrp", 112, false, false, false},
    {"ipv6", 41, false, true, false}, {"igmp", 2, false, true, false},
};

static const struct {
	const char *word;
	enum nftb_verdict verdict; /* in chain input; allow jumps to allow */
} actions[] = {
    [UFW_ALLOW] = {"ALLOW", NFTB_V_JUMP},
    [UFW_DENY] = {"BLOCK", NFTB_V_DROP},
    [UFW_REJECT] = {"BLOCK", NFTB_V_REJECT},
    [UFW_LIMIT] = {"LIMIT", NFTB_V_JUMP},
};

static const struct {
	bool log_block, log_allow, limited;
} levels[] = {
    [UFW_LOGLEVEL_OFF] = {false, false, false}, [UFW_LOGLEVEL_LOW] = {true, false, true},
    [UFW_LOGLEVEL_MEDIUM] = {true, true, true}, [UFW_LOGLEVEL_HIGH] = {true, true, false},
    [UFW_LOGLEVEL_FULL] = {true, true, false},
};

/* What consecutive elements must share to sit in one set. */
struct shape {
	enum nftb_chain chain;
	enum ufw_action action;
	enum ufw_logtype log;
	char iif[UFW_IFNAMSIZ], oif[UFW_IFNAMSIZ];
	bool reset; /* reject with an explicit protocol: tcp gets a reset */
};

struct builder {
	struct nftb_table *t;
	const struct ufw_state *st;
	const struct ufwd_config *cfg;
	const char *prefix;
	struct diag *d;
	bool open; /* a group is being filled: cur, set */
	struct shape cur;
	size_t set;
	unsigned n_named[NFTB_C_COUNT];
};

unsigned nftb_field_len(enum nftb_field f, enum ufw_family fam)
{
	switch (f) {
	case NFTB_F_SADDR:
	case NFTB_F_DADDR:
	case NFTB_F_ODADDR:
		return fam == UFW_V6 ? 16 : 4;
	case NFTB_F_L4PROTO:
		return 1;
	default:
		return 2;
	}
}

const char *nftb_family_name(enum ufw_family fam)
{
	return fam == UFW_V6 ? "ip6" : "ip";
}

int nftb_nfproto(enum ufw_family fam)
{
	return fam == UFW_V6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
}

const char *nftb_chain_name(enum nftb_chain c)
{
	return chain_names[c];
}

/* --- checks (the same acceptance as xlate.c) --- */

static const struct proto_info *proto_lookup(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(protos); i++)
		if (streq(protos[i].name, name))
			return &protos[i];
	return NULL;
}

static bool iface_ok(const char *s)
{
	size_t n = strlen(s);

	if (n >= UFW_IFNAMSIZ)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_-.+,=%@", *s))
			return false;
	return true;
}

/* Parses "A", "A/LEN" or "A/MASK" (contiguous) of fam into a range. */
static int addr_range(const char *s, enum ufw_family fam, uint8_t lo[16], uint8_t hi[16])
{
	unsigned len = fam == UFW_V6 ? 16 : 4, bits = len * 8;
	char buf[64];
	char *slash;
	uint8_t a[16] = {0}, m[16];

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (inet_pton(fam == UFW_V6 ? AF_INET6 : AF_INET, buf, a) != 1)
		return -EINVAL;
	if (slash && strchr(slash, '.')) {
		uint8_t mk[4];
		unsigned n = 0;

		if (fam != UFW_V4 || inet_pton(AF_INET, slash, mk) != 1)
			return -EINVAL;
		while (n < 32 && (mk[n / 8] & (0x80 >> (n % 8))))
			n++;
		for (unsigned i = n; i < 32; i++)
			if (mk[i / 8] & (0x80 >> (i % 8)))
				return -ERANGE; /* not contiguous */
		bits = n;
	} else if (slash) {
		char *end;
		long v = strtol(slash, &end, 10);

		if (*end || end == slash || v < 0 || v > (long)bits)
			return -EINVAL;
		bits = (unsigned)v;
	}
	for (unsigned i = 0; i < len; i++) {
		unsigned b = bits > i * 8 ? bits - i * 8 : 0;

		m[i] = b >= 8 ? 0xff : (uint8_t)(0xff00 >> b);
		lo[i] = a[i] & m[i];
		hi[i] = a[i] | (uint8_t)~m[i];
	}
	return 0;
}

static bool rule_usable(struct builder *b, const struct ufw_rule *r,
			const struct proto_info **pi)
{
	enum ufw_family fam = b->t->fam;
	uint8_t lo[16], hi[16];
	const char *why = NULL;

	*pi = NULL;
	if ((unsigned)r->action >= ARRAY_SIZE(actions) ||
	    (unsigned)r->logtype > UFW_LOG_ALL)
		why = "unknown action";
	else if (!streq(r->proto, "any") && !(*pi = proto_lookup(r->proto)))
		why = "unknown protocol";
	else if (*pi && (*pi)->v4_only && fam == UFW_V6)
		why = "protocol exists only for IPv4";
	else if (*pi && (*pi)->v6_never && fam == UFW_V6)
		why = "ip6tables -p ah never matches (nor does ufw's own rule)";
	else if (*pi && !(*pi)->ports && (r->dport.n || r->sport.n))
		why = "ports with a protocol that has none";
	else if (!iface_ok(r->iface_in) || !iface_ok(r->iface_out))
		why = "bad interface name";
	else if (!r->src || !r->dst)
		why = "bad address";
	else if ((!ufw_addr_is_any(r->src) && addr_range(r->src, fam, lo, hi) < 0) ||
		 (!ufw_addr_is_any(r->dst) && addr_range(r->dst, fam, lo, hi) < 0))
		why = "bad address or a netmask an nftables set cannot hold";
	else if (!r->forward && *r->iface_out)
		why = "an incoming rule with an out-interface never matches";
	if (why)
		diag_warn(b->d, r->file, r->line, "rule skipped: %s", why);
	return !why;
}

/* --- sets and elements --- */

static bool field_wild(const struct nftb_elem *e, enum nftb_field f, unsigned len)
{
	for (unsigned i = 0; i < len; i++)
		if (e->f[f].lo[i] != 0 || e->f[f].hi[i] != 0xff)
			return false;
	return true;
}

static void set_wild(struct nftb_elem *e, enum nftb_field f)
{
	memset(e->f[f].lo, 0, sizeof(e->f[f].lo));
	memset(e->f[f].hi, 0xff, sizeof(e->f[f].hi));
}

static void set_port(struct nftb_elem *e, enum nftb_field f, const struct port_item *it)
{
	e->f[f].lo[0] = (uint8_t)(it->lo >> 8);
	e->f[f].lo[1] = (uint8_t)it->lo;
	e->f[f].hi[0] = (uint8_t)(it->hi >> 8);
	e->f[f].hi[1] = (uint8_t)it->hi;
}

static bool boxes_meet(const struct nftb_elem *a, const struct nftb_elem *c,
		       enum ufw_family fam)
{
	for (unsigned f = 0; f < NFTB_F_COUNT; f++) {
		unsigned len = nftb_field_len(f, fam);

		if (memcmp(a->f[f].lo, c->f[f].hi, len) > 0 ||
		    memcmp(c->f[f].lo, a->f[f].hi, len) > 0)
			return false;
	}
	return true;
}

static bool set_meets(const struct nftb_set *s, const struct nftb_elem *e,
		      enum ufw_family fam)
{
	for (size_t i = 0; i < s->n; i++)
		if (boxes_meet(&s->v[i], e, fam))
			return true;
	return false;
}

static void set_push(struct nftb_set *s, const struct nftb_elem *e)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 8;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n++] = *e;
}

static struct nftb_rule *rule_add(struct nftb_table *t, enum nftb_chain c)
{
	struct nftb_rule *r;

	if (t->n_rules == t->cap_rules) {
		t->cap_rules = t->cap_rules ? 2 * t->cap_rules : 16;
		t->rules = xrealloc(t->rules, t->cap_rules * sizeof(*t->rules));
	}
	r = &t->rules[t->n_rules++];
	memset(r, 0, sizeof(*r));
	r->chain = c;
	r->set = -1;
	return r;
}

static unsigned mandatory_fields(enum nftb_chain c)
{
	if (c == NFTB_C_FORWARD)
		return 1u << NFTB_F_DADDR | 1u << NFTB_F_L4PROTO;
	return 1u << NFTB_F_L4PROTO | 1u << NFTB_F_ODPORT;
}

/* --- groups: one set and its rules --- */

static void log_words(struct builder *b, struct nftb_rule *r, const char *word)
{
	snprintf(r->log, sizeof(r->log), "[%s %s] ", b->prefix, word);
}

static struct nftb_rule *group_rule(struct builder *b, const struct shape *sh)
{
	struct nftb_rule *r = rule_add(b->t, sh->chain);

	memcpy(r->iif, sh->iif, sizeof(r->iif));
	memcpy(r->oif, sh->oif, sizeof(r->oif));
	r->set = (int)b->set;
	return r;
}

static void group_verdict(struct builder *b, const struct shape *sh)
{
	struct nftb_rule *r;

	if (sh->action == UFW_LIMIT) {
		r = group_rule(b, sh);
		r->ct_state = NF_CT_STATE_BIT(IP_CT_NEW);
		r->limit_over = true;
		r->verdict = NFTB_V_JUMP;
		r->target = NFTB_C_LIMIT;
	}
	if (sh->action == UFW_REJECT && sh->reset) {
		r = group_rule(b, sh);
		r->verdict = NFTB_V_REJECT_TCP;
	}
	r = group_rule(b, sh);
	r->verdict = actions[sh->action].verdict;
	r->target = NFTB_C_ALLOW;
	if (r->verdict == NFTB_V_JUMP && sh->chain == NFTB_C_FORWARD)
		r->verdict = NFTB_V_ACCEPT; /* route allow: as the iptables RETURN */
}

static void group_close(struct builder *b)
{
	const struct shape *sh = &b->cur;
	struct nftb_set *s;
	struct nftb_rule *r;

	if (!b->open)
		return;
	b->open = false;
	s = &b->t->sets[b->set];
	s->fields = mandatory_fields(sh->chain);
	for (size_t i = 0; i < s->n; i++)
		for (unsigned f = 0; f < NFTB_F_COUNT; f++)
			if (!field_wild(&s->v[i], f, nftb_field_len(f, b->t->fam)))
				s->fields |= 1u << f;
	if (sh->log != UFW_LOG_NONE && b->st->loglevel != UFW_LOGLEVEL_OFF) {
		r = group_rule(b, sh);
		if (sh->log == UFW_LOG_NEW)
			r->ct_state = NF_CT_STATE_BIT(IP_CT_NEW);
		r->log_rate = 3;
		r->log_burst = 10;
		log_words(b, r, actions[sh->action].word);
	}
	group_verdict(b, sh);
}

static void group_open(struct builder *b, const struct shape *sh)
{
	struct nftb_table *t = b->t;
	struct nftb_set *s;

	if (t->n_sets == t->cap_sets) {
		t->cap_sets = t->cap_sets ? 2 * t->cap_sets : 8;
		t->sets = xrealloc(t->sets, t->cap_sets * sizeof(*t->sets));
	}
	s = &t->sets[t->n_sets];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s_%u",
		 sh->chain == NFTB_C_FORWARD ? "route" : "input",
		 ++b->n_named[sh->chain]);
	b->set = t->n_sets++;
	b->cur = *sh;
	b->open = true;
}

static bool shape_eq(const struct shape *a, const struct shape *c)
{
	return a->chain == c->chain && a->action == c->action && a->log == c->log &&
	       streq(a->iif, c->iif) && streq(a->oif, c->oif) && a->reset == c->reset;
}

static void add_elem(struct builder *b, const struct shape *sh, const struct nftb_elem *e)
{
	if (!b->open || !shape_eq(&b->cur, sh) ||
	    set_meets(&b->t->sets[b->set], e, b->t->fam)) {
		group_close(b);
		group_open(b, sh);
	}
	set_push(&b->t->sets[b->set], e);
}

/* --- one ufw rule --- */

static void fill_addr(struct nftb_elem *e, enum nftb_field f, const char *addr,
		      enum ufw_family fam)
{
	set_wild(e, f);
	if (!ufw_addr_is_any(addr))
		addr_range(addr, fam, e->f[f].lo, e->f[f].hi); /* checked before */
}

/* Every element of r for protocol number proto (-1: any), port items crossed. */
static void add_rule_proto(struct builder *b, const struct ufw_rule *r, int proto,
			   const struct shape *sh)
{
	bool route = sh->chain == NFTB_C_FORWARD;
	enum nftb_field fd = route ? NFTB_F_DPORT : NFTB_F_ODPORT;
	unsigned nd = r->dport.n ? r->dport.n : 1, ns = r->sport.n ? r->sport.n : 1;
	struct nftb_elem e;

	memset(&e, 0, sizeof(e));
	for (unsigned f = 0; f < NFTB_F_COUNT; f++)
		set_wild(&e, f);
	fill_addr(&e, NFTB_F_SADDR, r->src, b->t->fam);
	fill_addr(&e, route ? NFTB_F_DADDR : NFTB_F_ODADDR, r->dst, b->t->fam);
	if (proto >= 0) {
		e.f[NFTB_F_L4PROTO].lo[0] = (uint8_t)proto;
		e.f[NFTB_F_L4PROTO].hi[0] = (uint8_t)proto;
	}
	for (unsigned i = 0; i < nd; i++) {
		for (unsigned j = 0; j < ns; j++) {
			if (r->dport.n)
				set_port(&e, fd, &r->dport.item[i]);
			if (r->sport.n)
				set_port(&e, NFTB_F_SPORT, &r->sport.item[j]);
			add_elem(b, sh, &e);
		}
	}
}

/* As xlate.c: proto any with ports (or an interface ending in "port")
 * becomes tcp and udp. */
static bool splits_tcp_udp(const struct ufw_rule *r)
{
	return r->dport.n || r->sport.n || str_endswith(r->iface_in, "port") ||
	       str_endswith(r->iface_out, "port");
}

static void add_rule(struct builder *b, const struct ufw_rule *r, enum nftb_chain c)
{
	const struct proto_info *pi;
	struct shape sh = {.chain = c, .action = r->action, .log = r->logtype};

	if (!rule_usable(b, r, &pi))
		return;
	memcpy(sh.iif, r->iface_in, sizeof(sh.iif));
	if (c == NFTB_C_FORWARD)
		memcpy(sh.oif, r->iface_out, sizeof(sh.oif));
	if (pi) {
		sh.reset = r->action == UFW_REJECT;
		add_rule_proto(b, r, pi->num, &sh);
	} else if (splits_tcp_udp(r)) {
		sh.reset = r->action == UFW_REJECT;
		add_rule_proto(b, r, 6, &sh);
		add_rule_proto(b, r, 17, &sh);
	} else {
		add_rule_proto(b, r, -1, &sh);
	}
}

/* --- fixed parts --- */

static void emit_forward_head(struct builder *b)
{
	struct nftb_rule *r = rule_add(b->t, NFTB_C_FORWARD);

	r->ct_state = NF_CT_STATE_BIT(IP_CT_ESTABLISHED) | NF_CT_STATE_BIT(IP_CT_RELATED);
	r->verdict = NFTB_V_ACCEPT;
}

static void emit_forward_tail(struct builder *b)
{
	struct nftb_rule *r;

	for (size_t i = 0; i < b->cfg->n_internal_ifaces; i++) {
		r = rule_add(b->t, NFTB_C_FORWARD);
		snprintf(r->iif, sizeof(r->iif), "%s", b->cfg->internal_ifaces[i]);
		r->verdict = NFTB_V_JUMP;
		r->target = NFTB_C_ALLOW;
	}
	r = rule_add(b->t, NFTB_C_FORWARD);
	r->ct_dnat = true;
	r->verdict = NFTB_V_JUMP;
	r->target = NFTB_C_INPUT;
}

static void emit_policy(struct builder *b)
{
	enum ufw_policy p = b->st->input_policy;
	bool accept = p == UFW_POLICY_ACCEPT;
	struct nftb_rule *r;

	if (accept ? levels[b->st->loglevel].log_allow
		   : levels[b->st->loglevel].log_block) {
		r = rule_add(b->t, NFTB_C_INPUT);
		if (accept)
			r->ct_state = NF_CT_STATE_BIT(IP_CT_NEW);
		if (levels[b->st->loglevel].limited) {
			r->log_rate = 3;
			r->log_burst = 10;
		}
		log_words(b, r, accept ? "ALLOW" : "BLOCK");
	}
	r = rule_add(b->t, NFTB_C_INPUT);
	r->verdict = accept		      ? NFTB_V_JUMP
		     : p == UFW_POLICY_REJECT ? NFTB_V_REJECT
					      : NFTB_V_DROP;
	r->target = NFTB_C_ALLOW;
}

static void emit_limit_allow(struct builder *b)
{
	struct nftb_rule *r;

	if (b->st->loglevel != UFW_LOGLEVEL_OFF) {
		r = rule_add(b->t, NFTB_C_LIMIT);
		r->log_rate = 3;
		r->log_burst = 5; /* iptables' -m limit default burst */
		log_words(b, r, "LIMIT BLOCK");
	}
	r = rule_add(b->t, NFTB_C_LIMIT);
	r->verdict = NFTB_V_REJECT;
	r = rule_add(b->t, NFTB_C_ALLOW);
	r->mark = true;
	r->verdict = NFTB_V_ACCEPT;
}

static int check_config(struct builder *b)
{
	const char *p = b->prefix;

	for (size_t i = 0; i < b->cfg->n_internal_ifaces; i++) {
		const char *name = b->cfg->internal_ifaces[i];

		if (!name || !*name || !iface_ok(name)) {
			diag_err(b->d, NULL, 0, "internal interface \"%s\": bad name",
				 name ? name : "");
			return -EINVAL;
		}
	}
	for (const char *c = p; *c; c++) {
		if (!isprint((unsigned char)*c) || strchr("\"'\\", *c)) {
			diag_err(b->d, NULL, 0,
				 "log prefix \"%s\": quotes, backslashes and control "
				 "characters are not allowed",
				 p);
			return -EINVAL;
		}
	}
	if (strlen(p) + sizeof("[ LIMIT BLOCK] ") - 1 > LOG_PREFIX_MAX) {
		diag_err(b->d, NULL, 0, "log prefix \"%s\" is too long", p);
		return -EINVAL;
	}
	return 0;
}

int nftb_build(const struct ufw_ruleset *rs, enum ufw_family fam,
	       const struct ufw_state *st, const struct ufwd_config *cfg,
	       struct nftb_table *t, struct diag *d)
{
	struct builder b = {
	    .t = t,
	    .st = st,
	    .cfg = cfg,
	    .prefix = cfg->log_prefix ? cfg->log_prefix : DEFAULT_LOG_PREFIX,
	    .d = d,
	};
	int ret;

	t->fam = fam;
	if ((unsigned)st->loglevel >= ARRAY_SIZE(levels) ||
	    (unsigned)st->input_policy > UFW_POLICY_REJECT) {
		diag_err(d, NULL, 0, "invalid ufw state (loglevel %d, input policy %d)",
			 (int)st->loglevel, (int)st->input_policy);
		return -EINVAL;
	}
	ret = check_config(&b);
	if (ret)
		return ret;
	emit_forward_head(&b);
	for (size_t i = 0; i < rs->n; i++)
		if (rs->v[i].family == fam && rs->v[i].forward)
			add_rule(&b, &rs->v[i], NFTB_C_FORWARD);
	group_close(&b);
	emit_forward_tail(&b);
	for (size_t i = 0; i < rs->n; i++)
		if (rs->v[i].family == fam && !rs->v[i].forward &&
		    rs->v[i].direction == UFW_DIR_IN)
			add_rule(&b, &rs->v[i], NFTB_C_INPUT);
	group_close(&b);
	emit_policy(&b);
	emit_limit_allow(&b);
	return 0;
}

void nftb_free(struct nftb_table *t)
{
	for (size_t i = 0; i < t->n_sets; i++)
		free(t->sets[i].v);
	free(t->sets);
	free(t->rules);
	memset(t, 0, sizeof(*t));
}

size_t nftb_count_rules(const struct nftb_table *t, enum nftb_chain c)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n_rules; i++)
		n += t->rules[i].chain == c;
	return n;
}

const char *nftb_iptables_companion(void)
{
	return ":" NFTB_COMPANION_CHAIN " - [0:0]\n"
	       "-A ufw-after-forward -j " NFTB_COMPANION_CHAIN "\n"
	       "-A " NFTB_COMPANION_CHAIN " -m mark --mark 0x100000/0x100000 -j ACCEPT\n";
}

/* --- nft text --- */

static const char *field_expr(enum nftb_field f, enum ufw_family fam)
{
	static const char *const v4[] = {
	    [NFTB_F_SADDR] = "ip saddr",
	    [NFTB_F_DADDR] = "ip daddr",
	    [NFTB_F_ODADDR] = "ct original ip daddr",
	    [NFTB_F_L4PROTO] = "meta l4proto",
	    [NFTB_F_SPORT] = "th sport",
	    [NFTB_F_DPORT] = "th dport",
	    [NFTB_F_ODPORT] = "ct original proto-dst",
	};
	static const char *const v6[] = {
	    [NFTB_F_SADDR] = "ip6 saddr",
	    [NFTB_F_DADDR] = "ip6 daddr",
	    [NFTB_F_ODADDR] = "ct original ip6 daddr",
	};

	return fam == UFW_V6 && f <= NFTB_F_ODADDR ? v6[f] : v4[f];
}

static const char *field_type(enum nftb_field f, enum ufw_family fam)
{
	if (f <= NFTB_F_ODADDR)
		return fam == UFW_V6 ? "ipv6_addr" : "ipv4_addr";
	return f == NFTB_F_L4PROTO ? "inet_proto" : "inet_service";
}

static void render_fields(struct strbuf *out, unsigned fields, enum ufw_family fam,
			  bool type)
{
	const char *sep = "";

	for (unsigned f = 0; f < NFTB_F_COUNT; f++) {
		if (!(fields & (1u << f)))
			continue;
		sb_addf(out, "%s%s", sep, type ? field_type(f, fam) : field_expr(f, fam));
		sep = " . ";
	}
}

static unsigned prefix_len(const uint8_t *lo, const uint8_t *hi, unsigned len)
{
	unsigned n = 0;

	for (unsigned i = 0; i < len * 8; i++, n++)
		if ((lo[i / 8] ^ hi[i / 8]) & (0x80 >> (i % 8)))
			break;
	return n;
}

static void render_value(struct strbuf *out, const struct nftb_elem *e, enum nftb_field f,
			 enum ufw_family fam)
{
	unsigned len = nftb_field_len(f, fam);
	char buf[INET6_ADDRSTRLEN];

	if (f <= NFTB_F_ODADDR) {
		unsigned n = prefix_len(e->f[f].lo, e->f[f].hi, len);

		inet_ntop(fam == UFW_V6 ? AF_INET6 : AF_INET, e->f[f].lo, buf,
			  sizeof(buf));
		sb_adds(out, buf);
		if (n != len * 8)
			sb_addf(out, "/%u", n);
	} else if (f == NFTB_F_L4PROTO) {
		const char *name = NULL;

		for (size_t i = 0; i < ARRAY_SIZE(protos); i++)
			if (protos[i].num == e->f[f].lo[0])
				name = protos[i].name;
		if (e->f[f].lo[0] != e->f[f].hi[0])
			sb_addf(out, "%u-%u", e->f[f].lo[0], e->f[f].hi[0]);
		else if (name)
			sb_adds(out, name);
		else
			sb_addf(out, "%u", e->f[f].lo[0]);
	} else {
		unsigned lo = (unsigned)e->f[f].lo[0] << 8 | e->f[f].lo[1];
		unsigned hi = (unsigned)e->f[f].hi[0] << 8 | e->f[f].hi[1];

		sb_addf(out, lo == hi ? "%u" : "%u-%u", lo, hi);
	}
}

static void render_set(struct strbuf *out, const struct nftb_set *s, enum ufw_family fam)
{
	sb_addf(out, "\tset %s {\n\t\ttype ", s->name);
	render_fields(out, s->fields, fam, true);
	sb_adds(out, "\n\t\tflags interval\n\t\telements = {");
	for (size_t i = 0; i < s->n; i++) {
		const char *sep = "";

		sb_adds(out, i ? ",\n\t\t\t" : "\n\t\t\t");
		for (unsigned f = 0; f < NFTB_F_COUNT; f++) {
			if (!(s->fields & (1u << f)))
				continue;
			sb_adds(out, sep);
			render_value(out, &s->v[i], f, fam);
			sep = " . ";
		}
	}
	sb_adds(out, "\n\t\t}\n\t}\n\n");
}

static void render_iface(struct strbuf *out, const char *kw, const char *name)
{
	size_t n = strlen(name);

	if (!n)
		return;
	if (name[n - 1] == '+')
		sb_addf(out, " %s \"%.*s*\"", kw, (int)(n - 1), name);
	else
		sb_addf(out, " %s \"%s\"", kw, name);
}

static void render_verdict(struct strbuf *out, const struct nftb_rule *r)
{
	switch (r->verdict) {
	case NFTB_V_NONE:
		break;
	case NFTB_V_ACCEPT:
		sb_adds(out, " accept");
		break;
	case NFTB_V_DROP:
		sb_adds(out, " drop");
		break;
	case NFTB_V_REJECT:
		sb_adds(out, " reject");
		break;
	case NFTB_V_REJECT_TCP:
		sb_adds(out, " reject with tcp reset");
		break;
	case NFTB_V_JUMP:
		sb_addf(out, " jump %s", chain_names[r->target]);
		break;
	}
}

static void render_rule(struct strbuf *out, const struct nftb_table *t,
			const struct nftb_rule *r)
{
	struct strbuf l = {0};
	uint32_t est =
	    NF_CT_STATE_BIT(IP_CT_ESTABLISHED) | NF_CT_STATE_BIT(IP_CT_RELATED);

	if (r->ct_state)
		sb_adds(&l, r->ct_state == est ? " ct state established,related"
					       : " ct state new");
	if (r->ct_dnat)
		sb_adds(&l, " ct direction original ct status dnat");
	render_iface(&l, "iifname", r->iif);
	render_iface(&l, "oifname", r->oif);
	if (r->verdict == NFTB_V_REJECT_TCP)
		sb_adds(&l, " meta l4proto tcp");
	if (r->set >= 0) {
		sb_addc(&l, ' ');
		render_fields(&l, t->sets[r->set].fields, t->fam, false);
		sb_addf(&l, " @%s", t->sets[r->set].name);
	}
	if (r->limit_over)
		sb_addf(&l,
			" update @" LIMIT_SET
			" { %s limit rate over 2/minute burst 5 packets }",
			field_expr(NFTB_F_SADDR, t->fam));
	if (r->log_rate)
		sb_addf(&l, " limit rate %u/minute burst %u packets", r->log_rate,
			r->log_burst);
	if (*r->log)
		sb_addf(&l, " log prefix \"%s\"", r->log);
	if (r->mark)
		sb_addf(&l, " meta mark set meta mark | 0x%08x", NFTB_MARK);
	render_verdict(&l, r);
	sb_addf(out, "\t\t%s\n", sb_str(&l) + 1);
	sb_free(&l);
}

void nftb_render(const struct nftb_table *t, struct strbuf *out)
{
	sb_addf(out, "table %s " NFTB_TABLE " {\n", nftb_family_name(t->fam));
	sb_addf(out,
		"\tset " LIMIT_SET " {\n\t\ttype %s\n\t\tsize 65535\n"
		"\t\tflags dynamic,timeout\n\t\ttimeout 30s\n\t}\n\n",
		field_type(NFTB_F_SADDR, t->fam));
	for (size_t i = 0; i < t->n_sets; i++)
		render_set(out, &t->sets[i], t->fam);
	for (unsigned c = 0; c < NFTB_C_COUNT; c++) {
		sb_addf(out, "\tchain %s {\n", chain_names[c]);
		if (c == NFTB_C_FORWARD)
			sb_adds(out, "\t\ttype filter hook forward priority filter - 1; "
				     "policy accept;\n");
		for (size_t i = 0; i < t->n_rules; i++)
			if (t->rules[i].chain == c)
				render_rule(out, t, &t->rules[i]);
		sb_adds(out, c + 1 < NFTB_C_COUNT ? "\t}\n\n" : "\t}\n");
	}
	sb_adds(out, "}\n");
}

/* --- batch messages --- */

#define ELEMS_PER_MSG	32
#define LIMIT_SET_ID	1 /* sets[i] get id i + 2 */
#define CT_DIR_ORIGINAL 0 /* enum ip_conntrack_dir, not in the uapi */

/* nft's datatype numbers, so that `nft list` shows our sets readably. */
static uint32_t field_typeid(enum nftb_field f, enum ufw_family fam)
{
	if (f <= NFTB_F_ODADDR)
		return fam == UFW_V6 ? 8 : 7;
	return f == NFTB_F_L4PROTO ? 12 : 13;
}

static uint32_t field_reg(unsigned word)
{
	return NFT_REG32_00 + word;
}

static void add(struct nftnl_rule *r, struct nftnl_expr *e)
{
	nftnl_rule_add_expr(r, e);
}

static void x_payload(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len,
		      uint32_t reg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");

	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, reg);
	add(r, e);
}

static void x_meta(struct nftnl_rule *r, uint32_t key, uint32_t reg, bool set)
{
	struct nftnl_expr *e = nftnl_expr_alloc("meta");

	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, set ? NFTNL_EXPR_META_SREG : NFTNL_EXPR_META_DREG, reg);
	add(r, e);
}

static void x_ct(struct nftnl_rule *r, uint32_t key, int dir, uint32_t reg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("ct");

	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	if (dir >= 0)
		nftnl_expr_set_u8(e, NFTNL_EXPR_CT_DIR, (uint8_t)dir);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, reg);
	add(r, e);
}

static void x_cmp(struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");

	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	add(r, e);
}

/* reg1 = (reg1 & mask) ^ xor, on 4 bytes. */
static void x_bitwise(struct nftnl_rule *r, uint32_t mask, uint32_t xor)
{
	struct nftnl_expr *e = nftnl_expr_alloc("bitwise");

	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, sizeof(uint32_t));
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask, sizeof(mask));
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &xor, sizeof(xor));
	add(r, e);
}

/* (ct key & bits) != 0 */
static void x_ct_bits(struct nftnl_rule *r, uint32_t key, uint32_t bits)
{
	uint32_t zero = 0;

	x_ct(r, key, -1, NFT_REG_1);
	x_bitwise(r, bits, 0);
	x_cmp(r, NFT_CMP_NEQ, &zero, sizeof(zero));
}

static void x_iface(struct nftnl_rule *r, uint32_t key, const char *name)
{
	char buf[UFW_IFNAMSIZ] = {0};
	size_t n = strlen(name);

	if (!n)
		return;
	x_meta(r, key, NFT_REG_1, false);
	if (name[n - 1] == '+') {
		x_cmp(r, NFT_CMP_EQ, name, (uint32_t)(n - 1));
		return;
	}
	memcpy(buf, name, n);
	x_cmp(r, NFT_CMP_EQ, buf, sizeof(buf));
}

static void x_field(struct nftnl_rule *r, enum nftb_field f, enum ufw_family fam,
		    uint32_t reg)
{
	bool v6 = fam == UFW_V6;

	switch (f) {
	case NFTB_F_SADDR:
		x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, v6 ? 8 : 12, v6 ? 16 : 4, reg);
		break;
	case NFTB_F_DADDR:
		x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, v6 ? 24 : 16, v6 ? 16 : 4, reg);
		break;
	case NFTB_F_ODADDR:
		x_ct(r, v6 ? NFT_CT_DST_IP6 : NFT_CT_DST_IP, CT_DIR_ORIGINAL, reg);
		break;
	case NFTB_F_L4PROTO:
		x_meta(r, NFT_META_L4PROTO, reg, false);
		break;
	case NFTB_F_SPORT:
		x_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 2, reg);
		break;
	case NFTB_F_DPORT:
		x_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, reg);
		break;
	default:
		x_ct(r, NFT_CT_PROTO_DST, CT_DIR_ORIGINAL, reg);
		break;
	}
}

static void x_lookup(struct nftnl_rule *r, const struct nftb_table *t, int set)
{
	const struct nftb_set *s = &t->sets[set];
	struct nftnl_expr *e;
	unsigned word = 0;

	for (unsigned f = 0; f < NFTB_F_COUNT; f++) {
		if (!(s->fields & (1u << f)))
			continue;
		x_field(r, f, t->fam, field_reg(word));
		word += (nftb_field_len(f, t->fam) + 3) / 4;
	}
	e = nftnl_expr_alloc("lookup");
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, field_reg(0));
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, s->name);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, (uint32_t)set + 2);
	add(r, e);
}

static struct nftnl_expr *x_limit_expr(uint64_t rate, uint32_t burst, bool over)
{
	struct nftnl_expr *e = nftnl_expr_alloc("limit");

	nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_RATE, rate);
	nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_UNIT, 60);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_BURST, burst);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_TYPE, NFT_LIMIT_PKTS);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_FLAGS, over ? NFT_LIMIT_F_INV : 0);
	return e;
}

static void x_limit_update(struct nftnl_rule *r, enum ufw_family fam)
{
	struct nftnl_expr *e = nftnl_expr_alloc("dynset");

	x_field(r, NFTB_F_SADDR, fam, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SREG_KEY, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_OP, NFT_DYNSET_OP_UPDATE);
	nftnl_expr_set_str(e, NFTNL_EXPR_DYNSET_SET_NAME, LIMIT_SET);
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SET_ID, LIMIT_SET_ID);
	nftnl_expr_add_expr(e, NFTNL_EXPR_DYNSET_EXPRESSIONS, x_limit_expr(2, 5, true));
	add(r, e);
}

static void x_mark(struct nftnl_rule *r)
{
	x_meta(r, NFT_META_MARK, NFT_REG_1, false);
	x_bitwise(r, ~NFTB_MARK, NFTB_MARK);
	x_meta(r, NFT_META_MARK, NFT_REG_1, true);
}

static void x_verdict(struct nftnl_rule *r, const struct nftb_rule *nr,
		      enum ufw_family fam)
{
	struct nftnl_expr *e;

	if (nr->verdict == NFTB_V_REJECT || nr->verdict == NFTB_V_REJECT_TCP) {
		bool tcp = nr->verdict == NFTB_V_REJECT_TCP;

		e = nftnl_expr_alloc("reject");
		nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE,
				   tcp ? NFT_REJECT_TCP_RST : NFT_REJECT_ICMP_UNREACH);
		nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE,
				  tcp		  ? 0
				  : fam == UFW_V6 ? 4
						  : 3);
		add(r, e);
		return;
	}
	if (nr->verdict == NFTB_V_NONE)
		return;
	e = nftnl_expr_alloc("immediate");
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT,
			   nr->verdict == NFTB_V_ACCEPT ? NF_ACCEPT
			   : nr->verdict == NFTB_V_DROP ? NF_DROP
							: (uint32_t)NFT_JUMP);
	if (nr->verdict == NFTB_V_JUMP)
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain_names[nr->target]);
	add(r, e);
}

static void x_rule_body(struct nftnl_rule *r, const struct nftb_table *t,
			const struct nftb_rule *nr)
{
	uint8_t orig = CT_DIR_ORIGINAL, tcp = 6;

	if (nr->ct_state)
		x_ct_bits(r, NFT_CT_STATE, nr->ct_state);
	if (nr->ct_dnat) {
		x_ct(r, NFT_CT_DIRECTION, -1, NFT_REG_1);
		x_cmp(r, NFT_CMP_EQ, &orig, sizeof(orig));
		x_ct_bits(r, NFT_CT_STATUS, IPS_DST_NAT);
	}
	x_iface(r, NFT_META_IIFNAME, nr->iif);
	x_iface(r, NFT_META_OIFNAME, nr->oif);
	if (nr->verdict == NFTB_V_REJECT_TCP) {
		x_meta(r, NFT_META_L4PROTO, NFT_REG_1, false);
		x_cmp(r, NFT_CMP_EQ, &tcp, sizeof(tcp));
	}
	if (nr->set >= 0)
		x_lookup(r, t, nr->set);
	if (nr->limit_over)
		x_limit_update(r, t->fam);
	if (nr->log_rate)
		add(r, x_limit_expr(nr->log_rate, nr->log_burst, false));
	if (*nr->log) {
		struct nftnl_expr *e = nftnl_expr_alloc("log");

		nftnl_expr_set_str(e, NFTNL_EXPR_LOG_PREFIX, nr->log);
		add(r, e);
	}
	if (nr->mark)
		x_mark(r);
	x_verdict(r, nr, t->fam);
}

/* Builds one message at the batch's tail with build(), then pushes it. */
struct msg {
	uint16_t type, flags;
	int family;
	char label[96];
};

static struct nlmsghdr *msg_start(struct nl_batch *b, const struct msg *m)
{
	uint32_t seq;
	char *buf = nl_batch_tail(b, &seq);

	return nftnl_nlmsg_build_hdr(buf, m->type, (uint16_t)m->family,
				     m->flags | NLM_F_ACK, seq);
}

static int msg_end(struct nl_batch *b, const struct msg *m, struct diag *d)
{
	int ret = nl_batch_push(b, m->label);

	if (ret < 0)
		diag_err(d, NULL, 0, "%s: netlink message too large", m->label);
	return ret;
}

static int push_table_msg(int family, uint16_t type, struct nl_batch *b, struct diag *d)
{
	struct msg m = {type, type == NFT_MSG_NEWTABLE ? NLM_F_CREATE : 0, family, ""};
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	snprintf(m.label, sizeof(m.label), "%s table %s " NFTB_TABLE,
		 type == NFT_MSG_NEWTABLE ? "add" : "delete",
		 family == NFPROTO_IPV6 ? "ip6" : "ip");
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, NFTB_TABLE);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, (uint32_t)family);
	nlh = msg_start(b, &m);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	return msg_end(b, &m, d);
}

static int push_chain(const struct nftb_table *t, enum nftb_chain c, struct nl_batch *b,
		      struct diag *d)
{
	struct msg m = {NFT_MSG_NEWCHAIN, NLM_F_CREATE, nftb_nfproto(t->fam), ""};
	struct nftnl_chain *ch = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	snprintf(m.label, sizeof(m.label), "chain %s", chain_names[c]);
	nftnl_chain_set_str(ch, NFTNL_CHAIN_TABLE, NFTB_TABLE);
	nftnl_chain_set_str(ch, NFTNL_CHAIN_NAME, chain_names[c]);
	if (c == NFTB_C_FORWARD) {
		nftnl_chain_set_u32(ch, NFTNL_CHAIN_HOOKNUM, NF_INET_FORWARD);
		nftnl_chain_set_s32(ch, NFTNL_CHAIN_PRIO, NFTB_PRIORITY);
		nftnl_chain_set_str(ch, NFTNL_CHAIN_TYPE, "filter");
		nftnl_chain_set_u32(ch, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	}
	nlh = msg_start(b, &m);
	nftnl_chain_nlmsg_build_payload(nlh, ch);
	nftnl_chain_free(ch);
	return msg_end(b, &m, d);
}

static struct nftnl_set *set_header(const char *name, uint32_t id, int family)
{
	struct nftnl_set *s = nftnl_set_alloc();

	nftnl_set_set_str(s, NFTNL_SET_TABLE, NFTB_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, (uint32_t)family);
	nftnl_set_set_u32(s, NFTNL_SET_ID, id);
	return s;
}

static int push_set_msg(struct nftnl_set *s, struct nl_batch *b, uint16_t type,
			const char *label, struct diag *d)
{
	struct msg m = {type, NLM_F_CREATE, (int)nftnl_set_get_u32(s, NFTNL_SET_FAMILY),
			""};
	struct nlmsghdr *nlh;

	snprintf(m.label, sizeof(m.label), "%s", label);
	nlh = msg_start(b, &m);
	if (type == NFT_MSG_NEWSET)
		nftnl_set_nlmsg_build_payload(nlh, s);
	else
		nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	return msg_end(b, &m, d);
}

static int push_limit_set(const struct nftb_table *t, struct nl_batch *b, struct diag *d)
{
	struct nftnl_set *s = set_header(LIMIT_SET, LIMIT_SET_ID, nftb_nfproto(t->fam));

	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, field_typeid(NFTB_F_SADDR, t->fam));
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, nftb_field_len(NFTB_F_SADDR, t->fam));
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_EVAL | NFT_SET_TIMEOUT);
	nftnl_set_set_u64(s, NFTNL_SET_TIMEOUT, 30000);
	nftnl_set_set_u32(s, NFTNL_SET_DESC_SIZE, 65535);
	return push_set_msg(s, b, NFT_MSG_NEWSET, "set " LIMIT_SET, d);
}

/* The key bytes of e (lo or hi ends), fields padded to 4 bytes. */
static uint32_t elem_key(const struct nftb_set *s, const struct nftb_elem *e, bool hi,
			 enum ufw_family fam, uint8_t key[64])
{
	uint32_t off = 0;

	memset(key, 0, 64);
	for (unsigned f = 0; f < NFTB_F_COUNT; f++) {
		unsigned len = nftb_field_len(f, fam);

		if (!(s->fields & (1u << f)))
			continue;
		memcpy(key + off, hi ? e->f[f].hi : e->f[f].lo, len);
		off += (len + 3) / 4 * 4;
	}
	return off;
}

static int push_set(const struct nftb_table *t, size_t i, struct nl_batch *b,
		    struct diag *d)
{
	const struct nftb_set *ns = &t->sets[i];
	uint8_t lens[NFT_REG32_COUNT] = {0}, key[64];
	uint32_t type = 0, klen = 0, n = 0;
	struct nftnl_set *s = set_header(ns->name, (uint32_t)i + 2, nftb_nfproto(t->fam));
	char label[64];
	int ret;

	for (unsigned f = 0; f < NFTB_F_COUNT; f++) {
		if (!(ns->fields & (1u << f)))
			continue;
		type = type << 6 | field_typeid(f, t->fam);
		lens[n++] = (uint8_t)nftb_field_len(f, t->fam);
		klen += (nftb_field_len(f, t->fam) + 3) / 4 * 4;
	}
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, type);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, klen);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_INTERVAL | NFT_SET_CONCAT);
	nftnl_set_set_data(s, NFTNL_SET_DESC_CONCAT, lens, sizeof(lens));
	snprintf(label, sizeof(label), "set %s", ns->name);
	ret = push_set_msg(s, b, NFT_MSG_NEWSET, label, d);
	for (size_t j = 0; ret == 0 && j < ns->n; j += ELEMS_PER_MSG) {
		s = set_header(ns->name, (uint32_t)i + 2, nftb_nfproto(t->fam));
		for (size_t k = j; k < ns->n && k < j + ELEMS_PER_MSG; k++) {
			struct nftnl_set_elem *e = nftnl_set_elem_alloc();

			nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key,
					   elem_key(ns, &ns->v[k], false, t->fam, key));
			nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY_END, key,
					   elem_key(ns, &ns->v[k], true, t->fam, key));
			nftnl_set_elem_add(s, e);
		}
		snprintf(label, sizeof(label), "elements %zu.. of set %s", j + 1,
			 ns->name);
		ret = push_set_msg(s, b, NFT_MSG_NEWSETELEM, label, d);
	}
	return ret;
}

static int push_rule(const struct nftb_table *t, const struct nftb_rule *nr, unsigned nth,
		     struct nl_batch *b, struct diag *d)
{
	struct msg m = {NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND,
			nftb_nfproto(t->fam), ""};
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;

	snprintf(m.label, sizeof(m.label), "rule %u of chain %s", nth,
		 chain_names[nr->chain]);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NFTB_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain_names[nr->chain]);
	x_rule_body(r, t, nr);
	nlh = msg_start(b, &m);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	return msg_end(b, &m, d);
}

int nftb_push_delete(enum ufw_family fam, struct nl_batch *b, struct diag *d)
{
	int ret = push_table_msg(nftb_nfproto(fam), NFT_MSG_NEWTABLE, b, d);

	return ret ? ret : push_table_msg(nftb_nfproto(fam), NFT_MSG_DELTABLE, b, d);
}

int nftb_push(const struct nftb_table *t, struct nl_batch *b, bool replace,
	      struct diag *d)
{
	unsigned nth[NFTB_C_COUNT] = {0};
	int ret = replace ? nftb_push_delete(t->fam, b, d) : 0;

	if (!ret)
		ret = push_table_msg(nftb_nfproto(t->fam), NFT_MSG_NEWTABLE, b, d);
	for (unsigned c = 0; !ret && c < NFTB_C_COUNT; c++)
		ret = push_chain(t, c, b, d);
	if (!ret)
		ret = push_limit_set(t, b, d);
	for (size_t i = 0; !ret && i < t->n_sets; i++)
		ret = push_set(t, i, b, d);
	for (size_t i = 0; !ret && i < t->n_rules; i++)
		ret = push_rule(t, &t->rules[i], ++nth[t->rules[i].chain], b, d);
	return ret;
}
