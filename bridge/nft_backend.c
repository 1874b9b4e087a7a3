/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nft_backend: one batch replaces our ip/ip6 "ufw-docker" tables; a full
 * read-back (chains, sets with elements, rules) checks what the kernel holds. */
#include "nft_backend.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <arpa/inet.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include "nft_build.h"
#include "nft_decode.h"
#include "nl.h"

#define READ_RETRIES 8 /* whole read-backs before giving up on a churning ruleset */

/* One read-back of our table: the objects as they arrive, and the ruleset
 * generation of the first and the last reply. */
struct readback {
	struct nftd_table *t;
	struct nftnl_set **sets; /* kept until their elements are read */
	size_t n_sets;
	bool have_gen;
	uint16_t gen_first, gen_last;
	struct nftnl_set *elems_into; /* the set an element dump fills */
};

static int rb_gen(struct readback *rb, const struct nlmsghdr *nlh)
{
	const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);

	rb->gen_last = ntohs(g->res_id);
	if (!rb->have_gen)
		rb->gen_first = rb->gen_last;
	rb->have_gen = true;
	return 0;
}

static void rb_clear_sets(struct readback *rb)
{
	for (size_t i = 0; i < rb->n_sets; i++)
		nftnl_set_free(rb->sets[i]);
	free(rb->sets);
	rb->sets = NULL;
	rb->n_sets = 0;
}

static int rb_reset_sets(void *arg)
{
	rb_clear_sets(arg);
	return 0;
}

static int rb_set_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct readback *rb = arg;
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s)
		abort();
	if (nftnl_set_nlmsg_parse(nlh, s) < 0) {
		nftnl_set_free(s);
		return -EPROTO;
	}
	rb->sets = xrealloc(rb->sets, (rb->n_sets + 1) * sizeof(*rb->sets));
	rb->sets[rb->n_sets++] = s;
	return rb_gen(rb, nlh);
}

/* Elements, chains and rules of an interrupted dump are dropped with the whole read:
 * nl_dump's retry would add them twice. */
static int rb_interrupted(void *arg)
{
	(void)arg;
	return -EINTR;
}

static int rb_elem_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct readback *rb = arg;

	if (nftnl_set_elems_nlmsg_parse(nlh, rb->elems_into) < 0)
		return -EPROTO;
	return rb_gen(rb, nlh);
}

static int rb_chain_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct readback *rb = arg;
	struct nftnl_chain *c = nftnl_chain_alloc();
	const char *table;
	int err = 0;

	if (!c)
		abort();
	if (nftnl_chain_nlmsg_parse(nlh, c) < 0)
		err = -EPROTO;
	table = err ? NULL : nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE);
	if (table && streq(table, NFTB_TABLE))
		nftd_add_chain(rb->t, c);
	nftnl_chain_free(c);
	return err ? err : rb_gen(rb, nlh);
}

static int rb_rule_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct readback *rb = arg;
	struct nftnl_rule *r = nftnl_rule_alloc();
	int err = 0;

	if (!r)
		abort();
	if (nftnl_rule_nlmsg_parse(nlh, r) < 0)
		err = -EPROTO;
	else
		nftd_add_rule(rb->t, r);
	nftnl_rule_free(r);
	return err ? err : rb_gen(rb, nlh);
}

/* A request for our table's objects of type (GETSET, GETCHAIN, ...). */
static struct nlmsghdr *rb_req(char *buf, uint16_t type, enum ufw_family fam,
			       const char *set)
{
	struct nlmsghdr *nlh;

	/* libmnl leaves attribute padding unset: no stack bytes to the kernel */
	memset(buf, 0, MNL_SOCKET_BUFFER_SIZE);
	nlh = nftnl_nlmsg_build_hdr(buf, type, (uint16_t)nftb_nfproto(fam), 0, 0);
	mnl_attr_put_strz(nlh,
			  type == NFT_MSG_GETSETELEM ? NFTA_SET_ELEM_LIST_TABLE
			  : type == NFT_MSG_GETSET   ? NFTA_SET_TABLE
			  : type == NFT_MSG_GETCHAIN ? NFTA_CHAIN_TABLE
						     : NFTA_RULE_TABLE,
			  NFTB_TABLE);
	if (set)
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set);
	return nlh;
}

