/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_nft_decode: libFuzzer target for nft_decode on what a read-back of our
 * nf_tables table returns: the input's chunks become netlink messages
 * (chains, sets, set elements, rules), parsed by libnftnl as nft_backend.c
 * parses the kernel's replies, then decoded. Checks: reach's text is lines
 * of words (a ":" line per chain, "-A" lines) that reach_parse reads,
 * knowing every chain; the canonical text stays the same with every list
 * of elements reversed.
 * UFWD_NFT_SEEDS=DIR writes the seeds into DIR and exits; UFWD_NFT_DUMP=1
 * prints both texts of each input (to read a reproducer). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "config.h"
#include "diag.h"
#include "nft_build.h"
#include "nft_decode.h"
#include "reach.h"
#include "rule.h"
#include "ufw_conf.h"
#include "ufw_rules.h"
#include "util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__asan_default_options(void);

/* libnftnl is built without frame pointers: past its frames ASan's fast
 * unwinder reads garbage, most of its allocations a new stack in ASan's
 * depot (RSS grew ~4 KB an execution, 1.2 GB in 8 minutes). Allocation
 * stacks of 4 frames keep it flat; crash stacks stay whole. To see more of
 * a leak's stack: ASAN_OPTIONS=malloc_context_size=30 (overrides this). */
const char *__asan_default_options(void)
{
	return "malloc_context_size=4";
}

/*
 * The input: byte 0 (bit 0: the table is ip6), then chunks, each SEP, one
 * byte (its value % 4: enum chunk) and a message payload (the nlattrs after
 * the nfgenmsg). Each chunk becomes one message of the read-back; elements
 * go into the last set before them.
 */
#define SEP	 "\xa5nfT"
#define SEP_LEN	 4
#define HDR_LEN	 (MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct nfgenmsg)))
#define MAX_MSGS 96 /* chunks read; the rest is ignored */
#define MAX_SETS 16
#define MAX_WORK 1024 /* sum over rules of expressions x elements looked up */
#define SEED_ENV "UFWD_NFT_SEEDS"

enum chunk { C_CHAIN, C_SET, C_ELEMS, C_RULE };

static const uint16_t msg_types[] = {NFT_MSG_NEWCHAIN, NFT_MSG_NEWSET, NFT_MSG_NEWSETELEM,
				     NFT_MSG_NEWRULE};

/* A broken property: abort(), which libFuzzer reports as a crash. */
static void fail(const char *what, int line)
{
	fprintf(stderr, "fuzz_nft_decode.c:%d: broken: %s\n", line, what);
	abort();
}

#define check(cond) ((cond) ? (void)0 : fail(#cond, __LINE__))

/* ---- the input as messages ---- */

/* One message, in a buffer of its exact (aligned) length. */
static struct nlmsghdr *wrap(enum chunk c, int family, const uint8_t *p, size_t n)
{
	size_t len = HDR_LEN + MNL_ALIGN(n);
	struct nlmsghdr *nlh = xcalloc(1, len);
	struct nfgenmsg *g = (struct nfgenmsg *)((char *)nlh + MNL_NLMSG_HDRLEN);

	nlh->nlmsg_len = (uint32_t)len;
	nlh->nlmsg_type = (uint16_t)(NFNL_SUBSYS_NFTABLES << 8 | msg_types[c]);
	nlh->nlmsg_flags = NLM_F_MULTI;
	g->nfgen_family = family == 6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
	g->version = NFNETLINK_V0;
	if (n)
		memcpy((char *)nlh + HDR_LEN, p, n);
	return nlh;
}

/* ---- what libnftnl 1.2.4 takes ----
 *
 * libnftnl exit()s (abi_breakage: "nf_tables kernel ABI is broken") on an
 * attribute of a known type but the wrong length, dereferences a missing
 * expression name, strdup()s strings without checking their NUL, reads a
 * verdict's code and chain from an uninitialised array when they are
 * missing, stores NFTA_SET_DESC_CONCAT's field lengths in a NFT_REG32_COUNT
 * array without a bound, and writes an element attribute of a type between
 * NFTA_SET_ELEM_MAX and NFTA_SET_MAX past its array on the stack (checked
 * against the wrong maximum). The kernel never sends any of that: a message
 * that would is dropped here, before libnftnl sees it, as is one with an
 * attribute type above its level's maximum or an expression other than the
 * ones listed below.
 */
enum kind {
	K_ANY,
	K_U8,
	K_U16,
	K_U32,
	K_U64,
	K_STR,
	K_NEST,
	K_LIST,
	K_EXPR,
	K_EXPRS,
	K_VERDICT,
};

struct field {
	enum kind kind;
	const struct schema *sub; /* K_NEST: the nest's; K_LIST: each child's */
};

struct schema {
	unsigned max;
	const struct field *f;
};

