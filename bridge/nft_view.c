/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nft_view: dumps tables, chains and rules through nl.c and decodes the
 * expression shapes iptables-nft and Docker write; read-only, never guesses. */
#include "nft_view.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/xt_tcpudp.h>

#include "nl.h"
#include "util.h"

/* Whole loads redone when the ruleset changed between our dumps. */
#define NFT_VIEW_RETRIES 5
#define NFT_VIEW_NREGS	 32

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

/* State shared by the dump callbacks of one load. */
struct nv_load {
	struct nft_view *v;
	const char *table; /* the table a dump asked for */
	bool have_gen;
	int err_gen; /* -EINTR once a reply came from another generation */
};

/* ---- small helpers ---- */

static const char *const verdict_names[] = {
    [NFT_VIEW_NONE] = "none",	      [NFT_VIEW_ACCEPT] = "accept",
    [NFT_VIEW_DROP] = "drop",	      [NFT_VIEW_RETURN] = "return",
    [NFT_VIEW_JUMP] = "jump",	      [NFT_VIEW_GOTO] = "goto",
    [NFT_VIEW_CONTINUE] = "continue", [NFT_VIEW_XT_TARGET] = "xt-target",
    [NFT_VIEW_OTHER] = "other",
};

const char *nft_view_verdict_name(enum nft_view_verdict vd)
{
	if ((size_t)vd >= ARRAY_SIZE(verdict_names))
		return "?";
	return verdict_names[vd];
}

const char *nft_view_kind(const struct nft_view *v)
{
	if (v->has_filter && v->has_docker_bridges)
		return "iptables-nft + nftables (Docker backend)";
	if (v->has_filter)
		return "iptables-nft";
	if (v->has_docker_bridges)
		return "nftables (Docker backend)";
	return "not nf_tables";
}

const struct nft_view_chain *nft_view_chain(const struct nft_view *v, const char *name)
{
	for (size_t i = 0; i < v->n_chains; i++)
		if (streq(v->chains[i].name, name))
			return &v->chains[i];
	return NULL;
}

const char *nft_view_forward_first_jump(const struct nft_view *v)
{
	const struct nft_view_chain *c = nft_view_chain(v, "FORWARD");
	const struct nft_view_rule *r;

	if (!c || !c->n_rules)
		return NULL;
	r = &c->rules[0];
	if (!r->unconditional ||
	    (r->verdict != NFT_VIEW_JUMP && r->verdict != NFT_VIEW_GOTO))
		return NULL;
	return r->target;
}

static void nv_chain_free(struct nft_view_chain *c)
{
	for (size_t i = 0; i < c->n_rules; i++) {
		free(c->rules[i].target);
		free(c->rules[i].comment);
	}
	free(c->rules);
	free(c->name);
}

static void nv_dnat_free(struct nft_view_dnat *n)
{
	free(n->table);
	free(n->chain);
	free(n->why);
	free(n->xt_name);
}

void nft_view_free(struct nft_view *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n_chains; i++)
		nv_chain_free(&v->chains[i]);
	for (size_t i = 0; i < v->n_dnats; i++)
		nv_dnat_free(&v->dnats[i]);
	free(v->chains);
	free(v->dnats);
	*v = (struct nft_view){.family = v->family};
}

/* Replies carry the low 16 bits of the ruleset generation they were read at;
 * one load must see a single generation, else it is redone. */
static int nv_check_gen(struct nv_load *l, const struct nlmsghdr *nlh)
{
	const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);
	uint16_t gen = ntohs(g->res_id);

	if (!l->have_gen) {
		l->have_gen = true;
		l->v->genid = gen;
	} else if (l->v->genid != gen) {
		l->err_gen = -EINTR;
	}
	return 0;
}

/* The libnftnl object a dump's replies carry. */
enum nv_kind { NV_TABLE, NV_CHAIN, NV_RULE };

static void *nv_obj_alloc(enum nv_kind k)
{
	switch (k) {
	case NV_TABLE:
		return nftnl_table_alloc();
	case NV_CHAIN:
		return nftnl_chain_alloc();
	default:
		return nftnl_rule_alloc();
	}
}

