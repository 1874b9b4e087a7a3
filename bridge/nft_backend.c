/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nft_backend: one batch replaces our ip/ip6 "ufw-docker" tables; read-back
 * of rule counts per chain and set names checks what the kernel holds. */
#include "nft_backend.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <linux/netfilter/nf_tables.h>

#include "nft_build.h"
#include "nl.h"

/* What the kernel holds of one of our tables. Set names are not kept: each
 * is looked up, as it arrives, among the names we expect (a table of tens of
 * thousands of sets is read back in bounded memory). */
struct live {
	size_t rules[NFTB_C_COUNT];
	size_t other_rules; /* in chains we do not know */
	size_t n_sets;
	size_t n_known;	   /* sets whose name is one of want */
	const char **want; /* sorted names we expect, NULL: count only */
	size_t n_want;
};

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* l->want = the names of t's sets and the limit set, sorted. */
static void live_expect(struct live *l, const struct nftb_table *t)
{
	l->n_want = t->n_sets + 1;
	l->want = xcalloc(l->n_want, sizeof(*l->want));
	for (size_t i = 0; i < t->n_sets; i++)
		l->want[i] = t->sets[i].name;
	l->want[t->n_sets] = NFTB_LIMIT_SET;
	qsort(l->want, l->n_want, sizeof(*l->want), name_cmp);
}

static void live_free(struct live *l)
{
	free(l->want);
	memset(l, 0, sizeof(*l));
}

static int live_reset_rules(void *arg)
{
	struct live *l = arg;

	memset(l->rules, 0, sizeof(l->rules));
	l->other_rules = 0;
	return 0;
}

static int live_rule_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct live *l = arg;
	struct nftnl_rule *r = nftnl_rule_alloc();
	const char *chain;
	bool known = false;

	if (!r)
		abort();
	if (nftnl_rule_nlmsg_parse(nlh, r) < 0) {
		nftnl_rule_free(r);
		return -EPROTO;
	}
	chain = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);
	for (unsigned c = 0; chain && c < NFTB_C_COUNT; c++) {
		if (streq(chain, nftb_chain_name(c))) {
			l->rules[c]++;
			known = true;
		}
	}
	l->other_rules += !known;
	nftnl_rule_free(r);
	return 0;
}

static int live_reset_sets(void *arg)
{
	struct live *l = arg;

	l->n_sets = 0;
	l->n_known = 0;
	return 0;
}

static int live_set_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct live *l = arg;
	struct nftnl_set *s = nftnl_set_alloc();
	const char *name;

	if (!s)
		abort();
	if (nftnl_set_nlmsg_parse(nlh, s) < 0) {
		nftnl_set_free(s);
		return -EPROTO;
	}
	name = nftnl_set_get_str(s, NFTNL_SET_NAME);
	l->n_sets++;
	if (name && l->want &&
	    bsearch(&name, l->want, l->n_want, sizeof(*l->want), name_cmp))
		l->n_known++;
	nftnl_set_free(s);
	return 0;
}

/* Reads our table of fam (rules only when rules). Returns 0, -ENOENT (no
 * table; no message) or -errno. */
static int live_load(struct nl_sock *s, enum ufw_family fam, bool rules, struct live *l,
		     struct diag *d)
{
	static const struct nl_dump_ops rule_ops = {live_reset_rules, live_rule_cb};
	static const struct nl_dump_ops set_ops = {live_reset_sets, live_set_cb};
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nftnl_set *st = nftnl_set_alloc();
	struct nlmsghdr *nlh;
	int err;

	/* libmnl leaves attribute padding unset: no stack bytes to the kernel */
	memset(buf, 0, sizeof(buf));
	if (!r || !st)
		abort();
	/* The set dump first: unlike the rule dump, it fails with ENOENT when
	 * the table does not exist. */
	nlh =
	    nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSET, (uint16_t)nftb_nfproto(fam), 0, 0);
	nftnl_set_set_str(st, NFTNL_SET_TABLE, NFTB_TABLE);
	nftnl_set_nlmsg_build_payload(nlh, st);
	nftnl_set_free(st);
	err = nl_dump(s, nlh, &set_ops, l, "sets of our table", d);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, (uint16_t)nftb_nfproto(fam), 0,
				    0);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NFTB_TABLE);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	if (!err && rules)
		err = nl_dump(s, nlh, &rule_ops, l, "rules of our table", d);
	return err;
}

/* "" when l holds t, else what differs (static text). */
static const char *live_differs(const struct live *l, const struct nftb_table *t)
{
	if (l->other_rules)
		return "rules in a chain we do not own";
	for (unsigned c = 0; c < NFTB_C_COUNT; c++)
		if (l->rules[c] != nftb_count_rules(t, c))
			return "rule count of a chain";
	if (l->n_sets != t->n_sets + 1)
		return "number of sets";
	if (l->n_known != l->n_sets)
		return "a set is missing";
	return "";
}