#define SCHEMA(name, max_, ...)                                                          \
	static const struct field name##_f[(max_) + 1] = {__VA_ARGS__};                  \
	static const struct schema name = {(max_), name##_f}

SCHEMA(sc_verdict, NFTA_VERDICT_MAX, [NFTA_VERDICT_CODE] = {K_U32, NULL},
       [NFTA_VERDICT_CHAIN] = {K_STR, NULL}, [NFTA_VERDICT_CHAIN_ID] = {K_U32, NULL});
SCHEMA(sc_data, NFTA_DATA_MAX, [NFTA_DATA_VERDICT] = {K_VERDICT, &sc_verdict});
SCHEMA(sc_counters, NFTA_COUNTER_MAX, [NFTA_COUNTER_BYTES] = {K_U64, NULL},
       [NFTA_COUNTER_PACKETS] = {K_U64, NULL});
SCHEMA(sc_dev, NFTA_DEVICE_MAX, [NFTA_DEVICE_NAME] = {K_STR, NULL});
SCHEMA(sc_hook, NFTA_HOOK_MAX, [NFTA_HOOK_HOOKNUM] = {K_U32, NULL},
       [NFTA_HOOK_PRIORITY] = {K_U32, NULL}, [NFTA_HOOK_DEV] = {K_STR, NULL},
       [NFTA_HOOK_DEVS] = {K_NEST, &sc_dev});
SCHEMA(sc_chain, NFTA_CHAIN_MAX, [NFTA_CHAIN_TABLE] = {K_STR, NULL},
       [NFTA_CHAIN_HANDLE] = {K_U64, NULL}, [NFTA_CHAIN_NAME] = {K_STR, NULL},
       [NFTA_CHAIN_HOOK] = {K_NEST, &sc_hook}, [NFTA_CHAIN_POLICY] = {K_U32, NULL},
       [NFTA_CHAIN_USE] = {K_U32, NULL}, [NFTA_CHAIN_TYPE] = {K_STR, NULL},
       [NFTA_CHAIN_COUNTERS] = {K_NEST, &sc_counters}, [NFTA_CHAIN_FLAGS] = {K_U32, NULL},
       [NFTA_CHAIN_ID] = {K_U32, NULL});
SCHEMA(sc_field, NFTA_SET_FIELD_MAX, [NFTA_SET_FIELD_LEN] = {K_U32, NULL});
SCHEMA(sc_desc, NFTA_SET_DESC_MAX, [NFTA_SET_DESC_SIZE] = {K_U32, NULL},
       [NFTA_SET_DESC_CONCAT] = {K_LIST, &sc_field});
SCHEMA(sc_set,
       NFTA_SET_MAX, [NFTA_SET_TABLE] = {K_STR, NULL}, [NFTA_SET_NAME] = {K_STR, NULL},
       [NFTA_SET_FLAGS] = {K_U32, NULL}, [NFTA_SET_KEY_TYPE] = {K_U32, NULL},
       [NFTA_SET_KEY_LEN] = {K_U32, NULL}, [NFTA_SET_DATA_TYPE] = {K_U32, NULL},
       [NFTA_SET_DATA_LEN] = {K_U32, NULL}, [NFTA_SET_POLICY] = {K_U32, NULL},
       [NFTA_SET_DESC] = {K_NEST, &sc_desc}, [NFTA_SET_ID] = {K_U32, NULL},
       [NFTA_SET_TIMEOUT] = {K_U64, NULL}, [NFTA_SET_GC_INTERVAL] = {K_U32, NULL},
       [NFTA_SET_OBJ_TYPE] = {K_U32, NULL}, [NFTA_SET_HANDLE] = {K_U64, NULL},
       [NFTA_SET_EXPR] = {K_EXPR, NULL}, [NFTA_SET_EXPRESSIONS] = {K_EXPRS, NULL});
SCHEMA(
    sc_elem, NFTA_SET_ELEM_MAX, [NFTA_SET_ELEM_KEY] = {K_NEST, &sc_data},
    [NFTA_SET_ELEM_DATA] = {K_NEST, &sc_data}, [NFTA_SET_ELEM_FLAGS] = {K_U32, NULL},
    [NFTA_SET_ELEM_TIMEOUT] = {K_U64, NULL}, [NFTA_SET_ELEM_EXPIRATION] = {K_U64, NULL},
    [NFTA_SET_ELEM_EXPR] = {K_EXPR, NULL}, [NFTA_SET_ELEM_OBJREF] = {K_STR, NULL},
    [NFTA_SET_ELEM_KEY_END] = {K_NEST, &sc_data},
    [NFTA_SET_ELEM_EXPRESSIONS] = {K_EXPRS, NULL});
SCHEMA(sc_elems, NFTA_SET_ELEM_LIST_MAX, [NFTA_SET_ELEM_LIST_TABLE] = {K_STR, NULL},
       [NFTA_SET_ELEM_LIST_SET] = {K_STR, NULL},
       [NFTA_SET_ELEM_LIST_ELEMENTS] = {K_LIST, &sc_elem},
       [NFTA_SET_ELEM_LIST_SET_ID] = {K_U32, NULL});
SCHEMA(sc_compat, NFTA_RULE_COMPAT_MAX, [NFTA_RULE_COMPAT_PROTO] = {K_U32, NULL},
       [NFTA_RULE_COMPAT_FLAGS] = {K_U32, NULL});
SCHEMA(
    sc_rule, NFTA_RULE_MAX, [NFTA_RULE_TABLE] = {K_STR, NULL},
    [NFTA_RULE_CHAIN] = {K_STR, NULL}, [NFTA_RULE_HANDLE] = {K_U64, NULL},
    [NFTA_RULE_EXPRESSIONS] = {K_EXPRS, NULL}, [NFTA_RULE_COMPAT] = {K_NEST, &sc_compat},
    [NFTA_RULE_POSITION] = {K_U64, NULL}, [NFTA_RULE_ID] = {K_U32, NULL},
    [NFTA_RULE_POSITION_ID] = {K_U32, NULL}, [NFTA_RULE_CHAIN_ID] = {K_U32, NULL});

/* The expressions: what nft_decode reads, and two it does not. */
SCHEMA(
    sc_payload, NFTA_PAYLOAD_MAX, [NFTA_PAYLOAD_DREG] = {K_U32, NULL},
    [NFTA_PAYLOAD_BASE] = {K_U32, NULL}, [NFTA_PAYLOAD_OFFSET] = {K_U32, NULL},
    [NFTA_PAYLOAD_LEN] = {K_U32, NULL}, [NFTA_PAYLOAD_SREG] = {K_U32, NULL},
    [NFTA_PAYLOAD_CSUM_TYPE] = {K_U32, NULL}, [NFTA_PAYLOAD_CSUM_OFFSET] = {K_U32, NULL},
    [NFTA_PAYLOAD_CSUM_FLAGS] = {K_U32, NULL});
SCHEMA(sc_meta, NFTA_META_MAX, [NFTA_META_DREG] = {K_U32, NULL},
       [NFTA_META_KEY] = {K_U32, NULL}, [NFTA_META_SREG] = {K_U32, NULL});
SCHEMA(sc_ct, NFTA_CT_MAX, [NFTA_CT_DREG] = {K_U32, NULL}, [NFTA_CT_KEY] = {K_U32, NULL},
       [NFTA_CT_DIRECTION] = {K_U8, NULL}, [NFTA_CT_SREG] = {K_U32, NULL});
SCHEMA(sc_immediate, NFTA_IMMEDIATE_MAX, [NFTA_IMMEDIATE_DREG] = {K_U32, NULL},
       [NFTA_IMMEDIATE_DATA] = {K_NEST, &sc_data});
SCHEMA(sc_bitwise, NFTA_BITWISE_MAX, [NFTA_BITWISE_SREG] = {K_U32, NULL},
       [NFTA_BITWISE_DREG] = {K_U32, NULL}, [NFTA_BITWISE_LEN] = {K_U32, NULL},
       [NFTA_BITWISE_MASK] = {K_NEST, &sc_data}, [NFTA_BITWISE_XOR] = {K_NEST, &sc_data},
       [NFTA_BITWISE_OP] = {K_U32, NULL}, [NFTA_BITWISE_DATA] = {K_NEST, &sc_data});
SCHEMA(sc_cmp, NFTA_CMP_MAX, [NFTA_CMP_SREG] = {K_U32, NULL},
       [NFTA_CMP_OP] = {K_U32, NULL}, [NFTA_CMP_DATA] = {K_NEST, &sc_data});
SCHEMA(sc_range, NFTA_RANGE_MAX, [NFTA_RANGE_SREG] = {K_U32, NULL},
       [NFTA_RANGE_OP] = {K_U32, NULL}, [NFTA_RANGE_FROM_DATA] = {K_NEST, &sc_data},
       [NFTA_RANGE_TO_DATA] = {K_NEST, &sc_data});
SCHEMA(sc_lookup, NFTA_LOOKUP_MAX, [NFTA_LOOKUP_SET] = {K_STR, NULL},
       [NFTA_LOOKUP_SREG] = {K_U32, NULL}, [NFTA_LOOKUP_DREG] = {K_U32, NULL},
       [NFTA_LOOKUP_SET_ID] = {K_U32, NULL}, [NFTA_LOOKUP_FLAGS] = {K_U32, NULL});
SCHEMA(sc_reject, NFTA_REJECT_MAX, [NFTA_REJECT_TYPE] = {K_U32, NULL},
       [NFTA_REJECT_ICMP_CODE] = {K_U8, NULL});
SCHEMA(sc_log,
       NFTA_LOG_MAX, [NFTA_LOG_GROUP] = {K_U16, NULL}, [NFTA_LOG_PREFIX] = {K_STR, NULL},
       [NFTA_LOG_SNAPLEN] = {K_U32, NULL}, [NFTA_LOG_QTHRESHOLD] = {K_U16, NULL},
       [NFTA_LOG_LEVEL] = {K_U32, NULL}, [NFTA_LOG_FLAGS] = {K_U32, NULL});
SCHEMA(sc_limit, NFTA_LIMIT_MAX, [NFTA_LIMIT_RATE] = {K_U64, NULL},
       [NFTA_LIMIT_UNIT] = {K_U64, NULL}, [NFTA_LIMIT_BURST] = {K_U32, NULL},
       [NFTA_LIMIT_TYPE] = {K_U32, NULL}, [NFTA_LIMIT_FLAGS] = {K_U32, NULL});
SCHEMA(sc_dynset, NFTA_DYNSET_MAX, [NFTA_DYNSET_SET_NAME] = {K_STR, NULL},
       [NFTA_DYNSET_SET_ID] = {K_U32, NULL}, [NFTA_DYNSET_OP] = {K_U32, NULL},
       [NFTA_DYNSET_SREG_KEY] = {K_U32, NULL}, [NFTA_DYNSET_SREG_DATA] = {K_U32, NULL},
       [NFTA_DYNSET_TIMEOUT] = {K_U64, NULL}, [NFTA_DYNSET_EXPR] = {K_EXPR, NULL},
       [NFTA_DYNSET_FLAGS] = {K_U32, NULL}, [NFTA_DYNSET_EXPRESSIONS] = {K_EXPRS, NULL});
SCHEMA(sc_counter, NFTA_COUNTER_MAX, [NFTA_COUNTER_BYTES] = {K_U64, NULL},
       [NFTA_COUNTER_PACKETS] = {K_U64, NULL});
SCHEMA(sc_fib, NFTA_FIB_MAX, [NFTA_FIB_DREG] = {K_U32, NULL},
       [NFTA_FIB_RESULT] = {K_U32, NULL}, [NFTA_FIB_FLAGS] = {K_U32, NULL});

static const struct {
	const char *name;
	const struct schema *data;
} exprs[] = {{"payload", &sc_payload}, {"meta", &sc_meta},
	     {"ct", &sc_ct},	       {"immediate", &sc_immediate},
	     {"bitwise", &sc_bitwise}, {"cmp", &sc_cmp},
	     {"range", &sc_range},     {"lookup", &sc_lookup},
	     {"reject", &sc_reject},   {"log", &sc_log},
	     {"limit", &sc_limit},     {"dynset", &sc_dynset},
	     {"counter", &sc_counter}, {"fib", &sc_fib}};

static bool nest_ok(const struct nlattr *nest, const struct schema *s);
static bool expr_ok(const struct nlattr *e);

/* NUL-terminated, as the kernel sends them: libnftnl strdup()s them
 * without looking. */
static bool str_ok(const struct nlattr *a)
{
	uint16_t n = mnl_attr_get_payload_len(a);

	return n > 0 && !((const char *)mnl_attr_get_payload(a))[n - 1];
}

/* A code, and a chain when it jumps. */
static bool verdict_ok(const struct nlattr *v)
{
	const struct nlattr *a, *code = NULL, *chain = NULL;
	uint32_t c;

	mnl_attr_for_each_nested(a, v)
	{
		if (mnl_attr_get_type(a) == NFTA_VERDICT_CODE)
			code = a;
		else if (mnl_attr_get_type(a) == NFTA_VERDICT_CHAIN)
			chain = a;
	}
	if (!code)
		return false;
	c = ntohl(mnl_attr_get_u32(code));
	return chain || (c != (uint32_t)NFT_JUMP && c != (uint32_t)NFT_GOTO);
}

static bool nest_len_ok(const struct nlattr *a)
{
	uint16_t n = mnl_attr_get_payload_len(a);

	return n == 0 || n >= MNL_ATTR_HDRLEN;
}

/* Every child of a (a list) passes ok, or nest_ok with s. */
static bool list_ok(const struct nlattr *a, const struct schema *s)
{
	const struct nlattr *c;

	if (!nest_len_ok(a))
		return false;
	mnl_attr_for_each_nested(c, a)
	{
		if (s ? !nest_len_ok(c) || !nest_ok(c, s) : !expr_ok(c))
			return false;
	}
	return true;
}

static bool attr_ok(const struct nlattr *a, const struct schema *s)
{
	uint16_t type = mnl_attr_get_type(a), n = mnl_attr_get_payload_len(a);
	const struct field *f = type <= s->max ? &s->f[type] : NULL;

	if (!f)
		return false;
	switch (f->kind) {
	case K_U8:
		return n == 1;
	case K_U16:
		return n == 2;
	case K_U32:
		return n == 4;
	case K_U64:
		return n == 8;
	case K_STR:
		return str_ok(a);
	case K_NEST:
		return nest_len_ok(a) && (!f->sub || nest_ok(a, f->sub));
	case K_LIST:
		return list_ok(a, f->sub);
	case K_EXPR:
		return nest_len_ok(a) && expr_ok(a);
	case K_EXPRS:
		return list_ok(a, NULL);
	case K_VERDICT:
		return nest_len_ok(a) && nest_ok(a, f->sub) && verdict_ok(a);
	default:
		return true;
	}
}

static bool nest_ok(const struct nlattr *nest, const struct schema *s)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest)
	{
		if (!attr_ok(a, s))
			return false;
	}
	return true;
}

