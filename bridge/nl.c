/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nl: libmnl socket, nf_tables batch send with ack/extack draining mapped back
 * to each object's label, and dumps restarted when the kernel flags them torn. */
#include "nl.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "util.h"

/* What the kernel puts in one dump skb at most (32 KiB): larger truncates. */
#define NL_RECV_SIZE 32768

struct nl_sock {
	struct mnl_socket *mnl;
	uint32_t portid;
	uint32_t seq;
};

/* One pushed object: where its message sits in the buffer and its name. */
struct nl_obj {
	uint32_t seq;
	size_t off;
	char *label;
};

struct nl_batch {
	struct nl_sock *s;
	char *buf; /* batch begin, then the objects' messages */
	size_t len;
	size_t cap;
	struct nl_obj *objs;
	size_t n_objs;
	uint32_t next_seq;
};

/* What draining acks found: first error and how many replies came. */
struct nl_acks {
	const struct nl_batch *b;
	struct diag *d;
	int first_err;
	size_t seen;
};

int nl_open(struct nl_sock **out, struct diag *d)
{
	struct nl_sock *s = xcalloc(1, sizeof(*s));
	int one = 1, err;

	*out = NULL;
	s->mnl = mnl_socket_open(NETLINK_NETFILTER);
	if (!s->mnl)
		goto fail;
	/* Best effort: old kernels lack them, and errors still arrive. */
	mnl_socket_setsockopt(s->mnl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(s->mnl, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(s->mnl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	s->portid = mnl_socket_get_portid(s->mnl);
	s->seq = (uint32_t)time(NULL);
	*out = s;
	return 0;
fail:
	err = -errno;
	diag_err(d, NULL, 0, "netlink: cannot open a netfilter socket: %s",
		 strerror(errno));
	nl_close(s);
	return err;
}

void nl_close(struct nl_sock *s)
{
	if (!s)
		return;
	if (s->mnl)
		mnl_socket_close(s->mnl);
	free(s);
}

uint32_t nl_portid(const struct nl_sock *s)
{
	return s->portid;
}

/* Asks for a buffer of at least n bytes; root may exceed the sysctl limit. */
static void nl_grow_sockbuf(struct nl_sock *s, int force_opt, int opt, size_t n)
{
	int fd = mnl_socket_get_fd(s->mnl), v = n > INT32_MAX ? INT32_MAX : (int)n;
	int cur = 0;
	socklen_t len = sizeof(cur);

	if (getsockopt(fd, SOL_SOCKET, opt, &cur, &len) == 0 && cur >= v)
		return;
	if (setsockopt(fd, SOL_SOCKET, force_opt, &v, sizeof(v)) < 0)
		setsockopt(fd, SOL_SOCKET, opt, &v, sizeof(v));
}

/* ---- dumps ---- */

static int nl_error_of(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
		return -EBADMSG;
	return e->error;
}

/* Runs ops->msg over one recv'd buffer until the dump's end: returns 1 when
 * more is to come, 0 at the end. The first failure lands in *err, and later
 * messages are only read: a dump must be read to its end before the socket
 * accepts another one (-EBUSY otherwise). */
static int nl_dump_chunk(const char *buf, int n, uint32_t seq, uint32_t portid,
			 const struct nl_dump_ops *ops, void *arg, int *err)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;

	for (; mnl_nlmsg_ok(nlh, n); nlh = mnl_nlmsg_next(nlh, &n)) {
		if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != portid)
			continue; /* a stale reply to an earlier request */
		if ((nlh->nlmsg_flags & NLM_F_DUMP_INTR) && !*err)
			*err = -EINTR;
		if (nlh->nlmsg_type == NLMSG_DONE)
			return 0;
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			if (!*err)
				*err = nl_error_of(nlh);
			return 0;
		}
		if (nlh->nlmsg_type >= NLMSG_MIN_TYPE && !*err)
			*err = ops->msg(nlh, arg);
	}
	return 1;
}

