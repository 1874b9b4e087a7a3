/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nft_view_expr: one dumped rule's expressions in the view's terms: a filter
 * rule's verdict and comment, a DNAT rule's matches and destination. */
#include "nft_view_expr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_tcpudp.h>

#include "util.h"

/* ---- rule walking ---- */

/* Calls fn for each expression of r in order; stops at the first nonzero. */
static int nv_each_expr(const struct nftnl_rule *r,
			int (*fn)(const struct nftnl_expr *e, void *arg), void *arg)
{
	struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
	struct nftnl_expr *e;
	int ret = 0;

	if (!it)
		return -ENOMEM;
	while (!ret && (e = nftnl_expr_iter_next(it)))
		ret = fn(e, arg);
	nftnl_expr_iter_destroy(it);
	return ret;
}

static const char *nv_expr_name(const struct nftnl_expr *e)
{
	const char *n = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

	return n ? n : "?";
}

static int nv_comment_cb(const struct nftnl_udata *a, void *data)
{
	char **out = data;
	const char *s = nftnl_udata_get(a);
	uint8_t len = nftnl_udata_len(a);

	if (nftnl_udata_type(a) == NFTNL_UDATA_RULE_COMMENT && len && !*out)
		*out = xstrndup(s, strnlen(s, len));
	return 0;
}

static char *nv_rule_comment(const struct nftnl_rule *r)
{
	uint32_t len = 0;
	const void *data;
	char *out = NULL;

	if (!nftnl_rule_is_set(r, NFTNL_RULE_USERDATA))
		return NULL;
	data = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &len);
	if (data)
		nftnl_udata_parse(data, len, nv_comment_cb, &out);
	return out;
}

/* ---- filter rules: verdict and conditions ---- */

static void nv_set_verdict(struct nft_view_rule *vr, const struct nftnl_expr *e)
{
	int32_t code = (int32_t)nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_VERDICT);
	const char *chain = nftnl_expr_get_str(e, NFTNL_EXPR_IMM_CHAIN);

	switch (code) {
	case NF_ACCEPT:
		vr->verdict = NFT_VIEW_ACCEPT;
		break;
	case NF_DROP:
		vr->verdict = NFT_VIEW_DROP;
		break;
	case NFT_RETURN:
		vr->verdict = NFT_VIEW_RETURN;
		break;
	case NFT_CONTINUE:
		vr->verdict = NFT_VIEW_CONTINUE;
		break;
	case NFT_JUMP:
	case NFT_GOTO:
		vr->verdict = code == NFT_JUMP ? NFT_VIEW_JUMP : NFT_VIEW_GOTO;
		free(vr->target);
		vr->target = xstrdup(chain ? chain : "?");
		break;
	default:
		vr->verdict = NFT_VIEW_OTHER;
	}
}

static void nv_xt_comment(struct nft_view_rule *vr, const struct nftnl_expr *e)
{
	uint32_t len = 0;
	const struct xt_comment_info *c = nftnl_expr_get(e, NFTNL_EXPR_MT_INFO, &len);

	if (!vr->comment && c && len >= sizeof(*c))
		vr->comment =
		    xstrndup(c->comment, strnlen(c->comment, sizeof(c->comment)));
}

static int nv_filter_expr(const struct nftnl_expr *e, void *arg)
{
	struct nft_view_rule *vr = arg;
	const char *name = nv_expr_name(e);

	if (streq(name, "counter"))
		return 0;
	if (streq(name, "immediate") &&
	    nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_DREG) == NFT_REG_VERDICT) {
		nv_set_verdict(vr, e);
		return 0;
	}
	if (streq(name, "target")) {
		vr->verdict = NFT_VIEW_XT_TARGET;
		free(vr->target);
		vr->target = xstrdup(nftnl_expr_get_str(e, NFTNL_EXPR_TG_NAME));
		return 0;
	}
	/* iptables-nft 1.8.9 keeps -m comment as a compat match (later
	 * releases use udata): a label, not a condition. */
	if (streq(name, "match") &&
	    streq(nftnl_expr_get_str(e, NFTNL_EXPR_MT_NAME), "comment")) {
		nv_xt_comment(vr, e);
		return 0;
	}
	vr->unconditional = false;
	return 0;
}

void nv_filter_rule(struct nft_view_rule *vr, const struct nftnl_rule *r)
{
	*vr = (struct nft_view_rule){.unconditional = true};
	vr->handle = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
	vr->comment = nv_rule_comment(r);
	nv_each_expr(r, nv_filter_expr, vr);
}