/* An expression with a name we know (libnftnl reads the last one) and its
 * data as that expression's. */
static bool expr_ok(const struct nlattr *e)
{
	const struct nlattr *a, *name = NULL;
	const struct schema *data = NULL;

	mnl_attr_for_each_nested(a, e)
	{
		if (mnl_attr_get_type(a) == NFTA_EXPR_NAME)
			name = a;
	}
	for (size_t i = 0; name && str_ok(name) && i < ARRAY_SIZE(exprs); i++)
		if (streq(mnl_attr_get_str(name), exprs[i].name))
			data = exprs[i].data;
	if (!data)
		return false;
	mnl_attr_for_each_nested(a, e)
	{
		uint16_t type = mnl_attr_get_type(a);

		if (type > NFTA_EXPR_MAX || (type == NFTA_EXPR_NAME && !str_ok(a)) ||
		    (type == NFTA_EXPR_DATA && (!nest_len_ok(a) || !nest_ok(a, data))))
			return false;
	}
	return true;
}

static const struct schema *const msg_schemas[] = {&sc_chain, &sc_set, &sc_elems,
						   &sc_rule};

/* Message nlh of kind c as libnftnl may parse it. */
static bool msg_ok(const struct nlmsghdr *nlh, enum chunk c)
{
	const struct nlattr *a, *b, *d, *f;
	unsigned fields = 0;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
	{
		if (!attr_ok(a, msg_schemas[c]))
			return false;
		if (c != C_SET || mnl_attr_get_type(a) != NFTA_SET_DESC)
			continue;
		mnl_attr_for_each_nested(b, a)
		{
			if (mnl_attr_get_type(b) != NFTA_SET_DESC_CONCAT)
				continue;
			mnl_attr_for_each_nested(d, b) mnl_attr_for_each_nested(f, d)
			    fields += mnl_attr_get_type(f) == NFTA_SET_FIELD_LEN;
		}
	}
	return fields <= NFT_REG32_COUNT;
}