static int nv_obj_parse(enum nv_kind k, const struct nlmsghdr *nlh, void *o)
{
	switch (k) {
	case NV_TABLE:
		return nftnl_table_nlmsg_parse(nlh, o);
	case NV_CHAIN:
		return nftnl_chain_nlmsg_parse(nlh, o);
	default:
		return nftnl_rule_nlmsg_parse(nlh, o);
	}
}

static void nv_obj_free(enum nv_kind k, void *o)
{
	switch (k) {
	case NV_TABLE:
		nftnl_table_free(o);
		break;
	case NV_CHAIN:
		nftnl_chain_free(o);
		break;
	default:
		nftnl_rule_free(o);
	}
}

/* The table o belongs to (a table: its own name), or NULL. */
static const char *nv_obj_table(enum nv_kind k, const void *o)
{
	switch (k) {
	case NV_TABLE:
		return nftnl_table_get_str(o, NFTNL_TABLE_NAME);
	case NV_CHAIN:
		return nftnl_chain_get_str(o, NFTNL_CHAIN_TABLE);
	default:
		return nftnl_rule_get_str(o, NFTNL_RULE_TABLE);
	}
}

/* One dump reply: checks its generation, parses it into an object of kind k
 * and hands it to use when it is of table l->table (any table when NULL).
 * Returns 0, -ENOMEM or -EBADMSG. */
static int nv_reply(struct nv_load *l, const struct nlmsghdr *nlh, enum nv_kind k,
		    void (*use)(struct nv_load *l, const void *o))
{
	void *o = nv_obj_alloc(k);
	const char *table;
	int err = 0;

	if (!o)
		return -ENOMEM;
	nv_check_gen(l, nlh);
	if (nv_obj_parse(k, nlh, o) < 0) {
		err = -EBADMSG;
	} else {
		table = nv_obj_table(k, o);
		if (!l->table || (table && streq(table, l->table)))
			use(l, o);
	}
	nv_obj_free(k, o);
	return err;
}

/* ---- tables ---- */

static void nv_table_use(struct nv_load *l, const void *t)
{
	const char *name = nftnl_table_get_str(t, NFTNL_TABLE_NAME);

	if (name && streq(name, "filter"))
		l->v->has_filter = true;
	else if (name && streq(name, "nat"))
		l->v->has_nat = true;
	else if (name && streq(name, "docker-bridges"))
		l->v->has_docker_bridges = true;
}

static int nv_table_cb(const struct nlmsghdr *nlh, void *arg)
{
	return nv_reply(arg, nlh, NV_TABLE, nv_table_use);
}

static int nv_reset_tables(void *arg)
{
	struct nv_load *l = arg;

	l->v->has_filter = l->v->has_nat = l->v->has_docker_bridges = false;
	return 0;
}

static int nv_dump_tables(struct nl_sock *s, struct nv_load *l, struct diag *d)
{
	static const struct nl_dump_ops ops = {nv_reset_tables, nv_table_cb};
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	/* libmnl leaves attribute padding unset: no stack bytes to the kernel */
	memset(buf, 0, sizeof(buf));
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, (uint16_t)l->v->family, 0, 0);
	return nl_dump(s, nlh, &ops, l, "nf_tables tables", d);
}

/* ---- chains of table filter ---- */

static void nv_chain_from(struct nft_view_chain *c, const struct nftnl_chain *nc)
{
	*c = (struct nft_view_chain){0};
	c->name = xstrdup(nftnl_chain_get_str(nc, NFTNL_CHAIN_NAME));
	c->handle = nftnl_chain_get_u64(nc, NFTNL_CHAIN_HANDLE);
	c->base = nftnl_chain_is_set(nc, NFTNL_CHAIN_HOOKNUM);
	if (!c->base)
		return;
	c->hooknum = nftnl_chain_get_u32(nc, NFTNL_CHAIN_HOOKNUM);
	c->prio = (int32_t)nftnl_chain_get_u32(nc, NFTNL_CHAIN_PRIO);
	c->policy = nftnl_chain_is_set(nc, NFTNL_CHAIN_POLICY)
			? nftnl_chain_get_u32(nc, NFTNL_CHAIN_POLICY)
			: NF_ACCEPT;
}