static int rb_elements(struct nl_sock *s, enum ufw_family fam, struct readback *rb,
		       struct diag *d)
{
	static const struct nl_dump_ops ops = {rb_interrupted, rb_elem_cb};
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int err = 0;

	for (size_t i = 0; !err && i < rb->n_sets; i++) {
		const char *name = nftnl_set_get_str(rb->sets[i], NFTNL_SET_NAME);

		rb->elems_into = rb->sets[i];
		err = nl_dump(s, rb_req(buf, NFT_MSG_GETSETELEM, fam, name), &ops, rb,
			      "elements of our sets", d);
		if (!err)
			nftd_add_set(rb->t, rb->elems_into);
	}
	return err;
}

/* One try at reading the table: -EINTR when the ruleset changed meanwhile. */
static int rb_once(struct nl_sock *s, enum ufw_family fam, struct readback *rb,
		   struct diag *d)
{
	static const struct nl_dump_ops set_ops = {rb_reset_sets, rb_set_cb};
	static const struct nl_dump_ops chain_ops = {rb_interrupted, rb_chain_cb};
	static const struct nl_dump_ops rule_ops = {rb_interrupted, rb_rule_cb};
	char buf[MNL_SOCKET_BUFFER_SIZE];
	/* The set dump first: unlike the rule dump, it fails with ENOENT when
	 * the table does not exist. */
	int err = nl_dump(s, rb_req(buf, NFT_MSG_GETSET, fam, NULL), &set_ops, rb,
			  "sets of our table", d);

	if (!err)
		err = rb_elements(s, fam, rb, d);
	if (!err)
		err = nl_dump(s, rb_req(buf, NFT_MSG_GETCHAIN, fam, NULL), &chain_ops, rb,
			      "chains of our table", d);
	if (!err)
		err = nl_dump(s, rb_req(buf, NFT_MSG_GETRULE, fam, NULL), &rule_ops, rb,
			      "rules of our table", d);
	rb_clear_sets(rb);
	return err;
}

static bool same_canon(const struct nftd_table *a, const struct nftd_table *b)
{
	struct strbuf x = {0}, y = {0};
	bool same;

	nftd_canon(a, &x);
	nftd_canon(b, &y);
	same = x.len == y.len && memcmp(sb_str(&x), sb_str(&y), x.len) == 0;
	sb_free(&x);
	sb_free(&y);
	return same;
}

/*
 * Reads our table of fam into *t (initialised here, freed by the caller).
 * Our table is consistent when the whole read saw one ruleset generation;
 * when something else changed meanwhile (iptables-nft, Docker: any table
 * bumps the generation), when two reads in a row agree. Returns 0, -ENOENT
 * (no table; no message) or -errno (reported).
 */
static int read_table(struct nl_sock *s, enum ufw_family fam, struct nftd_table *t,
		      struct diag *d)
{
	struct nftd_table prev;
	struct diag quiet;
	bool have_prev = false, done = false;
	int err = 0;

	diag_init(&quiet, NULL);
	nftd_init(&prev, fam == UFW_V6 ? 6 : 4);
	nftd_init(t, fam == UFW_V6 ? 6 : 4);
	for (int i = 0; i < READ_RETRIES && !done; i++) {
		struct readback rb = {.t = t};

		/* a dump torn by a change (-EINTR) is read again, quietly */
		err = rb_once(s, fam, &rb, i + 1 < READ_RETRIES ? &quiet : d);
		done = (err && err != -EINTR) ||
		       (!err && (rb.gen_first == rb.gen_last ||
				 (have_prev && same_canon(&prev, t))));
		if (done)
			break;
		nftd_free(&prev);
		prev = *t;
		have_prev = !err;
		nftd_init(t, fam == UFW_V6 ? 6 : 4);
	}
	nftd_free(&prev);
	diag_free(&quiet);
	if (!err && !done) {
		diag_err(d, NULL, 0,
			 "table %s " NFTB_TABLE ": the ruleset kept changing "
			 "while it was read; retry",
			 nftb_family_name(fam));
		err = -EINTR;
	}
	return err;
}

int nftb_read(enum ufw_family fam, struct nftd_table *t, struct diag *d)
{
	struct nl_sock *s = NULL;
	int err = nl_open(&s, d);

	nftd_init(t, fam == UFW_V6 ? 6 : 4);
	if (!err)
		err = read_table(s, fam, t, d);
	nl_close(s);
	return err;
}