static int nl_dump_once(struct nl_sock *s, struct nlmsghdr *req,
			const struct nl_dump_ops *ops, void *arg)
{
	char buf[NL_RECV_SIZE];
	int more = 1, err = 0;
	ssize_t n;

	req->nlmsg_flags |= NLM_F_REQUEST | NLM_F_DUMP;
	req->nlmsg_seq = ++s->seq;
	req->nlmsg_pid = 0;
	if (mnl_socket_sendto(s->mnl, req, req->nlmsg_len) < 0)
		return -errno;
	while (more) {
		n = mnl_socket_recvfrom(s->mnl, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		more =
		    nl_dump_chunk(buf, (int)n, req->nlmsg_seq, s->portid, ops, arg, &err);
	}
	return err;
}

int nl_dump(struct nl_sock *s, struct nlmsghdr *req, const struct nl_dump_ops *ops,
	    void *arg, const char *what, struct diag *d)
{
	int err, tries = 0;

	/* A ruleset changing under a dump makes the kernel flag the dump torn:
	 * what was collected may mix generations, so start again. */
	while ((err = nl_dump_once(s, req, ops, arg)) == -EINTR &&
	       ++tries < NL_DUMP_RETRIES) {
		if (ops->reset && (err = ops->reset(arg)) < 0)
			break;
	}
	if (err && err != -ENOENT)
		diag_err(d, NULL, 0, "netlink: dumping %s: %s%s", what, strerror(-err),
			 err == -EINTR ? " (the ruleset kept changing; retry)" : "");
	return err;
}

/* ---- batches ---- */

static void nl_batch_reserve(struct nl_batch *b, size_t room)
{
	if (b->cap - b->len >= room)
		return;
	while (b->cap - b->len < room)
		b->cap = b->cap ? b->cap * 2 : 4 * NL_MSG_MAX;
	b->buf = xrealloc(b->buf, b->cap);
}

struct nl_batch *nl_batch_new(struct nl_sock *s)
{
	struct nl_batch *b = xcalloc(1, sizeof(*b));
	struct nlmsghdr *nlh;

	b->s = s;
	b->next_seq = ++s->seq;
	nl_batch_reserve(b, NL_MSG_MAX);
	memset(b->buf, 0, NL_MSG_MAX);
	nlh = nftnl_batch_begin(b->buf, b->next_seq++);
	b->len = NLMSG_ALIGN(nlh->nlmsg_len);
	return b;
}

void nl_batch_free(struct nl_batch *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n_objs; i++)
		free(b->objs[i].label);
	free(b->objs);
	free(b->buf);
	free(b);
}

void *nl_batch_tail(struct nl_batch *b, uint32_t *seq)
{
	nl_batch_reserve(b, NL_MSG_MAX);
	memset(b->buf + b->len, 0, NL_MSG_MAX);
	*seq = b->next_seq;
	return b->buf + b->len;
}

int nl_batch_push(struct nl_batch *b, const char *label)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)(b->buf + b->len);
	struct nl_obj *o;

	if (nlh->nlmsg_len < NLMSG_HDRLEN || nlh->nlmsg_len > NL_MSG_MAX)
		return -EMSGSIZE;
	b->objs = xrealloc(b->objs, (b->n_objs + 1) * sizeof(*b->objs));
	o = &b->objs[b->n_objs++];
	o->seq = b->next_seq++;
	o->off = b->len;
	o->label = xstrdup(label);
	b->len += NLMSG_ALIGN(nlh->nlmsg_len);
	return 0;
}

size_t nl_batch_count(const struct nl_batch *b)
{
	return b->n_objs;
}

static const struct nl_obj *nl_batch_find(const struct nl_batch *b, uint32_t seq)
{
	for (size_t i = 0; i < b->n_objs; i++)
		if (b->objs[i].seq == seq)
			return &b->objs[i];
	return NULL;
}

/* The expression of a NEWRULE message that holds byte offset off (counted from
 * the message start, as extack counts): its 1-based index and name. */
static int nl_rule_expr_at(const struct nlmsghdr *nlh, uint32_t off, const char **name)
{
	const struct nlattr *a, *elem, *ea;
	int idx = 0;

	if ((nlh->nlmsg_type & 0xff) != NFT_MSG_NEWRULE)
		return 0;
	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
	{
		if (mnl_attr_get_type(a) != NFTA_RULE_EXPRESSIONS)
			continue;
		mnl_attr_for_each_nested(elem, a)
		{
			size_t start = (const char *)elem - (const char *)nlh;

			idx++;
			if (off < start || off >= start + elem->nla_len)
				continue;
			*name = "?";
			mnl_attr_for_each_nested(ea, elem)
			{
				if (mnl_attr_get_type(ea) == NFTA_EXPR_NAME &&
				    mnl_attr_validate(ea, MNL_TYPE_NUL_STRING) == 0)
					*name = mnl_attr_get_str(ea);
			}
			return idx;
		}
	}
	return 0;
}