/* Appends attribute a as it is (header, payload, padding). */
static void put_raw(struct nlmsghdr *out, const struct nlattr *a)
{
	memcpy((char *)out + out->nlmsg_len, a, a->nla_len);
	out->nlmsg_len += MNL_ALIGN(a->nla_len);
}

/* An element message with the elements of each list in reverse order. */
static struct nlmsghdr *reversed(const struct nlmsghdr *nlh)
{
	struct nlmsghdr *out = xcalloc(1, nlh->nlmsg_len); /* never longer */
	const struct nlattr *a, *e, **v = NULL;

	memcpy(out, nlh, HDR_LEN);
	out->nlmsg_len = HDR_LEN;
	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
	{
		struct nlattr *nest = (struct nlattr *)((char *)out + out->nlmsg_len);
		size_t n = 0;

		if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS ||
		    !nest_len_ok(a)) {
			put_raw(out, a);
			continue;
		}
		mnl_attr_for_each_nested(e, a)
		{
			v = xrealloc(v, (n + 1) * sizeof(*v));
			v[n++] = e;
		}
		memcpy(nest, a, MNL_ATTR_HDRLEN);
		out->nlmsg_len += MNL_ATTR_HDRLEN;
		while (n > 0)
			put_raw(out, v[--n]);
		nest->nla_len = (uint16_t)((char *)out + out->nlmsg_len - (char *)nest);
	}
	free(v);
	return out;
}

/* What one read-back returned, as libnftnl objects. */
struct readback {
	int family;
	struct nftnl_chain *chains[MAX_MSGS];
	size_t n_chains;
	struct nftnl_set *sets[MAX_SETS];
	size_t n_sets;
	struct nftnl_rule *rules[MAX_MSGS];
	size_t n_rules;
	bool elems_failed; /* an element message did not parse */
	bool have_elems;
};

static void rb_free(struct readback *rb)
{
	for (size_t i = 0; i < rb->n_chains; i++)
		nftnl_chain_free(rb->chains[i]);
	for (size_t i = 0; i < rb->n_sets; i++)
		nftnl_set_free(rb->sets[i]);
	for (size_t i = 0; i < rb->n_rules; i++)
		nftnl_rule_free(rb->rules[i]);
}

/* One message, parsed as nft_backend.c's read-back callbacks do; an object
 * that does not parse is dropped (the read-back would fail on it). */
static void rb_msg(struct readback *rb, enum chunk c, struct nlmsghdr *nlh)
{
	if (!msg_ok(nlh, c))
		return;
	if (c == C_CHAIN) {
		struct nftnl_chain *ch = nftnl_chain_alloc();

		if (nftnl_chain_nlmsg_parse(nlh, ch) < 0)
			nftnl_chain_free(ch);
		else
			rb->chains[rb->n_chains++] = ch;
	} else if (c == C_SET && rb->n_sets < MAX_SETS) {
		struct nftnl_set *s = nftnl_set_alloc();

		if (nftnl_set_nlmsg_parse(nlh, s) < 0)
			nftnl_set_free(s);
		else
			rb->sets[rb->n_sets++] = s;
	} else if (c == C_ELEMS && rb->n_sets > 0) {
		rb->have_elems = true;
		if (nftnl_set_elems_nlmsg_parse(nlh, rb->sets[rb->n_sets - 1]) < 0)
			rb->elems_failed = true;
	} else if (c == C_RULE) {
		struct nftnl_rule *r = nftnl_rule_alloc();

		if (nftnl_rule_nlmsg_parse(nlh, r) < 0)
			nftnl_rule_free(r);
		else
			rb->rules[rb->n_rules++] = r;
	}
}

/* Splits the input into messages; rev: element lists reversed. */
static void rb_read(struct readback *rb, const uint8_t *data, size_t size, bool rev)
{
	const uint8_t *p = data + 1, *end = data + size;
	unsigned n = 0;

	memset(rb, 0, sizeof(*rb));
	rb->family = data[0] & 1 ? 6 : 4;
	while (p < end && n < MAX_MSGS) {
		const uint8_t *sep = memmem(p, (size_t)(end - p), SEP, SEP_LEN);
		const uint8_t *stop = sep ? sep : end;

		if (stop > p) {
			enum chunk c = (enum chunk)(*p % 4);
			struct nlmsghdr *nlh =
			    wrap(c, rb->family, p + 1, (size_t)(stop - p - 1));

			if (rev && c == C_ELEMS) {
				struct nlmsghdr *r = reversed(nlh);

				free(nlh);
				nlh = r;
			}
			rb_msg(rb, c, nlh);
			free(nlh);
			n++;
		}
		p = sep ? sep + SEP_LEN : end;
	}
}

/* ---- the bound on the decoder's output ---- */

struct rule_cost {
	const struct readback *rb;
	size_t exprs, elems;
};

static int count_elem(struct nftnl_set_elem *e, void *arg)
{
	(void)e;
	++*(size_t *)arg;
	return 0;
}