static void nv_chain_use(struct nv_load *l, const void *nc)
{
	struct nft_view *v = l->v;

	if (nftnl_chain_is_set(nc, NFTNL_CHAIN_NAME)) {
		v->chains = xrealloc(v->chains, (v->n_chains + 1) * sizeof(*v->chains));
		nv_chain_from(&v->chains[v->n_chains++], nc);
	}
}

static int nv_chain_cb(const struct nlmsghdr *nlh, void *arg)
{
	return nv_reply(arg, nlh, NV_CHAIN, nv_chain_use);
}

static int nv_reset_chains(void *arg)
{
	struct nv_load *l = arg;

	for (size_t i = 0; i < l->v->n_chains; i++)
		nv_chain_free(&l->v->chains[i]);
	l->v->n_chains = 0;
	return 0;
}

static int nv_dump_chains(struct nl_sock *s, struct nv_load *l, struct diag *d)
{
	static const struct nl_dump_ops ops = {nv_reset_chains, nv_chain_cb};
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nftnl_chain *nc = nftnl_chain_alloc();
	struct nlmsghdr *nlh;
	int err;

	/* libmnl leaves attribute padding unset: no stack bytes to the kernel */
	memset(buf, 0, sizeof(buf));
	if (!nc)
		return -ENOMEM;
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETCHAIN, (uint16_t)l->v->family, 0, 0);
	nftnl_chain_set_str(nc, NFTNL_CHAIN_TABLE, l->table);
	nftnl_chain_nlmsg_build_payload(nlh, nc);
	nftnl_chain_free(nc);
	err = nl_dump(s, nlh, &ops, l, "chains of table filter", d);
	return err == -ENOENT ? 0 : err;
}

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

static void nv_rule_use(struct nv_load *l, const void *r)
{
	const char *chain = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);
	struct nft_view_chain *c = NULL;
	struct nft_view_rule *vr;

	for (size_t i = 0; chain && i < l->v->n_chains; i++)
		if (streq(l->v->chains[i].name, chain))
			c = &l->v->chains[i];
	if (!c)
		return;
	c->rules = xrealloc(c->rules, (c->n_rules + 1) * sizeof(*c->rules));
	vr = &c->rules[c->n_rules++];
	*vr = (struct nft_view_rule){.unconditional = true};
	vr->handle = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
	vr->comment = nv_rule_comment(r);
	nv_each_expr(r, nv_filter_expr, vr);
}

/* The dump of one chain's rules restarts: drop that chain's rules. */
struct nv_chain_dump {
	struct nv_load *l;
	struct nft_view_chain *c;
};

static int nv_reset_rules(void *arg)
{
	struct nv_chain_dump *cd = arg;
	struct nft_view_chain *c = cd->c;

	for (size_t i = 0; i < c->n_rules; i++) {
		free(c->rules[i].target);
		free(c->rules[i].comment);
	}
	c->n_rules = 0;
	return 0;
}

static int nv_chain_rule_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct nv_chain_dump *cd = arg;

	return nv_reply(cd->l, nlh, NV_RULE, nv_rule_use);
}

/* A GETRULE dump request for table (and chain, when not NULL). */
static struct nlmsghdr *nv_rule_req(char *buf, int family, const char *table,
				    const char *chain)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;

	if (!r)
		abort();
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, (uint16_t)family, 0, 0);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	if (chain)
		nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	return nlh;
}

static int nv_dump_chain_rules(struct nl_sock *s, struct nv_load *l,
			       struct nft_view_chain *c, struct diag *d)
{
	static const struct nl_dump_ops ops = {nv_reset_rules, nv_chain_rule_cb};
	struct nv_chain_dump cd = {l, c};
	char buf[MNL_SOCKET_BUFFER_SIZE];
	char *what = xasprintf("rules of chain %s", c->name);
	int err;