/* ---- DNAT rules ---- */

#define NFT_VIEW_NREGS 32

/* What a register was last loaded with. */
enum nv_src {
	SRC_NONE,
	SRC_IIF,
	SRC_L4PROTO,
	SRC_DPORT,
	SRC_DADDR,
	SRC_IMM,
	SRC_OTHER,
};

struct nv_reg {
	enum nv_src src;
	uint8_t data[16];
	uint32_t len;
};

struct nv_dnat_ctx {
	int family;
	bool is_dnat;
	struct nft_view_dnat n;
	struct nv_reg regs[NFT_VIEW_NREGS];
};

static void nv_undecodable(struct nv_dnat_ctx *x, const char *what, const char *name)
{
	if (!x->n.why)
		x->n.why = xasprintf("cannot decode %s '%s'", what, name);
}

static struct nv_reg *nv_reg(struct nv_dnat_ctx *x, const struct nftnl_expr *e,
			     uint16_t attr)
{
	uint32_t r = nftnl_expr_get_u32(e, attr);

	if (r >= NFT_VIEW_NREGS || r == NFT_REG_VERDICT)
		return NULL;
	return &x->regs[r];
}

static void nv_load_reg(struct nv_dnat_ctx *x, const struct nftnl_expr *e, uint16_t attr,
			enum nv_src src)
{
	struct nv_reg *r = nv_reg(x, e, attr);

	if (r)
		*r = (struct nv_reg){.src = src};
}

static enum nv_src nv_meta_src(uint32_t key)
{
	if (key == NFT_META_IIFNAME)
		return SRC_IIF;
	if (key == NFT_META_L4PROTO)
		return SRC_L4PROTO;
	return SRC_OTHER;
}

static enum nv_src nv_payload_src(const struct nv_dnat_ctx *x, const struct nftnl_expr *e)
{
	uint32_t base = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_BASE);
	uint32_t off = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET);
	uint32_t len = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_LEN);
	bool v4 = x->family == NFPROTO_IPV4;

	if (base == NFT_PAYLOAD_TRANSPORT_HEADER && off == 2 && len == 2)
		return SRC_DPORT;
	if (base != NFT_PAYLOAD_NETWORK_HEADER)
		return SRC_OTHER;
	if (v4 && off == 16 && len == 4)
		return SRC_DADDR;
	if (!v4 && off == 24 && len == 16)
		return SRC_DADDR;
	if (v4 && off == 9 && len == 1)
		return SRC_L4PROTO;
	return SRC_OTHER;
}

static void nv_imm(struct nv_dnat_ctx *x, const struct nftnl_expr *e)
{
	struct nv_reg *r = nv_reg(x, e, NFTNL_EXPR_IMM_DREG);
	uint32_t len = 0;
	const void *data = nftnl_expr_get(e, NFTNL_EXPR_IMM_DATA, &len);

	if (!r)
		return; /* a verdict: not part of what a DNAT does */
	*r = (struct nv_reg){.src = SRC_IMM};
	if (data && len <= sizeof(r->data)) {
		memcpy(r->data, data, len);
		r->len = len;
	}
}

static uint16_t nv_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* cmp eq/neq on a register whose origin we know. */
static void nv_cmp(struct nv_dnat_ctx *x, const struct nftnl_expr *e)
{
	const struct nv_reg *r = nv_reg(x, e, NFTNL_EXPR_CMP_SREG);
	uint32_t op = nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_OP), len = 0;
	const uint8_t *data = nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, &len);
	struct nft_view_dnat *n = &x->n;

	if (r && data && len == 2 && r->src == SRC_DPORT &&
	    (op == NFT_CMP_GTE || op == NFT_CMP_LTE)) {
		/* nft writes "dport A-B" as two comparisons */
		*(op == NFT_CMP_GTE ? &n->dport_min : &n->dport_max) = nv_be16(data);
		return;
	}
	if (!r || !data ||
	    (op != NFT_CMP_EQ && (op != NFT_CMP_NEQ || r->src != SRC_IIF))) {
		nv_undecodable(x, "expression", "cmp");
		return;
	}
	if (r->src == SRC_IIF) {
		memcpy(n->iifname, data,
		       len < sizeof(n->iifname) ? len : sizeof(n->iifname) - 1);
		n->iif_neg = op == NFT_CMP_NEQ;
	} else if (r->src == SRC_L4PROTO && len == 1) {
		n->l4proto = data[0];
	} else if (r->src == SRC_DPORT && len == 2) {
		n->dport_min = n->dport_max = nv_be16(data);
	} else if (r->src == SRC_DADDR && len <= sizeof(n->daddr)) {
		memcpy(&n->daddr, data, len);
		n->has_daddr = true;
	} else {
		nv_undecodable(x, "expression", "cmp");
	}
}

