/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nft_build: ufw's rules of one family to our nf_tables table (the semantics
 * of xlate.c; nft_group.c packs ports and addresses into sets); pure, no I/O. */
#include "nft_build.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_conntrack_common.h>

#include "nft_group.h"

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

struct builder {
	struct nftb_table *t;
	const struct ufw_state *st;
	const struct ufwd_config *cfg;
	const char *prefix;
	struct diag *d;
	struct nftb_grouping *gr; /* of the chain being built */
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

const char *nftb_proto_name(uint8_t num)
{
	for (size_t i = 0; i < ARRAY_SIZE(protos); i++)
		if (protos[i].num == num)
			return protos[i].name;
	return NULL;
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

/* --- elements and rules --- */

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

static struct nftb_rule *group_rule(struct builder *b, const struct nftb_shape *sh,
				    size_t set)
{
	struct nftb_rule *r = rule_add(b->t, sh->chain);

	memcpy(r->iif, sh->iif, sizeof(r->iif));
	memcpy(r->oif, sh->oif, sizeof(r->oif));
	r->set = (int)set;
	return r;
}

static void group_verdict(struct builder *b, const struct nftb_shape *sh, size_t set)
{
	struct nftb_rule *r;

	if (sh->action == UFW_LIMIT) {
		r = group_rule(b, sh, set);
		r->ct_state = NF_CT_STATE_BIT(IP_CT_NEW);
		r->limit_over = true;
		r->verdict = NFTB_V_JUMP;
		r->target = NFTB_C_LIMIT;
	}
	if (sh->action == UFW_REJECT && sh->reset) {
		r = group_rule(b, sh, set);
		r->verdict = NFTB_V_REJECT_TCP;
	}
	r = group_rule(b, sh, set);
	r->verdict = actions[sh->action].verdict;
	r->target = NFTB_C_ALLOW;
	if (r->verdict == NFTB_V_JUMP && sh->chain == NFTB_C_FORWARD)
		r->verdict = NFTB_V_ACCEPT; /* route allow: as the iptables RETURN */
}

/* The rules of one group: its key fields, then log and verdict. */
static void group_emit(void *arg, const struct nftb_shape *sh, size_t set)
{
	struct builder *b = arg;
	struct nftb_set *s = &b->t->sets[set];
	struct nftb_rule *r;

	s->fields = mandatory_fields(sh->chain);
	for (size_t i = 0; i < s->n; i++)
		for (unsigned f = 0; f < NFTB_F_COUNT; f++)
			if (!field_wild(&s->v[i], f, nftb_field_len(f, b->t->fam)))
				s->fields |= 1u << f;
	if (sh->log != UFW_LOG_NONE && b->st->loglevel != UFW_LOGLEVEL_OFF) {
		r = group_rule(b, sh, set);
		if (sh->log == UFW_LOG_NEW)
			r->ct_state = NF_CT_STATE_BIT(IP_CT_NEW);
		r->log_rate = 3;
		r->log_burst = 10;
		log_words(b, r, actions[sh->action].word);
	}
	group_verdict(b, sh, set);
}

/* Emits the chain's groups in order and frees the grouping. */
static void groups_finish(struct builder *b)
{
	nftb_grouping_end(b->gr, group_emit, b);
	b->gr = NULL;
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
			   const struct nftb_shape *sh)
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
			nftb_grouping_add(b->gr, sh, &e);
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
	struct nftb_shape sh = {.chain = c, .action = r->action, .log = r->logtype};

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
	b.gr = nftb_grouping_new(t);
	for (size_t i = 0; i < rs->n; i++)
		if (rs->v[i].family == fam && rs->v[i].forward)
			add_rule(&b, &rs->v[i], NFTB_C_FORWARD);
	groups_finish(&b);
	emit_forward_tail(&b);
	b.gr = nftb_grouping_new(t);
	for (size_t i = 0; i < rs->n; i++)
		if (rs->v[i].family == fam && !rs->v[i].forward &&
		    rs->v[i].direction == UFW_DIR_IN)
			add_rule(&b, &rs->v[i], NFTB_C_INPUT);
	groups_finish(&b);
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
