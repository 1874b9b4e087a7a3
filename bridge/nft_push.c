/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nft_push: our nf_tables table (nft_build's model) as libnftnl objects and
 * as the batch messages that replace or delete it. */
#include "nft_build.h"

#include <stdio.h>
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

#define LIMIT_SET NFTB_LIMIT_SET
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
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, nftb_chain_name(nr->target));
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

struct nftnl_chain *nftb_chain_obj(const struct nftb_table *t, enum nftb_chain c)
{
	struct nftnl_chain *ch = nftnl_chain_alloc();

	nftnl_chain_set_str(ch, NFTNL_CHAIN_TABLE, NFTB_TABLE);
	nftnl_chain_set_str(ch, NFTNL_CHAIN_NAME, nftb_chain_name(c));
	nftnl_chain_set_u32(ch, NFTNL_CHAIN_FAMILY, (uint32_t)nftb_nfproto(t->fam));
	if (c == NFTB_C_FORWARD) {
		nftnl_chain_set_u32(ch, NFTNL_CHAIN_HOOKNUM, NF_INET_FORWARD);
		nftnl_chain_set_s32(ch, NFTNL_CHAIN_PRIO, NFTB_PRIORITY);
		nftnl_chain_set_str(ch, NFTNL_CHAIN_TYPE, "filter");
		nftnl_chain_set_u32(ch, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	}
	return ch;
}

static int push_chain(const struct nftb_table *t, enum nftb_chain c, struct nl_batch *b,
		      struct diag *d)
{
	struct msg m = {NFT_MSG_NEWCHAIN, NLM_F_CREATE, nftb_nfproto(t->fam), ""};
	struct nftnl_chain *ch = nftb_chain_obj(t, c);
	struct nlmsghdr *nlh;

	snprintf(m.label, sizeof(m.label), "chain %s", nftb_chain_name(c));
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

static struct nftnl_set *limit_set(const struct nftb_table *t)
{
	struct nftnl_set *s = set_header(LIMIT_SET, LIMIT_SET_ID, nftb_nfproto(t->fam));

	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, field_typeid(NFTB_F_SADDR, t->fam));
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, nftb_field_len(NFTB_F_SADDR, t->fam));
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_EVAL | NFT_SET_TIMEOUT);
	nftnl_set_set_u64(s, NFTNL_SET_TIMEOUT, 30000);
	nftnl_set_set_u32(s, NFTNL_SET_DESC_SIZE, 65535);
	return s;
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

/* Set i of t, declared (key type and length, flags, concatenation). */
static struct nftnl_set *set_decl(const struct nftb_table *t, size_t i)
{
	const struct nftb_set *ns = &t->sets[i];
	uint8_t lens[NFT_REG32_COUNT] = {0};
	uint32_t type = 0, klen = 0, n = 0;
	struct nftnl_set *s = set_header(ns->name, (uint32_t)i + 2, nftb_nfproto(t->fam));

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
	return s;
}

/* Adds elements [from, to) of set i of t to s. */
static void set_elems(const struct nftb_table *t, size_t i, size_t from, size_t to,
		      struct nftnl_set *s)
{
	const struct nftb_set *ns = &t->sets[i];
	uint8_t key[64];

	for (size_t k = from; k < ns->n && k < to; k++) {
		struct nftnl_set_elem *e = nftnl_set_elem_alloc();

		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key,
				   elem_key(ns, &ns->v[k], false, t->fam, key));
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY_END, key,
				   elem_key(ns, &ns->v[k], true, t->fam, key));
		nftnl_set_elem_add(s, e);
	}
}

struct nftnl_set *nftb_set_obj(const struct nftb_table *t, size_t i)
{
	struct nftnl_set *s;

	if (i == t->n_sets)
		return limit_set(t);
	s = set_decl(t, i);
	set_elems(t, i, 0, t->sets[i].n, s);
	return s;
}

static int push_set(const struct nftb_table *t, size_t i, struct nl_batch *b,
		    struct diag *d)
{
	const struct nftb_set *ns = &t->sets[i];
	char label[64];
	int ret;

	snprintf(label, sizeof(label), "set %s", ns->name);
	ret = push_set_msg(set_decl(t, i), b, NFT_MSG_NEWSET, label, d);
	for (size_t j = 0; ret == 0 && j < ns->n; j += ELEMS_PER_MSG) {
		struct nftnl_set *s =
		    set_header(ns->name, (uint32_t)i + 2, nftb_nfproto(t->fam));

		set_elems(t, i, j, j + ELEMS_PER_MSG, s);
		snprintf(label, sizeof(label), "elements %zu.. of set %s", j + 1,
			 ns->name);
		ret = push_set_msg(s, b, NFT_MSG_NEWSETELEM, label, d);
	}
	return ret;
}

struct nftnl_rule *nftb_rule_obj(const struct nftb_table *t, size_t i)
{
	const struct nftb_rule *nr = &t->rules[i];
	struct nftnl_rule *r = nftnl_rule_alloc();

	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NFTB_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, nftb_chain_name(nr->chain));
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, (uint32_t)nftb_nfproto(t->fam));
	x_rule_body(r, t, nr);
	return r;
}

static int push_rule(const struct nftb_table *t, size_t i, unsigned nth,
		     struct nl_batch *b, struct diag *d)
{
	struct msg m = {NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND,
			nftb_nfproto(t->fam), ""};
	struct nftnl_rule *r = nftb_rule_obj(t, i);
	struct nlmsghdr *nlh;

	snprintf(m.label, sizeof(m.label), "rule %u of chain %s", nth,
		 nftb_chain_name(t->rules[i].chain));
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
		ret = push_set_msg(limit_set(t), b, NFT_MSG_NEWSET, "set " LIMIT_SET, d);
	for (size_t i = 0; !ret && i < t->n_sets; i++)
		ret = push_set(t, i, b, d);
	for (size_t i = 0; !ret && i < t->n_rules; i++)
		ret = push_rule(t, i, ++nth[t->rules[i].chain], b, d);
	return ret;
}