static void nv_range(struct nv_dnat_ctx *x, const struct nftnl_expr *e)
{
	const struct nv_reg *r = nv_reg(x, e, NFTNL_EXPR_RANGE_SREG);
	uint32_t lo_len = 0, hi_len = 0;
	const uint8_t *lo = nftnl_expr_get(e, NFTNL_EXPR_RANGE_FROM_DATA, &lo_len);
	const uint8_t *hi = nftnl_expr_get(e, NFTNL_EXPR_RANGE_TO_DATA, &hi_len);

	if (!r || r->src != SRC_DPORT || !lo || !hi || lo_len != 2 || hi_len != 2 ||
	    nftnl_expr_get_u32(e, NFTNL_EXPR_RANGE_OP) != NFT_RANGE_EQ) {
		nv_undecodable(x, "expression", "range");
		return;
	}
	x->n.dport_min = nv_be16(lo);
	x->n.dport_max = nv_be16(hi);
}

/* Native "dnat to ADDR:PORT": the nat expression names registers that
 * immediates loaded earlier. */
static void nv_nat(struct nv_dnat_ctx *x, const struct nftnl_expr *e)
{
	const struct nv_reg *a = NULL, *p = NULL, *pmax = NULL;

	if (nftnl_expr_get_u32(e, NFTNL_EXPR_NAT_TYPE) != NFT_NAT_DNAT)
		return;
	x->is_dnat = true;
	if (nftnl_expr_is_set(e, NFTNL_EXPR_NAT_REG_ADDR_MIN))
		a = nv_reg(x, e, NFTNL_EXPR_NAT_REG_ADDR_MIN);
	if (nftnl_expr_is_set(e, NFTNL_EXPR_NAT_REG_PROTO_MIN))
		p = nv_reg(x, e, NFTNL_EXPR_NAT_REG_PROTO_MIN);
	if (nftnl_expr_is_set(e, NFTNL_EXPR_NAT_REG_PROTO_MAX))
		pmax = nv_reg(x, e, NFTNL_EXPR_NAT_REG_PROTO_MAX);
	if ((a && (a->src != SRC_IMM || !a->len)) ||
	    (p && (p->src != SRC_IMM || p->len != 2)) ||
	    (pmax && (pmax->src != SRC_IMM || pmax->len != 2))) {
		nv_undecodable(x, "nat address/port from", "a non-constant register");
		return;
	}
	if (a) {
		memcpy(&x->n.to_addr, a->data, a->len);
		x->n.has_to_addr = true;
	}
	if (p)
		x->n.to_port_min = x->n.to_port_max = nv_be16(p->data);
	if (pmax)
		x->n.to_port_max = nv_be16(pmax->data);
}

static void nv_set_to(struct nv_dnat_ctx *x, unsigned int flags, const void *addr,
		      size_t alen, uint16_t pmin_be, uint16_t pmax_be)
{
	if (flags & NF_NAT_RANGE_MAP_IPS) {
		memcpy(&x->n.to_addr, addr, alen);
		x->n.has_to_addr = true;
	}
	if (flags & NF_NAT_RANGE_PROTO_SPECIFIED) {
		x->n.to_port_min = ntohs(pmin_be);
		x->n.to_port_max = ntohs(pmax_be);
	}
}

/* iptables-nft writes "-j DNAT" as the xt compat target; its info blob is the
 * kernel's nat range struct of that revision. */
