/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nl: the one NETLINK_NETFILTER socket: atomic nf_tables batches with every ack
 * and extack mapped back to the object that failed, and consistent dumps. */
#ifndef UFWD_NL_H
#define UFWD_NL_H

#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

#include "diag.h"

/* Largest single message a batch accepts (a rule with many expressions). */
#define NL_MSG_MAX 8192
/* How often a dump interrupted by a concurrent change (NLM_F_DUMP_INTR) is
 * restarted before nl_dump gives up with -EINTR. */
#define NL_DUMP_RETRIES 8

struct nl_sock;

/* Opens and binds a socket with NETLINK_EXT_ACK and NETLINK_CAP_ACK on.
 * On success *out is the caller's, freed with nl_close(); on failure *out is
 * NULL, one error was reported and -errno returned. */
int nl_open(struct nl_sock **out, struct diag *d);
void nl_close(struct nl_sock *s); /* accepts NULL */
uint32_t nl_portid(const struct nl_sock *s);

/* Dumps. req is a complete request built by the caller (type, family and any
 * filter attributes); nl_dump sets NLM_F_REQUEST|NLM_F_DUMP, seq and pid.
 * ops->msg sees every reply message and returns 0 or -errno (stops the dump).
 * When the kernel flags the dump inconsistent, ops->reset (may be NULL) must
 * drop what msg collected, and the dump starts again, at most NL_DUMP_RETRIES
 * times. what names the dump in messages ("chains of ip filter"). Returns 0,
 * or -errno with one error reported; -ENOENT is returned without a message
 * (the object asked about does not exist, which callers often expect). */
struct nl_dump_ops {
	int (*reset)(void *arg);
	int (*msg)(const struct nlmsghdr *nlh, void *arg);
};
int nl_dump(struct nl_sock *s, struct nlmsghdr *req, const struct nl_dump_ops *ops,
	    void *arg, const char *what, struct diag *d);

/* Batches: begin, objects, end, sent in one sendmsg so the kernel applies all
 * of them or none. Usage:
 *	b = nl_batch_new(s);
 *	buf = nl_batch_tail(b, &seq);   build one message at buf with seq
 *	nl_batch_push(b, "rule 3 of DOCKER-USER");
 *	nl_batch_send(b, NL_COMMIT, d);
 *	nl_batch_free(b);
 * The batch borrows s, which must outlive it. */
struct nl_batch;

enum nl_commit_mode {
	NL_COMMIT, /* apply everything or nothing */
	NL_CHECK,  /* leave out the batch end: the kernel validates, then aborts */
};

struct nl_batch *nl_batch_new(struct nl_sock *s);
void nl_batch_free(struct nl_batch *b); /* accepts NULL */
/* Room for one message of up to NL_MSG_MAX bytes, zeroed; *seq is the sequence
 * number the message must carry. Valid until the next push. */
void *nl_batch_tail(struct nl_batch *b, uint32_t *seq);
/* Appends the message built at the tail; label (copied) names it in errors.
 * Returns 0, or -EMSGSIZE if it overran NL_MSG_MAX (the message is dropped
 * and the batch must not be sent: the caller reports it). */
int nl_batch_push(struct nl_batch *b, const char *label);
size_t nl_batch_count(const struct nl_batch *b); /* objects pushed */
/* Sends the batch and drains every ack. Each object the kernel rejected is
 * reported as "LABEL: strerror[: extack message] (expression #N 'name')".
 * Returns 0 when everything was accepted (and, for NL_COMMIT, applied), or
 * the first object's -errno: then nothing was applied. The batch can be sent
 * again (e.g. NL_CHECK first, NL_COMMIT after). */
int nl_batch_send(struct nl_batch *b, enum nl_commit_mode mode, struct diag *d);

#endif