static int cost_expr(struct nftnl_expr *e, void *arg)
{
	struct rule_cost *c = arg;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
	const char *set = nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET);

	c->exprs++;
	if (!name || !streq(name, "lookup") || !set)
		return 0;
	for (size_t i = 0; i < c->rb->n_sets; i++) {
		const char *s = nftnl_set_get_str(c->rb->sets[i], NFTNL_SET_NAME);

		if (s && streq(s, set))
			nftnl_set_elem_foreach(c->rb->sets[i], count_elem, &c->elems);
	}
	return 0;
}

/* A rule expands to a line per statement and set element (each element up
 * to 256 lines): rules past MAX_WORK are left out, to keep each run short. */
static bool within_budget(const struct readback *rb, struct nftnl_rule *r, size_t *work)
{
	struct rule_cost c = {rb, 0, 0};

	nftnl_expr_foreach(r, cost_expr, &c);
	*work += c.exprs * (c.elems ? c.elems : 1);
	return *work <= MAX_WORK;
}

/* ---- the decoder and its properties ---- */

/* The objects into t as nft_backend's read-back adds them: sets (with their
 * elements), chains, rules. */
static void decode(struct readback *rb, struct nftd_table *t)
{
	size_t work = 0;

	nftd_init(t, rb->family);
	for (size_t i = 0; i < rb->n_sets; i++)
		nftd_add_set(t, rb->sets[i]);
	for (size_t i = 0; i < rb->n_chains; i++)
		nftd_add_chain(t, rb->chains[i]);
	for (size_t i = 0; i < rb->n_rules; i++)
		if (within_budget(rb, rb->rules[i], &work))
			nftd_add_rule(t, rb->rules[i]);
}

/* reach's input is lines of words: a ":" line per chain, "-A" lines, no
 * control character that would split or join them. */
static void check_lines(const struct strbuf *text, size_t n_chains)
{
	const char *s = sb_str(text), *end = s + text->len;
	size_t colons = 0;

	check(strlen(s) == text->len && (!text->len || end[-1] == '\n'));
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));

		check(*s == ':' || str_startswith(s, "-A "));
		colons += *s == ':';
		for (; s < nl; s++)
			check((unsigned char)*s >= ' ' && *s != 0x7f);
		s = nl + 1;
	}
	check(colons == n_chains);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct readback rb, rev;
	struct nftd_table t, u;
	struct strbuf text = {0}, canon = {0}, canon2 = {0};
	struct reach_ruleset rs = {0};

	if (size < 1)
		return 0;
	rb_read(&rb, data, size, false);
	decode(&rb, &t);
	nftd_reach_text(&t, &text);
	nftd_canon(&t, &canon);
	if (getenv("UFWD_NFT_DUMP"))
		fprintf(stderr, "%s---\n%s===\n", sb_str(&text), sb_str(&canon));
	check_lines(&text, t.n_chains);
	/* what live_nft does with it */
	check(reach_parse(&rs, t.family, sb_str(&text)) == 0);
	for (size_t i = 0; i < t.n_chains; i++)
		check(reach_has_chain(&rs, t.chains[i].name));
	/* The canonical text does not depend on the order of the elements. */
	if (rb.have_elems && !rb.elems_failed) {
		rb_read(&rev, data, size, true);
		check(!rev.elems_failed);
		decode(&rev, &u);
		nftd_canon(&u, &canon2);
		if (getenv("UFWD_NFT_DUMP"))
			fprintf(stderr, "%s=== (elements reversed)\n", sb_str(&canon2));
		check(canon.len == canon2.len &&
		      !memcmp(sb_str(&canon), sb_str(&canon2), canon.len));
		nftd_free(&u);
		rb_free(&rev);
	}
	reach_ruleset_free(&rs);
	nftd_free(&t);
	rb_free(&rb);
	sb_free(&text);
	sb_free(&canon);
	sb_free(&canon2);
	return 0;
}

/* ---- seeds: UFWD_NFT_SEEDS=DIR fuzz_nft_decode writes them into DIR ---- */

/* Appends the payload of message nlh as a chunk of type c. */
static void put_chunk(struct strbuf *out, enum chunk c, const struct nlmsghdr *nlh)
{
	const char *p = mnl_nlmsg_get_payload_offset(nlh, sizeof(struct nfgenmsg));
	size_t n = (size_t)((const char *)nlh + nlh->nlmsg_len - p);

	check(!memmem(p, n, SEP, SEP_LEN)); /* else pick another SEP */
	sb_addn(out, SEP, SEP_LEN);
	sb_addc(out, (char)c);
	sb_addn(out, p, n);
}

static struct nlmsghdr *seed_hdr(char *buf, enum chunk c, int family)
{
	memset(buf, 0, 65536);
	return nftnl_nlmsg_build_hdr(buf, msg_types[c],
				     family == 6 ? NFPROTO_IPV6 : NFPROTO_IPV4, 0, 0);
}

static void seed_chain(struct strbuf *out, int family, struct nftnl_chain *ch)
{
	static char buf[65536];
	struct nlmsghdr *nlh = seed_hdr(buf, C_CHAIN, family);

	nftnl_chain_nlmsg_build_payload(nlh, ch);
	put_chunk(out, C_CHAIN, nlh);
	nftnl_chain_free(ch);
}

/* libnftnl numbers the elements it builds 1, 2, ... (the kernel takes any
 * type); the kernel dumps each as NFTA_LIST_ELEM, as libnftnl parses them. */
static void as_dumped(struct nlmsghdr *nlh)
{
	struct nlattr *a, *e;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
	{
		if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS)
			continue;
		mnl_attr_for_each_nested(e, a) e->nla_type = NFTA_LIST_ELEM;
	}
}

/* The set's declaration, then its elements when it has some. */
static void seed_set(struct strbuf *out, int family, struct nftnl_set *s)
{
	static char buf[65536];
	struct nlmsghdr *nlh = seed_hdr(buf, C_SET, family);
	size_t n = 0;

	nftnl_set_nlmsg_build_payload(nlh, s);
	put_chunk(out, C_SET, nlh);
	nftnl_set_elem_foreach(s, count_elem, &n);
	if (n) {
		nlh = seed_hdr(buf, C_ELEMS, family);
		nftnl_set_elems_nlmsg_build_payload(nlh, s);
		as_dumped(nlh);
		put_chunk(out, C_ELEMS, nlh);
	}
	nftnl_set_free(s);
}

static void seed_rule(struct strbuf *out, int family, struct nftnl_rule *r)
{
	static char buf[65536];
	struct nlmsghdr *nlh = seed_hdr(buf, C_RULE, family);

	nftnl_rule_nlmsg_build_payload(nlh, r);
	put_chunk(out, C_RULE, nlh);
	nftnl_rule_free(r);
}

static void seed_write(const char *dir, const char *name, const struct strbuf *sb)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(sb_str(sb), 1, sb->len, f) != sb->len || fclose(f)) {
		perror(path);
		exit(1);
	}
	free(path);
}