	/* libmnl leaves attribute padding unset: no stack bytes to the kernel */
	memset(buf, 0, sizeof(buf));
	nv_reset_rules(&cd);
	err = nl_dump(s, nv_rule_req(buf, l->v->family, l->table, c->name), &ops, &cd,
		      what, d);
	free(what);
	c->rules_loaded = err == 0;
	return err == -ENOENT ? 0 : err;
}

/* ---- DNAT rules ---- */

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

static void nv_nat_rule_use(struct nv_load *l, const void *r)
{
	struct nv_dnat_ctx x = {.family = l->v->family};

	if (nv_each_expr(r, nv_dnat_expr, &x) == 0 && x.is_dnat)
		nv_add_dnat(l->v, r, &x);
	else
		nv_dnat_free(&x.n);
}

static int nv_nat_rule_cb(const struct nlmsghdr *nlh, void *arg)
{
	return nv_reply(arg, nlh, NV_RULE, nv_nat_rule_use);
}

static int nv_reset_dnats(void *arg)
{
	struct nv_load *l = arg;
	struct nft_view *v = l->v;
	size_t keep = 0;

	/* Only this table's DNATs are being re-read. */
	for (size_t i = 0; i < v->n_dnats; i++) {
		if (streq(v->dnats[i].table, l->table))
			nv_dnat_free(&v->dnats[i]);
		else
			v->dnats[keep++] = v->dnats[i];
	}
	v->n_dnats = keep;
	return 0;
}

static int nv_dump_dnats(struct nl_sock *s, struct nv_load *l, struct diag *d)
{
	static const struct nl_dump_ops ops = {nv_reset_dnats, nv_nat_rule_cb};
	char buf[MNL_SOCKET_BUFFER_SIZE];
	char *what = xasprintf("rules of table %s", l->table);
	int err;

	/* libmnl leaves attribute padding unset: no stack bytes to the kernel */
	memset(buf, 0, sizeof(buf));
	err =
	    nl_dump(s, nv_rule_req(buf, l->v->family, l->table, NULL), &ops, l, what, d);
	free(what);
	return err == -ENOENT ? 0 : err;
}

/* ---- the load ---- */

static int nv_load_once(struct nl_sock *s, struct nft_view *v, struct diag *d)
{
	static const char *const rule_chains[] = {"FORWARD", "DOCKER-USER"};
	struct nv_load l = {.v = v};
	int err;

	if ((err = nv_dump_tables(s, &l, d)))
		return err;
	l.table = "filter";
	if (v->has_filter && (err = nv_dump_chains(s, &l, d)))
		return err;
	for (size_t i = 0; i < v->n_chains && !err; i++)
		for (size_t k = 0; k < ARRAY_SIZE(rule_chains); k++)
			if (streq(v->chains[i].name, rule_chains[k]))
				err = nv_dump_chain_rules(s, &l, &v->chains[i], d);
	l.table = "nat";
	if (!err && v->has_nat)
		err = nv_dump_dnats(s, &l, d);
	l.table = "docker-bridges";
	if (!err && v->has_docker_bridges)
		err = nv_dump_dnats(s, &l, d);
	return err ? err : l.err_gen;
}

int nft_view_load(struct nft_view *v, int family, struct diag *d)
{
	struct nl_sock *s = NULL;
	int err, tries = 0;

	*v = (struct nft_view){.family = family};
	if (family != NFPROTO_IPV4 && family != NFPROTO_IPV6) {
		diag_err(d, NULL, 0, "nf_tables view: unsupported family %d", family);
		return -EAFNOSUPPORT;
	}
	if ((err = nl_open(&s, d)))
		return err;
	/* Each dump is consistent on its own; across dumps, the generation
	 * tells whether someone changed the ruleset in between. */
	while ((err = nv_load_once(s, v, d)) == -EINTR && ++tries < NFT_VIEW_RETRIES)
		nft_view_free(v);
	if (err == -EINTR)
		diag_err(d, NULL, 0,
			 "nf_tables view: the ruleset kept changing while read");
	nl_close(s);
	return err;
}