void nftb_expected(const struct nftb_table *t, struct nftd_table *dt)
{
	nftd_init(dt, t->fam == UFW_V6 ? 6 : 4);
	for (unsigned c = 0; c < NFTB_C_COUNT; c++) {
		struct nftnl_chain *ch = nftb_chain_obj(t, c);

		nftd_add_chain(dt, ch);
		nftnl_chain_free(ch);
	}
	for (size_t i = 0; i <= t->n_sets; i++) {
		struct nftnl_set *s = nftb_set_obj(t, i);

		nftd_add_set(dt, s);
		nftnl_set_free(s);
	}
	for (size_t i = 0; i < t->n_rules; i++) {
		struct nftnl_rule *r = nftb_rule_obj(t, i);

		nftd_add_rule(dt, r);
		nftnl_rule_free(r);
	}
}

/* The first line where a and b differ, NUL-terminated in buf ("" at end). */
static void line_at(const char *s, size_t off, char *buf, size_t size)
{
	size_t n = strcspn(s + off, "\n");

	snprintf(buf, size, "%.*s%s", (int)(n < size - 4 ? n : size - 4), s + off,
		 n < size - 4 ? "" : "...");
}

/* NULL when live holds what t describes, else what differs (malloc'd). */
static char *table_differs(const struct nftd_table *live, const struct nftb_table *t)
{
	struct nftd_table want;
	struct strbuf a = {0}, b = {0};
	char la[160], lb[160], *why = NULL;
	size_t off = 0;

	nftb_expected(t, &want);
	nftd_canon(live, &a);
	nftd_canon(&want, &b);
	while (a.buf && b.buf && off < a.len && off < b.len && a.buf[off] == b.buf[off])
		off++;
	if (a.len != b.len || off != a.len) {
		while (off > 0 && b.buf && b.buf[off - 1] != '\n')
			off--;
		line_at(sb_str(&a), off, la, sizeof(la));
		line_at(sb_str(&b), off, lb, sizeof(lb));
		why = xasprintf("live \"%s\", sync would install \"%s\"", la, lb);
	}
	sb_free(&a);
	sb_free(&b);
	nftd_free(&want);
	return why;
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
	struct nftd_table live;
	char *why = NULL;
	int err;

	nftd_init(&live, t->fam == UFW_V6 ? 6 : 4);
	err = read_table(s, t->fam, &live, d);
	if (err == -ENOENT)
		diag_err(d, NULL, 0, "table %s " NFTB_TABLE " missing after commit",
			 nftb_family_name(t->fam));
	else if (!err && (why = table_differs(&live, t))) {
		diag_err(d, NULL, 0, "table %s " NFTB_TABLE " differs after commit: %s",
			 nftb_family_name(t->fam), why);
		err = -EIO;
	}
	free(why);
	nftd_free(&live);
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

static int count_cb(const struct nlmsghdr *nlh, void *arg)
{
	(void)nlh;
	++*(size_t *)arg;
	return 0;
}

int nftb_present_family(enum ufw_family fam, bool *yes, struct diag *d)
{
	static const struct nl_dump_ops ops = {NULL, count_cb};
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nl_sock *s = NULL;
	size_t n = 0;
	int err = nl_open(&s, d);

	*yes = false;
	/* the set dump fails with ENOENT when the table does not exist */
	if (!err)
		err = nl_dump(s, rb_req(buf, NFT_MSG_GETSET, fam, NULL), &ops, &n,
			      "sets of our table", d);
	*yes = err == 0;
	nl_close(s);
	return err == -ENOENT ? 0 : err;
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
	struct nftd_table live;
	const char *name = nftb_family_name(t->fam);
	char *why = NULL;
	int err;

	nftd_init(&live, t->fam == UFW_V6 ? 6 : 4);
	err = read_table(s, t->fam, &live, d);
	if (err == -ENOENT) {
		err = want ? 1 : 0;
		if (want)
			diag_warn(d, NULL, 0, "table %s " NFTB_TABLE " is missing", name);
	} else if (!err && !want) {
		diag_warn(d, NULL, 0, "table %s " NFTB_TABLE " exists but is not wanted",
			  name);
		err = 1;
	} else if (!err && (why = table_differs(&live, t))) {
		diag_warn(d, NULL, 0, "table %s " NFTB_TABLE " differs: %s", name, why);
		err = 1;
	}
	free(why);
	nftd_free(&live);
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