/* Our own tables, as nft_push builds them (the worlds of test_nft_decode). */
static const struct world {
	const char *name;
	enum ufw_family fam;
	enum ufw_policy policy;
	enum ufw_loglevel level;
	const char *tuples[12];
} worlds[] = {
    {"ours-v4-drop",
     UFW_V4,
     UFW_POLICY_DROP,
     UFW_LOGLEVEL_LOW,
     {"deny any any 0.0.0.0/0 any 198.51.100.128/25 in",
      "allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in",
      "allow tcp 5432 0.0.0.0/0 any 203.0.113.42 in",
      "allow tcp 5432 0.0.0.0/0 any 198.51.100.0/24 in_eth0",
      "limit tcp 22 0.0.0.0/0 any 0.0.0.0/0 in",
      "reject tcp 25 0.0.0.0/0 any 0.0.0.0/0 in",
      "allow tcp 8000:8080 198.51.100.1 any 0.0.0.0/0 in",
      "allow any 53 0.0.0.0/0 any 10.0.0.0/8 in",
      "deny udp 9000 0.0.0.0/0 any 0.0.0.0/0 in",
      "allow udp 9000:9010 0.0.0.0/0 any 0.0.0.0/0 in",
      "route:deny tcp 5432 203.0.113.2 any 203.0.113.99 in_eth1!out_docker0"}},
    {"ours-v4-accept",
     UFW_V4,
     UFW_POLICY_ACCEPT,
     UFW_LOGLEVEL_MEDIUM,
     {"deny tcp 5432 0.0.0.0/0 any 0.0.0.0/0 in",
      "allow tcp 5432 0.0.0.0/0 any 198.51.100.7 in",
      "reject_log-all udp 53 0.0.0.0/0 any 0.0.0.0/0 in",
      "deny tcp 8080 198.51.100.1 any 0.0.0.0/0 in_eth0"}},
    {"ours-v6-drop",
     UFW_V6,
     UFW_POLICY_DROP,
     UFW_LOGLEVEL_HIGH,
     {"allow tcp 80 ::/0 any ::/0 in", "allow tcp 5432 ::/0 any 2001:db8:2::/48 in",
      "deny tcp 5432 ::/0 any 2001:db8:2:1::/64 in", "limit tcp 22 ::/0 any ::/0 in",
      "reject udp 53 2001:db8::1 any ::/0 in"}},
};

static void seed_world(const char *dir, const struct world *w)
{
	static char *ifaces[] = {"docker0", "br-+"};
	struct ufwd_config cfg = {.internal_ifaces = ifaces, .n_internal_ifaces = 2};
	struct ufw_state st = {.ipv6 = true,
			       .enabled = true,
			       .input_policy = w->policy,
			       .forward_policy = UFW_POLICY_DROP,
			       .loglevel = w->level};
	int family = w->fam == UFW_V6 ? 6 : 4;
	struct ufw_ruleset rs = {0};
	struct nftb_table t = {0};
	struct strbuf out = {0};
	struct diag d;

	diag_init(&d, stderr);
	for (unsigned i = 0; i < ARRAY_SIZE(w->tuples) && w->tuples[i]; i++)
		check(ufw_ruleset_add_tuple(&rs, w->tuples[i], w->fam, "user.rules",
					    i + 1, &d) == 1);
	check(nftb_build(&rs, w->fam, &st, &cfg, &t, &d) == 0);
	sb_addc(&out, (char)(family == 6));
	for (size_t i = 0; i <= t.n_sets; i++)
		seed_set(&out, family, nftb_set_obj(&t, i));
	for (unsigned c = 0; c < NFTB_C_COUNT; c++)
		seed_chain(&out, family, nftb_chain_obj(&t, c));
	for (size_t i = 0; i < t.n_rules; i++)
		seed_rule(&out, family, nftb_rule_obj(&t, i));
	seed_write(dir, w->name, &out);
	sb_free(&out);
	nftb_free(&t);
	ufw_ruleset_free(&rs);
	diag_free(&d);
}

/* ---- hand edits: the shapes nft and iptables-nft write ---- */

static struct nftnl_expr *x_add(struct nftnl_rule *r, const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);

	nftnl_rule_add_expr(r, e);
	return e;
}

/* meta or ct KEY into register reg (ct: dir >= 0 for the original tuple). */
static void x_load(struct nftnl_rule *r, const char *what, uint32_t key, int dir,
		   uint32_t reg)
{
	bool ct = streq(what, "ct");
	struct nftnl_expr *e = x_add(r, what);

	nftnl_expr_set_u32(e, ct ? NFTNL_EXPR_CT_KEY : NFTNL_EXPR_META_KEY, key);
	if (dir >= 0)
		nftnl_expr_set_u8(e, NFTNL_EXPR_CT_DIR, (uint8_t)dir);
	nftnl_expr_set_u32(e, ct ? NFTNL_EXPR_CT_DREG : NFTNL_EXPR_META_DREG, reg);
}

static void x_payload(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len,
		      uint32_t reg)
{
	struct nftnl_expr *e = x_add(r, "payload");

	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, reg);
}

/* ip saddr (or daddr) into reg. */
static void x_addr(struct nftnl_rule *r, int family, bool dst, uint32_t reg)
{
	x_payload(r, NFT_PAYLOAD_NETWORK_HEADER,
		  family == 6 ? (dst ? 24 : 8) : (dst ? 16 : 12), family == 6 ? 16 : 4,
		  reg);
}

static void x_cmp(struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = x_add(r, "cmp");

	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
}

static void x_mask(struct nftnl_rule *r, const void *mask, const void * xor, uint32_t len)
{
	struct nftnl_expr *e = x_add(r, "bitwise");

	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, xor, len);
}

static void x_range(struct nftnl_rule *r, uint32_t op, uint16_t lo, uint16_t hi)
{
	struct nftnl_expr *e = x_add(r, "range");
	uint16_t a = htons(lo), b = htons(hi);

	nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_RANGE_FROM_DATA, &a, 2);
	nftnl_expr_set(e, NFTNL_EXPR_RANGE_TO_DATA, &b, 2);
}

static void x_verdict(struct nftnl_rule *r, int v, const char *chain)
{
	struct nftnl_expr *e = x_add(r, "immediate");

	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)v);
	if (chain)
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
}

static void x_lookup(struct nftnl_rule *r, const char *set, uint32_t reg)
{
	struct nftnl_expr *e = x_add(r, "lookup");

	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, reg);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
}

static struct nftnl_expr *x_limit(uint64_t rate, uint32_t burst, bool over)
{
	struct nftnl_expr *e = nftnl_expr_alloc("limit");

	nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_RATE, rate);
	nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_UNIT, 60);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_BURST, burst);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_TYPE, NFT_LIMIT_PKTS);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_FLAGS, over ? NFT_LIMIT_F_INV : 0);
	return e;
}