static void nv_xt_dnat(struct nv_dnat_ctx *x, const struct nftnl_expr *e)
{
	uint32_t rev = nftnl_expr_get_u32(e, NFTNL_EXPR_TG_REV), len = 0;
	const void *info = nftnl_expr_get(e, NFTNL_EXPR_TG_INFO, &len);
	size_t alen = x->family == NFPROTO_IPV4 ? 4 : 16;

	x->is_dnat = true;
	x->n.xt_name = xstrdup("DNAT");
	if (rev == 2 && info && len >= sizeof(struct nf_nat_range2)) {
		const struct nf_nat_range2 *r = info;

		nv_set_to(x, r->flags, &r->min_addr, alen, r->min_proto.all,
			  r->max_proto.all);
	} else if (rev == 1 && info && len >= sizeof(struct nf_nat_range)) {
		const struct nf_nat_range *r = info;

		nv_set_to(x, r->flags, &r->min_addr, alen, r->min_proto.all,
			  r->max_proto.all);
	} else if (rev == 0 && x->family == NFPROTO_IPV4 && info &&
		   len >= sizeof(struct nf_nat_ipv4_multi_range_compat)) {
		const struct nf_nat_ipv4_range *r =
		    ((const struct nf_nat_ipv4_multi_range_compat *)info)->range;

		nv_set_to(x, r->flags, &r->min_ip, 4, r->min.all, r->max.all);
	} else {
		char *what = xasprintf("DNAT rev %u", rev);

		nv_undecodable(x, "xt target", what);
		free(what);
	}
}

/* Old iptables-nft releases kept "-m tcp --dport" as a compat match. */
static void nv_xt_match(struct nv_dnat_ctx *x, const struct nftnl_expr *e)
{
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_MT_NAME);
	uint32_t len = 0;
	const void *info = nftnl_expr_get(e, NFTNL_EXPR_MT_INFO, &len);

	if (streq(name, "comment"))
		return;
	if (streq(name, "tcp") && info && len >= sizeof(struct xt_tcp)) {
		const struct xt_tcp *t = info;

		if (!t->invflags && !t->flg_mask) {
			x->n.dport_min = t->dpts[0];
			x->n.dport_max = t->dpts[1];
			return;
		}
	} else if (streq(name, "udp") && info && len >= sizeof(struct xt_udp)) {
		const struct xt_udp *u = info;

		if (!u->invflags) {
			x->n.dport_min = u->dpts[0];
			x->n.dport_max = u->dpts[1];
			return;
		}
	}
	nv_undecodable(x, "xt match", name);
}

static int nv_dnat_expr(const struct nftnl_expr *e, void *arg)
{
	struct nv_dnat_ctx *x = arg;
	const char *name = nv_expr_name(e);

	if (streq(name, "counter"))
		return 0;
	if (streq(name, "meta") && nftnl_expr_is_set(e, NFTNL_EXPR_META_DREG))
		nv_load_reg(x, e, NFTNL_EXPR_META_DREG,
			    nv_meta_src(nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY)));
	else if (streq(name, "payload") && nftnl_expr_is_set(e, NFTNL_EXPR_PAYLOAD_DREG))
		nv_load_reg(x, e, NFTNL_EXPR_PAYLOAD_DREG, nv_payload_src(x, e));
	else if (streq(name, "immediate"))
		nv_imm(x, e);
	else if (streq(name, "cmp"))
		nv_cmp(x, e);
	else if (streq(name, "range"))
		nv_range(x, e);
	else if (streq(name, "nat"))
		nv_nat(x, e);
	else if (streq(name, "target") &&
		 streq(nftnl_expr_get_str(e, NFTNL_EXPR_TG_NAME), "DNAT"))
		nv_xt_dnat(x, e);
	else if (streq(name, "target"))
		return 1; /* MASQUERADE and the like: not a DNAT rule */
	else if (streq(name, "match"))
		nv_xt_match(x, e);
	else
		nv_undecodable(x, "expression", name);
	return 0;
}

static void nv_add_dnat(struct nft_view *v, const struct nftnl_rule *r,
			struct nv_dnat_ctx *x)
{
	struct nft_view_dnat *n;

	v->dnats = xrealloc(v->dnats, (v->n_dnats + 1) * sizeof(*v->dnats));
	n = &v->dnats[v->n_dnats++];
	*n = x->n;
	n->table = xstrdup(nftnl_rule_get_str(r, NFTNL_RULE_TABLE));
	n->chain = xstrdup(nftnl_rule_get_str(r, NFTNL_RULE_CHAIN));
	n->handle = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
	n->decoded = !n->why;
}

void nv_dnat_free(struct nft_view_dnat *n)
{
	free(n->table);
	free(n->chain);
	free(n->why);
	free(n->xt_name);
}

void nv_dnat_rule(struct nft_view *v, const struct nftnl_rule *r)
{
	struct nv_dnat_ctx x = {.family = v->family};

	if (nv_each_expr(r, nv_dnat_expr, &x) == 0 && x.is_dnat)
		nv_add_dnat(v, r, &x);
	else
		nv_dnat_free(&x.n);
}
