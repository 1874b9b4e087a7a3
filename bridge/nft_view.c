/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nft_view: dumps tables, chains and rules through nl.c, one generation per
 * load; nft_view_expr.c reads each rule's expressions. Read-only. */
#include "nft_view.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "nft_view_expr.h"
#include "nl.h"
#include "util.h"

/* Whole loads redone when the ruleset changed between our dumps. */
#define NFT_VIEW_RETRIES 5

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

/* ---- rules of FORWARD and DOCKER-USER ---- */

static void nv_rule_use(struct nv_load *l, const void *r)
{
	const char *chain = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);
	struct nft_view_chain *c = NULL;

	for (size_t i = 0; chain && i < l->v->n_chains; i++)
		if (streq(l->v->chains[i].name, chain))
			c = &l->v->chains[i];
	if (!c)
		return;
	c->rules = xrealloc(c->rules, (c->n_rules + 1) * sizeof(*c->rules));
	nv_filter_rule(&c->rules[c->n_rules++], r);
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

static void nv_nat_rule_use(struct nv_load *l, const void *r)
{
	nv_dnat_rule(l->v, r);
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