static struct nftnl_rule *h_rule(const char *chain)
{
	struct nftnl_rule *r = nftnl_rule_alloc();

	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NFTB_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	return r;
}

static struct nftnl_chain *h_chain(const char *name, int hook, uint32_t policy)
{
	struct nftnl_chain *c = nftnl_chain_alloc();

	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, NFTB_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	if (hook >= 0) {
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, (uint32_t)hook);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, 0);
		nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
		nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, policy);
	}
	return c;
}

static struct nftnl_set *h_set(const char *name, uint32_t flags, uint32_t type,
			       uint32_t len)
{
	struct nftnl_set *s = nftnl_set_alloc();

	nftnl_set_set_str(s, NFTNL_SET_TABLE, NFTB_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, flags);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, type);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, len);
	return s;
}

static void h_elem(struct nftnl_set *s, const void *key, const void *end, uint32_t len,
		   uint32_t flags)
{
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();

	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, len);
	if (end)
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY_END, end, len);
	if (flags)
		nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_FLAGS, flags);
	nftnl_set_elem_add(s, e);
}

/* An address of family: v4 a.b.c.d, v6 2001:db8::a.b.c.d. */
static void h_addr(int family, const uint8_t v4[4], uint8_t out[16])
{
	static const uint8_t pre[12] = {0x20, 0x01, 0x0d, 0xb8};

	memset(out, 0, 16);
	if (family == 6)
		memcpy(out, pre, 12);
	memcpy(out + (family == 6 ? 12 : 0), v4, 4);
}

/* nets: an rbtree interval set, dumped highest first, two adjacent ranges;
 * ports: a plain set; pairs: addr . port (pipapo, with key ends); ifs. */
static void shape_sets(struct strbuf *out, int family)
{
	static const uint8_t ends[][4] = {{203, 0, 113, 12}, {203, 0, 113, 8},
					  {198, 51, 102, 0}, {198, 51, 101, 0},
					  {198, 51, 101, 0}, {198, 51, 100, 0}};
	static const uint8_t end_flag[] = {1, 0, 1, 1, 0, 0};
	uint8_t alen = family == 6 ? 16 : 4, a[16], b[16], key[20] = {0}, kend[20] = {0};
	uint8_t lens[2] = {alen, 2}, ifs[2][16] = {"eth0", "br-"};
	uint32_t atype = family == 6 ? 8 : 7;
	uint16_t ports[] = {htons(22), htons(80), htons(443)};
	struct nftnl_set *s = h_set("nets", NFT_SET_INTERVAL, atype, alen);

	for (size_t i = 0; i < ARRAY_SIZE(ends); i++) {
		h_addr(family, ends[i], a);
		h_elem(s, a, NULL, alen, end_flag[i] ? NFT_SET_ELEM_INTERVAL_END : 0);
	}
	seed_set(out, family, s);
	s = h_set("ports", 0, 13, 2);
	for (size_t i = 0; i < ARRAY_SIZE(ports); i++)
		h_elem(s, &ports[i], NULL, 2, 0);
	seed_set(out, family, s);
	s = h_set("pairs", NFT_SET_INTERVAL | NFT_SET_CONCAT, atype << 6 | 13, alen + 4u);
	nftnl_set_set_data(s, NFTNL_SET_DESC_CONCAT, lens, sizeof(lens));
	h_addr(family, (const uint8_t[]){10, 0, 0, 0}, a);
	h_addr(family, (const uint8_t[]){10, 255, 255, 255}, b);
	memcpy(key, a, alen);
	memcpy(kend, b, alen);
	key[alen + 1] = kend[alen + 1] = 80;
	h_elem(s, key, kend, alen + 4u, 0);
	seed_set(out, family, s);
	/* "eth0", "br-*": each from its start to one past its end */
	s = h_set("ifs", NFT_SET_INTERVAL, 41, 16);
	for (int i = 0; i < 2; i++) {
		memcpy(b, ifs[i], 16);
		b[i ? 2 : 15]++;
		h_elem(s, b, NULL, 16, NFT_SET_ELEM_INTERVAL_END);
		h_elem(s, ifs[i], NULL, 16, 0);
	}
	seed_set(out, family, s);
	s = h_set(NFTB_LIMIT_SET, NFT_SET_EVAL | NFT_SET_TIMEOUT, atype, alen);
	seed_set(out, family, s);
}

static void shape_chains(struct strbuf *out, int family)
{
	seed_chain(out, family, h_chain("forward", NF_INET_FORWARD, NF_DROP));
	seed_chain(out, family, h_chain("user", -1, 0));
	seed_chain(out, family, h_chain("x", -1, 0));
}