static int build_all(const struct nftb_input *in, struct nftb_table t[2], struct diag *d)
{
	int err = nftb_build(in->rs, UFW_V4, in->st, in->cfg, &t[0], d);

	if (!err && in->ipv6)
		err = nftb_build(in->rs, UFW_V6, in->st, in->cfg, &t[1], d);
	return err;
}

static int verify(struct nl_sock *s, const struct nftb_table *t, struct diag *d)
{
	struct live l = {0};
	const char *why;
	int err;

	live_expect(&l, t);
	err = live_load(s, t->fam, true, &l, d);

	if (err == -ENOENT)
		diag_err(d, NULL, 0, "table %s " NFTB_TABLE " missing after commit",
			 nftb_family_name(t->fam));
	else if (!err && *(why = live_differs(&l, t))) {
		diag_err(d, NULL, 0, "table %s " NFTB_TABLE " differs after commit: %s",
			 nftb_family_name(t->fam), why);
		err = -EIO;
	}
	live_free(&l);
	return err;
}

static int commit(const struct nftb_input *in, const struct nftb_table t[2],
		  struct diag *d)
{
	struct nl_sock *s = NULL;
	struct nl_batch *b;
	int err = nl_open(&s, d);

	if (err)
		return err;
	b = nl_batch_new(s);
	err = nftb_push(&t[0], b, true, d);
	if (!err)
		err = in->ipv6 ? nftb_push(&t[1], b, true, d)
			       : nftb_push_delete(UFW_V6, b, d);
	if (!err)
		err = nl_batch_send(b, NL_COMMIT, d);
	if (!err)
		err = verify(s, &t[0], d);
	if (!err && in->ipv6)
		err = verify(s, &t[1], d);
	nl_batch_free(b);
	nl_close(s);
	return err;
}

int nftb_apply(const struct nftb_input *in, struct strbuf *text, struct diag *d)
{
	struct nftb_table t[2] = {{0}, {0}};
	int err = build_all(in, t, d);

	if (!err && text) {
		nftb_render(&t[0], text);
		if (in->ipv6)
			nftb_render(&t[1], text);
	} else if (!err) {
		err = commit(in, t, d);
	}
	nftb_free(&t[0]);
	nftb_free(&t[1]);
	return err;
}

int nftb_remove(struct diag *d)
{
	struct nl_sock *s = NULL;
	struct nl_batch *b;
	int err = nl_open(&s, d);

	if (err)
		return err;
	b = nl_batch_new(s);
	err = nftb_push_delete(UFW_V4, b, d);
	if (!err)
		err = nftb_push_delete(UFW_V6, b, d);
	if (!err)
		err = nl_batch_send(b, NL_COMMIT, d);
	nl_batch_free(b);
	nl_close(s);
	return err;
}

int nftb_present_family(enum ufw_family fam, bool *yes, struct diag *d)
{
	struct nl_sock *s = NULL;
	struct live l = {0};
	int err = nl_open(&s, d);

	*yes = false;
	if (!err) {
		err = live_load(s, fam, false, &l, d);
		*yes = err == 0;
		err = err == -ENOENT ? 0 : err;
		live_free(&l);
	}
	nl_close(s);
	return err;
}

int nftb_present(bool *yes, struct diag *d)
{
	int err = nftb_present_family(UFW_V4, yes, d);

	if (!err && !*yes)
		err = nftb_present_family(UFW_V6, yes, d);
	return err;
}

static int status_one(struct nl_sock *s, const struct nftb_table *t, bool want,
		      struct diag *d)
{
	struct live l = {0};
	const char *name = nftb_family_name(t->fam);
	const char *why;
	int err;

	live_expect(&l, t);
	err = live_load(s, t->fam, true, &l, d);

	if (err == -ENOENT) {
		err = want ? 1 : 0;
		if (want)
			diag_warn(d, NULL, 0, "table %s " NFTB_TABLE " is missing", name);
	} else if (!err && !want) {
		diag_warn(d, NULL, 0, "table %s " NFTB_TABLE " exists but is not wanted",
			  name);
		err = 1;
	} else if (!err && *(why = live_differs(&l, t))) {
		diag_warn(d, NULL, 0, "table %s " NFTB_TABLE " differs: %s", name, why);
		err = 1;
	}
	live_free(&l);
	return err;
}

int nftb_status(const struct nftb_input *in, struct diag *d)
{
	struct nftb_table t[2] = {{0}, {0}};
	struct nl_sock *s = NULL;
	int err = build_all(in, t, d);

	t[1].fam = UFW_V6;
	if (!err)
		err = nl_open(&s, d);
	if (!err)
		err = status_one(s, &t[0], true, d);
	if (err == 0)
		err = status_one(s, &t[1], in->ipv6, d);
	nl_close(s);
	nftb_free(&t[0]);
	nftb_free(&t[1]);
	return err;
}