struct nl_extack {
	const char *msg;
	uint32_t off;
	int has_off;
};

static int nl_extack_attr(const struct nlattr *a, void *data)
{
	struct nl_extack *x = data;

	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		x->msg = mnl_attr_get_str(a);
	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_OFFS &&
	    mnl_attr_validate(a, MNL_TYPE_U32) == 0) {
		x->off = mnl_attr_get_u32(a);
		x->has_off = 1;
	}
	return MNL_CB_OK;
}

/* Extended ack TLVs follow the echoed request (just its header when capped). */
static void nl_extack_parse(const struct nlmsghdr *nlh, struct nl_extack *x)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*e);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(e->msg);
	if (MNL_NLMSG_HDRLEN + MNL_ALIGN(off) > nlh->nlmsg_len)
		return;
	mnl_attr_parse(nlh, MNL_ALIGN(off), nl_extack_attr, x);
}

static void nl_report_reject(struct nl_acks *a, const struct nlmsghdr *nlh, int err)
{
	const struct nl_obj *o = nl_batch_find(a->b, nlh->nlmsg_seq);
	struct nl_extack x = {0};
	struct strbuf sb = {0};
	const char *ename = NULL;
	int idx = 0;

	nl_extack_parse(nlh, &x);
	if (o && x.has_off)
		idx = nl_rule_expr_at((const struct nlmsghdr *)(a->b->buf + o->off),
				      x.off, &ename);
	sb_addf(&sb, "%s: %s", o ? o->label : "batch", strerror(-err));
	if (x.msg)
		sb_addf(&sb, ": %s", x.msg);
	if (idx)
		sb_addf(&sb, " (expression #%d '%s')", idx, ename);
	diag_err(a->d, NULL, 0, "nf_tables rejected %s", sb_str(&sb));
	sb_free(&sb);
}

static void nl_ack_chunk(struct nl_acks *a, const char *buf, int n)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	int err;

	for (; mnl_nlmsg_ok(nlh, n); nlh = mnl_nlmsg_next(nlh, &n)) {
		if (nlh->nlmsg_type != NLMSG_ERROR || nlh->nlmsg_pid != a->b->s->portid)
			continue;
		a->seen++;
		err = nl_error_of(nlh);
		if (!err)
			continue;
		nl_report_reject(a, nlh, err);
		if (!a->first_err)
			a->first_err = err;
	}
}

/* The kernel handles the whole batch inside sendmsg, so every ack is queued
 * by now: read until the socket is empty, never block. */
static int nl_drain_acks(struct nl_acks *a)
{
	char buf[NL_RECV_SIZE];
	int fd = mnl_socket_get_fd(a->b->s->mnl);
	ssize_t n;

	for (;;) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		nl_ack_chunk(a, buf, (int)n);
	}
}

int nl_batch_send(struct nl_batch *b, enum nl_commit_mode mode, struct diag *d)
{
	char endbuf[NLMSG_HDRLEN + 64] = {0};
	struct nlmsghdr *end = nftnl_batch_end(endbuf, b->next_seq);
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	struct iovec iov[2] = {{b->buf, b->len}, {end, end->nlmsg_len}};
	struct msghdr mh = {&sa, sizeof(sa), iov, mode == NL_COMMIT ? 2 : 1, NULL, 0, 0};
	struct nl_acks a = {.b = b, .d = d};
	int err;

	nl_grow_sockbuf(b->s, SO_SNDBUFFORCE, SO_SNDBUF, 2 * (b->len + end->nlmsg_len));
	nl_grow_sockbuf(b->s, SO_RCVBUFFORCE, SO_RCVBUF, (b->n_objs + 1) * 2048);
	if (sendmsg(mnl_socket_get_fd(b->s->mnl), &mh, 0) < 0) {
		err = -errno;
		diag_err(d, NULL, 0, "netlink: sending a batch of %zu objects: %s",
			 b->n_objs, strerror(errno));
		return err;
	}
	err = nl_drain_acks(&a);
	if (err) {
		diag_err(d, NULL, 0, "netlink: reading acks: %s", strerror(-err));
		return err;
	}
	return a.first_err;
}