static void shape_rules(struct strbuf *out, int family)
{
	static const uint8_t net[4] = {198, 51, 100, 0};
	uint8_t alen = family == 6 ? 16 : 4, a[16], m[16], z[16] = {0}, tcp = 6, orig = 0;
	uint32_t bits =
	    NF_CT_STATE_BIT(IP_CT_ESTABLISHED) | NF_CT_STATE_BIT(IP_CT_RELATED);
	uint32_t zero = 0, dnat = IPS_DST_NAT, mark = 1, mmask = 0xff, nmask = ~0x100000u,
		 nxor = 0x100000;
	uint16_t port = htons(5432);
	char eth[16] = "eth0";
	struct nftnl_rule *r;
	struct nftnl_expr *e;

	h_addr(family, net, a);
	memset(m, 0xff, 16);
	m[alen - 1] = 0;
	/* ct state established,related accept */
	r = h_rule("forward");
	x_load(r, "ct", NFT_CT_STATE, -1, NFT_REG_1);
	x_mask(r, &bits, &zero, 4);
	x_cmp(r, NFT_CMP_NEQ, &zero, 4);
	x_add(r, "counter");
	x_verdict(r, NF_ACCEPT, NULL);
	seed_rule(out, family, r);
	/* ip saddr NET/24 meta l4proto tcp tcp dport 8000-8080 iifname "br-*" accept */
	r = h_rule("forward");
	x_addr(r, family, false, NFT_REG_1);
	x_mask(r, m, z, alen);
	x_cmp(r, NFT_CMP_EQ, a, alen);
	x_load(r, "meta", NFT_META_L4PROTO, -1, NFT_REG_1);
	x_cmp(r, NFT_CMP_EQ, &tcp, 1);
	x_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG_1);
	x_range(r, NFT_RANGE_EQ, 8000, 8080);
	x_load(r, "meta", NFT_META_IIFNAME, -1, NFT_REG_1);
	x_cmp(r, NFT_CMP_EQ, "br-", 3);
	x_verdict(r, NF_ACCEPT, NULL);
	seed_rule(out, family, r);
	/* oifname != "eth0" th sport != 1-1023 goto x */
	r = h_rule("forward");
	x_load(r, "meta", NFT_META_OIFNAME, -1, NFT_REG_1);
	x_cmp(r, NFT_CMP_NEQ, eth, 16);
	x_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 2, NFT_REG_1);
	x_range(r, NFT_RANGE_NEQ, 1, 1023);
	x_verdict(r, NFT_GOTO, "x");
	seed_rule(out, family, r);
	/* ip saddr @nets drop */
	r = h_rule("forward");
	x_addr(r, family, false, NFT_REG_1);
	x_lookup(r, "nets", NFT_REG_1);
	x_verdict(r, NF_DROP, NULL);
	seed_rule(out, family, r);
	/* meta l4proto tcp th dport @ports log prefix "p \"q\"" accept */
	r = h_rule("forward");
	x_load(r, "meta", NFT_META_L4PROTO, -1, NFT_REG_1);
	x_cmp(r, NFT_CMP_EQ, &tcp, 1);
	x_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG_1);
	x_lookup(r, "ports", NFT_REG_1);
	e = x_add(r, "log");
	nftnl_expr_set_str(e, NFTNL_EXPR_LOG_PREFIX, "p \"q\" \\");
	x_verdict(r, NF_ACCEPT, NULL);
	seed_rule(out, family, r);
	/* ip saddr . th dport @pairs accept */
	r = h_rule("forward");
	x_addr(r, family, false, NFT_REG32_00);
	x_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG32_00 + alen / 4u);
	x_lookup(r, "pairs", NFT_REG32_00);
	x_verdict(r, NF_ACCEPT, NULL);
	seed_rule(out, family, r);
	/* iifname @ifs jump user */
	r = h_rule("forward");
	x_load(r, "meta", NFT_META_IIFNAME, -1, NFT_REG_1);
	x_lookup(r, "ifs", NFT_REG_1);
	x_verdict(r, NFT_JUMP, "user");
	seed_rule(out, family, r);
	/* meta mark & 0xff == 1 meta mark set meta mark | 0x100000 accept */
	r = h_rule("forward");
	x_load(r, "meta", NFT_META_MARK, -1, NFT_REG_1);
	x_mask(r, &mmask, &zero, 4);
	x_cmp(r, NFT_CMP_EQ, &mark, 4);
	x_load(r, "meta", NFT_META_MARK, -1, NFT_REG_1);
	x_mask(r, &nmask, &nxor, 4);
	e = x_add(r, "meta");
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, NFT_META_MARK);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_SREG, NFT_REG_1);
	x_verdict(r, NF_ACCEPT, NULL);
	seed_rule(out, family, r);
	/* ct direction original ct status dnat ct original daddr, proto-dst */
	r = h_rule("forward");
	x_load(r, "ct", NFT_CT_DIRECTION, -1, NFT_REG_1);
	x_cmp(r, NFT_CMP_EQ, &orig, 1);
	x_load(r, "ct", NFT_CT_STATUS, -1, NFT_REG_1);
	x_mask(r, &dnat, &zero, 4);
	x_cmp(r, NFT_CMP_NEQ, &zero, 4);
	x_load(r, "ct", family == 6 ? NFT_CT_DST_IP6 : NFT_CT_DST_IP, 0, NFT_REG_1);
	x_cmp(r, NFT_CMP_EQ, a, alen);
	x_load(r, "ct", NFT_CT_PROTO_DST, 0, NFT_REG_1);
	x_cmp(r, NFT_CMP_EQ, &port, 2);
	x_verdict(r, NFT_JUMP, "user");
	seed_rule(out, family, r);
	/* update @limit_src { ip saddr limit rate over 2/minute } drop */
	r = h_rule("user");
	x_addr(r, family, false, NFT_REG_1);
	e = x_add(r, "dynset");
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SREG_KEY, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_OP, NFT_DYNSET_OP_UPDATE);
	nftnl_expr_set_str(e, NFTNL_EXPR_DYNSET_SET_NAME, NFTB_LIMIT_SET);
	nftnl_expr_add_expr(e, NFTNL_EXPR_DYNSET_EXPRESSIONS, x_limit(2, 5, true));
	x_verdict(r, NF_DROP, NULL);
	seed_rule(out, family, r);
	/* limit rate 3/minute burst 5 log prefix "LIM"; reject */
	r = h_rule("user");
	nftnl_rule_add_expr(r, x_limit(3, 5, false));
	e = x_add(r, "log");
	nftnl_expr_set_str(e, NFTNL_EXPR_LOG_PREFIX, "LIM ");
	e = x_add(r, "reject");
	nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE, NFT_REJECT_ICMP_UNREACH);
	nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE, family == 6 ? 4 : 3);
	seed_rule(out, family, r);
	/* fib daddr type local drop; ip daddr != NET return; reject with tcp reset */
	r = h_rule("x");
	x_add(r, "fib");
	x_verdict(r, NF_DROP, NULL);
	seed_rule(out, family, r);
	r = h_rule("x");
	x_addr(r, family, true, NFT_REG_1);
	x_cmp(r, NFT_CMP_NEQ, a, alen);
	x_verdict(r, NFT_RETURN, NULL);
	seed_rule(out, family, r);
	r = h_rule("x");
	e = x_add(r, "reject");
	nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE, NFT_REJECT_TCP_RST);
	seed_rule(out, family, r);
}

/* meta mark set 0x10 (an immediate into a register, then the mark);
 * ip saddr @nets th dport @ports drop (two lookups: undecoded) */
static void shape_rules_2(struct strbuf *out, int family)
{
	uint32_t v = 0x10;
	struct nftnl_rule *r = h_rule("x");
	struct nftnl_expr *e = x_add(r, "immediate");

	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
	nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, &v, sizeof(v));
	e = x_add(r, "meta");
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, NFT_META_MARK);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_SREG, NFT_REG_1);
	seed_rule(out, family, r);
	r = h_rule("x");
	x_addr(r, family, false, NFT_REG_1);
	x_lookup(r, "nets", NFT_REG_1);
	x_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG_1);
	x_lookup(r, "ports", NFT_REG_1);
	x_verdict(r, NF_DROP, NULL);
	seed_rule(out, family, r);
}

static void seed_shapes(const char *dir, int family)
{
	struct strbuf out = {0};

	sb_addc(&out, (char)(family == 6));
	shape_sets(&out, family);
	shape_chains(&out, family);
	shape_rules(&out, family);
	shape_rules_2(&out, family);
	seed_write(dir, family == 6 ? "hand-v6" : "hand-v4", &out);
	sb_free(&out);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv(SEED_ENV);

	(void)argc;
	(void)argv;
	if (!dir)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(worlds); i++)
		seed_world(dir, &worlds[i]);
	seed_shapes(dir, 4);
	seed_shapes(dir, 6);
	exit(0);
}
