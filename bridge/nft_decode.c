/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nft_decode: a symbolic walk over each rule's expressions (what every
 * register holds) that renders the rule as iptables-save words. */
#include "nft_decode.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>

#define KEY_MAX	     64	 /* bytes of a set key: NFT_REG32_COUNT words */
#define NWORDS	     16	 /* 32-bit registers */
#define MAX_ALTS     256 /* lines one set element may expand to */
#define CT_DIR_ORIG  0	 /* enum ip_conntrack_dir, not in the uapi */
#define TYPE_IPV4    7	 /* nft's datatype numbers */
#define TYPE_IPV6    8
#define TYPE_PROTO   12
#define TYPE_SERVICE 13
#define TYPE_IFNAME  41
#define TYPE_BITS    6 /* per field of a concatenated key type */

/* What a register holds. */
enum fk {
	FK_NONE,
	FK_SADDR,
	FK_DADDR,
	FK_OSADDR, /* ct original saddr */
	FK_ODADDR, /* ct original daddr */
	FK_L4PROTO,
	FK_SPORT,
	FK_DPORT,
	FK_OSPORT, /* ct original proto-src */
	FK_ODPORT, /* ct original proto-dst */
	FK_IIF,
	FK_OIF,
	FK_CTSTATE,
	FK_CTSTATUS,
	FK_CTDIR,
	FK_MARK,
	FK_IMM, /* an immediate value */
	FK_OTHER,
};

/* iptables-save words matching a field: "[pre] [!] opt value". */
static const struct {
	const char *pre, *opt;
} fk_opts[] = {
    [FK_SADDR] = {"", "-s"},
    [FK_DADDR] = {"", "-d"},
    [FK_OSADDR] = {"-m conntrack", "--ctorigsrc"},
    [FK_ODADDR] = {"-m conntrack", "--ctorigdst"},
    [FK_L4PROTO] = {"", "-p"},
    [FK_SPORT] = {"", "--sport"},
    [FK_DPORT] = {"", "--dport"},
    [FK_OSPORT] = {"-m conntrack", "--ctorigsrcport"},
    [FK_ODPORT] = {"-m conntrack", "--ctorigdstport"},
    [FK_IIF] = {"", "-i"},
    [FK_OIF] = {"", "-o"},
};

struct elem {
	uint8_t lo[KEY_MAX], hi[KEY_MAX];
};

struct nftd_set {
	char *name;
	uint32_t flags, key_type, key_len;
	uint8_t lens[NWORDS]; /* field lengths in bytes */
	unsigned n_fields;
	struct elem *v;
	size_t n;
	const char *bad; /* why its elements cannot be read, or NULL */
};

/* One line of a rule: the matches before it, then what it does. */
struct action {
	char *words;
	bool after_set; /* the set lookup precedes it */
	char *target;	/* "-j ACCEPT", "-j LOG --log-prefix ..." */
};

struct nftd_rule {
	char *chain;
	char *undecoded; /* what could not be read, or NULL */
	long set;	 /* index in t->sets, -1: none */
	int proto_eq;	 /* meta l4proto == N before the lookup, -1: none */
	enum fk set_fields[NWORDS];
	unsigned n_set_fields;
	struct action *acts;
	size_t n_acts;
};

struct reg {
	enum fk fk;
	unsigned len;
	int plen;    /* address prefix after a bitwise, -1: none */
	bool masked; /* 4-byte values (ct state, mark): mask and xor */
	uint32_t mask, xor;
	uint8_t imm[16]; /* FK_IMM */
};

/* The walk over one rule. */
struct dec {
	const struct nftd_table *t;
	struct nftd_rule *r;
	struct reg reg[NWORDS];
	struct strbuf words;
	uint32_t seen; /* fields matched, one bit per enum fk */
};

/* ---- small helpers ---- */

static unsigned fam_len(int family)
{
	return family == 6 ? 16 : 4;
}

static int reg_word(uint32_t reg)
{
	if (reg >= NFT_REG32_00 && reg < NFT_REG32_00 + NWORDS)
		return (int)(reg - NFT_REG32_00);
	if (reg >= NFT_REG_1 && reg <= NFT_REG_4)
		return (int)(reg - NFT_REG_1) * 4;
	return -1;
}

static void undecoded(struct dec *x, const char *fmt, const char *what)
{
	if (!x->r->undecoded)
		x->r->undecoded = xasprintf(fmt, what);
}

static struct reg *reg_of(struct dec *x, const struct nftnl_expr *e, uint16_t attr)
{
	int w = nftnl_expr_is_set(e, attr) ? reg_word(nftnl_expr_get_u32(e, attr)) : -1;

	if (w < 0) {
		undecoded(x, "%s: a register we do not know",
			  nftnl_expr_get_str(e, NFTNL_EXPR_NAME));
		return NULL;
	}
	return &x->reg[w];
}

static void load(struct dec *x, const struct nftnl_expr *e, uint16_t dreg, enum fk fk,
		 unsigned len)
{
	struct reg *g = reg_of(x, e, dreg);

	if (g)
		*g = (struct reg){.fk = fk, .len = len, .plen = -1};
}

static void add_action(struct dec *x, const char *fmt, const char *arg)
{
	struct nftd_rule *r = x->r;
	struct action *a;

	r->acts = xrealloc(r->acts, (r->n_acts + 1) * sizeof(*r->acts));
	a = &r->acts[r->n_acts++];
	a->words = xstrdup(sb_str(&x->words));
	a->after_set = r->set >= 0;
	a->target = xasprintf(fmt, arg);
}

/* A "..." word as iptables-save quotes it (\" and \\ escaped), on one
 * line: a control character becomes \xHH. */
static char *quoted(const char *s)
{
	struct strbuf b = {0};

	sb_addc(&b, '"');
	for (; *s; s++) {
		if ((unsigned char)*s < ' ' || *s == 0x7f) {
			sb_addf(&b, "\\x%02x", (unsigned char)*s);
			continue;
		}
		if (*s == '"' || *s == '\\')
			sb_addc(&b, '\\');
		sb_addc(&b, *s);
	}
	sb_addc(&b, '"');
	return sb_detach(&b);
}

/* The targets this file writes ("-j DROP"): a chain of that name is not. */
static bool is_target_word(const char *s)
{
	static const char *const t[] = {"ACCEPT", "DROP", "REJECT",	"RETURN",
					"MARK",	  "LOG",  "NFT-VERDICT"};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		if (streq(s, t[i]))
			return true;
	return false;
}

/*
 * A chain or set name (nft takes any bytes) as one iptables-save word that
 * reach reads back as that name and no other: "%XX" for a byte that would
 * split or join words or lines (space, control, '"'), for '%' itself, for
 * the first byte of a target's name, and "%00" for the empty name.
 */
static char *name_word(const char *name)
{
	struct strbuf b = {0};
	bool target;

	if (!name)
		return xstrdup("?");
	if (!*name)
		return xstrdup("%00");
	target = is_target_word(name);
	for (const char *p = name; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= ' ' || c == '"' || c == '%' || c == 0x7f ||
		    (target && p == name))
			sb_addf(&b, "%%%02X", c);
		else
			sb_addc(&b, (char)c);
	}
	return sb_detach(&b);
}

/* ---- loads ---- */

static enum fk payload_field(const struct dec *x, uint32_t base, uint32_t off,
			     uint32_t len)
{
	bool v6 = x->t->family == 6;
	uint32_t alen = fam_len(x->t->family);

	if (base == NFT_PAYLOAD_NETWORK_HEADER && len == alen) {
		if (off == (v6 ? 8u : 12u))
			return FK_SADDR;
		if (off == (v6 ? 24u : 16u))
			return FK_DADDR;
	}
	if (base == NFT_PAYLOAD_TRANSPORT_HEADER && len == 2)
		return off == 0 ? FK_SPORT : off == 2 ? FK_DPORT : FK_OTHER;
	return FK_OTHER;
}

static void ex_payload(struct dec *x, const struct nftnl_expr *e)
{
	uint32_t len = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_LEN);

	if (!nftnl_expr_is_set(e, NFTNL_EXPR_PAYLOAD_DREG)) {
		undecoded(x, "%s", "payload write");
		return;
	}
	load(x, e, NFTNL_EXPR_PAYLOAD_DREG,
	     payload_field(x, nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_BASE),
			   nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET), len),
	     len);
}

/* meta mark set REG: the register holds mark & mask ^ xor, or a value. */
static void meta_set(struct dec *x, const struct nftnl_expr *e)
{
	struct reg *g = reg_of(x, e, NFTNL_EXPR_META_SREG);
	char arg[48];
	uint32_t v;

	if (!g)
		return;
	if (nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY) != NFT_META_MARK ||
	    !((g->fk == FK_MARK && g->masked) || (g->fk == FK_IMM && g->len == 4))) {
		undecoded(x, "%s", "meta set");
		return;
	}
	memcpy(&v, g->imm, sizeof(v));
	if (g->fk == FK_MARK)
		snprintf(arg, sizeof(arg), "0x%x/0x%x", g->xor, ~g->mask);
	else
		snprintf(arg, sizeof(arg), "0x%x/0xffffffff", v);
	add_action(x, "-j MARK --set-xmark %s", arg);
}

static void ex_meta(struct dec *x, const struct nftnl_expr *e)
{
	uint32_t key = nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY);
	enum fk fk = key == NFT_META_IIFNAME   ? FK_IIF
		     : key == NFT_META_OIFNAME ? FK_OIF
		     : key == NFT_META_L4PROTO ? FK_L4PROTO
		     : key == NFT_META_MARK    ? FK_MARK
					       : FK_OTHER;
	unsigned len = fk == FK_IIF || fk == FK_OIF ? 16 : fk == FK_L4PROTO ? 1 : 4;

	if (nftnl_expr_is_set(e, NFTNL_EXPR_META_SREG))
		meta_set(x, e);
	else
		load(x, e, NFTNL_EXPR_META_DREG, fk, len);
}

static enum fk ct_field(const struct dec *x, uint32_t key, bool dir, uint8_t d,
			unsigned *len)
{
	bool orig = dir && d == CT_DIR_ORIG;
	uint32_t dst = x->t->family == 6 ? NFT_CT_DST_IP6 : NFT_CT_DST_IP;
	uint32_t src = x->t->family == 6 ? NFT_CT_SRC_IP6 : NFT_CT_SRC_IP;

	*len = 4;
	if (!dir && key == NFT_CT_STATE)
		return FK_CTSTATE;
	if (!dir && key == NFT_CT_STATUS)
		return FK_CTSTATUS;
	if (!dir && key == NFT_CT_DIRECTION)
		return (*len = 1, FK_CTDIR);
	if (orig && (key == dst || key == src))
		return (*len = fam_len(x->t->family), key == dst ? FK_ODADDR : FK_OSADDR);
	if (orig && (key == NFT_CT_PROTO_DST || key == NFT_CT_PROTO_SRC))
		return (*len = 2, key == NFT_CT_PROTO_DST ? FK_ODPORT : FK_OSPORT);
	return FK_OTHER;
}

static void ex_ct(struct dec *x, const struct nftnl_expr *e)
{
	bool dir = nftnl_expr_is_set(e, NFTNL_EXPR_CT_DIR);
	unsigned len;
	enum fk fk = ct_field(x, nftnl_expr_get_u32(e, NFTNL_EXPR_CT_KEY), dir,
			      dir ? nftnl_expr_get_u8(e, NFTNL_EXPR_CT_DIR) : 0, &len);

	if (!nftnl_expr_is_set(e, NFTNL_EXPR_CT_DREG))
		undecoded(x, "%s", "ct set");
	else
		load(x, e, NFTNL_EXPR_CT_DREG, fk, len);
}

static void verdict(struct dec *x, int v, const char *chain)
{
	switch (v) {
	case NF_ACCEPT:
		add_action(x, "-j %s", "ACCEPT");
		break;
	case NF_DROP:
		add_action(x, "-j %s", "DROP");
		break;
	case NFT_RETURN:
		add_action(x, "-j %s", "RETURN");
		break;
	case NFT_CONTINUE:
		break;
	case NFT_JUMP:
		add_action(x, "-j %s", chain);
		break;
	case NFT_GOTO:
		add_action(x, "-g %s", chain);
		break;
	default:
		undecoded(x, "%s", "verdict");
		add_action(x, "-j %s", "NFT-VERDICT");
	}
}

static void ex_immediate(struct dec *x, const struct nftnl_expr *e)
{
	uint32_t dreg = nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_DREG), len = 0;
	const void *data;
	struct reg *g;
	char *chain;

	if (dreg != NFT_REG_VERDICT) {
		data = nftnl_expr_get(e, NFTNL_EXPR_IMM_DATA, &len);
		g = reg_of(x, e, NFTNL_EXPR_IMM_DREG);
		if (g && data && len <= sizeof(g->imm)) {
			*g = (struct reg){.fk = FK_IMM, .len = len, .plen = -1};
			memcpy(g->imm, data, len);
		}
		return;
	}
	chain = name_word(nftnl_expr_get_str(e, NFTNL_EXPR_IMM_CHAIN));
	verdict(x, (int)nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_VERDICT), chain);
	free(chain);
}

/* ---- bitwise and comparisons ---- */

/* The prefix length of a contiguous mask, -1 if it is not one. */
static int mask_plen(const uint8_t *m, unsigned len)
{
	unsigned n = 0;

	while (n < len * 8 && (m[n / 8] & (0x80 >> (n % 8))))
		n++;
	for (unsigned i = n; i < len * 8; i++)
		if (m[i / 8] & (0x80 >> (i % 8)))
			return -1;
	return (int)n;
}

static bool is_addr(enum fk fk)
{
	return fk == FK_SADDR || fk == FK_DADDR || fk == FK_OSADDR || fk == FK_ODADDR;
}

static bool is_port(enum fk fk)
{
	return fk == FK_SPORT || fk == FK_DPORT || fk == FK_OSPORT || fk == FK_ODPORT;
}

static bool all_zero(const uint8_t *p, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

static void ex_bitwise(struct dec *x, const struct nftnl_expr *e)
{
	uint32_t mlen = 0, xlen = 0;
	const uint8_t *mask = nftnl_expr_get(e, NFTNL_EXPR_BITWISE_MASK, &mlen);
	const uint8_t *xr = nftnl_expr_get(e, NFTNL_EXPR_BITWISE_XOR, &xlen);
	struct reg *s = reg_of(x, e, NFTNL_EXPR_BITWISE_SREG);
	struct reg *d = reg_of(x, e, NFTNL_EXPR_BITWISE_DREG);
	bool bool_op = !nftnl_expr_is_set(e, NFTNL_EXPR_BITWISE_OP) ||
		       nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_OP) == NFT_BITWISE_BOOL;
	struct reg g;

	if (!s || !d || !mask || !xr || !bool_op || mlen != xlen || mlen != s->len) {
		undecoded(x, "%s", "bitwise");
		return;
	}
	g = *s;
	if (is_addr(s->fk) && all_zero(xr, xlen) && s->plen < 0)
		g.plen = mask_plen(mask, mlen);
	else if ((s->fk == FK_CTSTATE || s->fk == FK_CTSTATUS || s->fk == FK_MARK) &&
		 mlen == 4 && !s->masked) {
		g.masked = true;
		memcpy(&g.mask, mask, 4);
		memcpy(&g.xor, xr, 4);
	} else {
		g.fk = FK_OTHER;
	}
	if (is_addr(g.fk) && g.plen < 0)
		g.fk = FK_OTHER;
	*d = g;
}

/* Appends "[pre] [!] opt value" for g's field; false if fk has no option. */
static bool add_match(struct dec *x, enum fk fk, bool neg, const char *value)
{
	if (fk >= ARRAY_SIZE(fk_opts) || !fk_opts[fk].opt)
		return false;
	if (x->seen & (1u << fk)) {
		undecoded(x, "%s", "two matches on one field");
		return true;
	}
	x->seen |= 1u << fk;
	if (*fk_opts[fk].pre)
		sb_addf(&x->words, " %s", fk_opts[fk].pre);
	sb_addf(&x->words, "%s %s %s", neg ? " !" : "", fk_opts[fk].opt, value);
	return true;
}

static void addr_text(int family, const uint8_t *a, int plen, struct strbuf *out)
{
	char buf[INET6_ADDRSTRLEN];

	inet_ntop(family == 6 ? AF_INET6 : AF_INET, a, buf, sizeof(buf));
	sb_adds(out, buf);
	if (plen >= 0 && (unsigned)plen != fam_len(family) * 8)
		sb_addf(out, "/%d", plen);
}

/* An interface name compared over len bytes: "eth0", or "br-+" when the
 * comparison stops before the terminating NUL (a prefix). */
static bool iface_text(const uint8_t *d, uint32_t len, char out[20])
{
	const uint8_t *nul = memchr(d, '\0', len);
	size_t n = nul ? (size_t)(nul - d) : len;

	if (n >= 16 || (nul && !all_zero(nul, len - (uint32_t)n)))
		return false;
	for (size_t i = 0; i < n; i++)
		if (d[i] <= ' ' || d[i] == '"' || d[i] >= 0x7f)
			return false;
	snprintf(out, 20, "%.*s%s", (int)n, (const char *)d, nul ? "" : "+");
	return true;
}

static const char *state_names(uint32_t bits, struct strbuf *out)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} t[] = {{NF_CT_STATE_INVALID_BIT, "INVALID"},
		 {NF_CT_STATE_BIT(IP_CT_ESTABLISHED), "ESTABLISHED"},
		 {NF_CT_STATE_BIT(IP_CT_RELATED), "RELATED"},
		 {NF_CT_STATE_BIT(IP_CT_NEW), "NEW"},
		 {NF_CT_STATE_UNTRACKED_BIT, "UNTRACKED"}};
	const char *sep = "";

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		if (!(bits & t[i].bit))
			continue;
		sb_addf(out, "%s%s", sep, t[i].name);
		sep = ",";
		bits &= ~t[i].bit;
	}
	return bits || !*sep ? NULL : sb_str(out);
}

/* ct state / ct status: (reg & mask) != 0 or == 0. */
static void cmp_ct(struct dec *x, const struct reg *g, bool neq, const uint8_t *d,
		   uint32_t len)
{
	struct strbuf names = {0};
	const char *v = NULL;

	if (g->masked && !g->xor &&len == 4 && all_zero(d, 4)) {
		if (g->fk == FK_CTSTATE)
			v = state_names(g->mask, &names);
		else if (g->mask == IPS_DST_NAT || g->mask == IPS_SRC_NAT)
			v = g->mask == IPS_DST_NAT ? "DNAT" : "SNAT";
	}
	if (x->seen & (1u << (g->fk == FK_CTSTATE ? FK_CTSTATUS : FK_CTSTATE)))
		v = NULL; /* iptables' one --ctstate cannot say both */
	if (!v || (x->seen & (1u << g->fk)))
		undecoded(x, "%s", g->fk == FK_CTSTATE ? "ct state" : "ct status");
	else
		sb_addf(&x->words, " -m conntrack%s --ctstate %s", neq ? "" : " !", v);
	x->seen |= 1u << g->fk;
	sb_free(&names);
}

static void cmp_value(struct dec *x, const struct reg *g, bool neg, const uint8_t *d,
		      uint32_t len)
{
	struct strbuf v = {0};
	char name[20];

	if (is_addr(g->fk) && len == fam_len(x->t->family))
		addr_text(x->t->family, d, g->plen, &v);
	else if (is_port(g->fk) && len == 2)
		sb_addf(&v, "%u", (unsigned)d[0] << 8 | d[1]);
	else if (g->fk == FK_L4PROTO && len == 1)
		sb_addf(&v, "%u", d[0]);
	if (g->fk == FK_L4PROTO && len == 1 && !neg)
		x->r->proto_eq = d[0];
	else if ((g->fk == FK_IIF || g->fk == FK_OIF) && iface_text(d, len, name))
		sb_adds(&v, name);
	if (!v.len || !add_match(x, g->fk, neg, sb_str(&v)))
		undecoded(x, "%s", "comparison");
	sb_free(&v);
}

static void cmp_mark(struct dec *x, const struct reg *g, bool neg, const uint8_t *d,
		     uint32_t len)
{
	uint32_t v;

	if (len != 4 || g->xor) {
		undecoded(x, "%s", "mark comparison");
		return;
	}
	memcpy(&v, d, 4);
	sb_addf(&x->words, " -m mark%s --mark 0x%x/0x%x", neg ? " !" : "", v,
		g->masked ? g->mask : 0xffffffffu);
}

static void ex_cmp(struct dec *x, const struct nftnl_expr *e)
{
	struct reg *g = reg_of(x, e, NFTNL_EXPR_CMP_SREG);
	uint32_t op = nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_OP), len = 0;
	const uint8_t *d = nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, &len);

	if (!g || !d)
		return;
	if (op != NFT_CMP_EQ && op != NFT_CMP_NEQ) {
		undecoded(x, "%s", "ordered comparison");
		return;
	}
	if (g->fk == FK_CTSTATE || g->fk == FK_CTSTATUS)
		cmp_ct(x, g, op == NFT_CMP_NEQ, d, len);
	else if (g->fk == FK_CTDIR && len == 1 && d[0] <= 1)
		sb_addf(&x->words, " -m conntrack --ctdir %s",
			(d[0] == CT_DIR_ORIG) == (op == NFT_CMP_EQ) ? "ORIGINAL"
								    : "REPLY");
	else if (g->fk == FK_MARK)
		cmp_mark(x, g, op == NFT_CMP_NEQ, d, len);
	else
		cmp_value(x, g, op == NFT_CMP_NEQ, d, len);
}

static void ex_range(struct dec *x, const struct nftnl_expr *e)
{
	struct reg *g = reg_of(x, e, NFTNL_EXPR_RANGE_SREG);
	uint32_t op = nftnl_expr_get_u32(e, NFTNL_EXPR_RANGE_OP), fl = 0, tl = 0;
	const uint8_t *f = nftnl_expr_get(e, NFTNL_EXPR_RANGE_FROM_DATA, &fl);
	const uint8_t *to = nftnl_expr_get(e, NFTNL_EXPR_RANGE_TO_DATA, &tl);
	char v[16];

	if (!g || !f || !to || !is_port(g->fk) || fl != 2 || tl != 2 ||
	    (op != NFT_RANGE_EQ && op != NFT_RANGE_NEQ)) {
		undecoded(x, "%s", "range");
		return;
	}
	snprintf(v, sizeof(v), "%u:%u", (unsigned)f[0] << 8 | f[1],
		 (unsigned)to[0] << 8 | to[1]);
	add_match(x, g->fk, op == NFT_RANGE_NEQ, v);
}

/* ---- sets ---- */

struct nftd_set_ref {
	const char *name; /* the set's own (heap) string */
	size_t i;
};

static int ref_cmp(const void *a, const void *b)
{
	const struct nftd_set_ref *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->i > y->i) - (x->i < y->i); /* the first of a name first */
}

/* The first set named name (by t->by_name), or -1. */
static long set_index(const struct nftd_table *t, const char *name)
{
	char *w = name ? name_word(name) : NULL;
	struct nftd_set_ref key = {w, 0};
	size_t lo = 0, hi = t->n_by_name;
	long found = -1;

	while (w && lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ref_cmp(&t->by_name[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (w && lo < t->n_by_name && streq(t->by_name[lo].name, w))
		found = (long)t->by_name[lo].i;
	free(w);
	return found;
}

/* t->by_name covers every set (sets are added before the rules). */
static void index_sets(struct nftd_table *t)
{
	if (t->n_by_name == t->n_sets)
		return;
	t->by_name = xrealloc(t->by_name, (t->n_sets + 1) * sizeof(*t->by_name));
	for (size_t i = 0; i < t->n_sets; i++)
		t->by_name[i] = (struct nftd_set_ref){t->sets[i].name, i};
	qsort(t->by_name, t->n_sets, sizeof(*t->by_name), ref_cmp);
	t->n_by_name = t->n_sets;
}

/* The fields a lookup reads from consecutive registers from word w. */
static bool lookup_fields(struct dec *x, const struct nftd_set *s, int w)
{
	for (unsigned i = 0; i < s->n_fields; i++) {
		const struct reg *g = w >= 0 && w < NWORDS ? &x->reg[w] : NULL;
		bool ok = g && g->len == s->lens[i] &&
			  (is_addr(g->fk) || is_port(g->fk) || g->fk == FK_L4PROTO ||
			   g->fk == FK_IIF || g->fk == FK_OIF) &&
			  g->plen < 0 &&
			  (!(x->seen & (1u << g->fk)) ||
			   (g->fk == FK_L4PROTO && x->r->proto_eq >= 0));

		if (!ok)
			return false;
		x->r->set_fields[i] = g->fk;
		x->seen |= 1u << g->fk;
		w += (int)(s->lens[i] + 3) / 4;
	}
	x->r->n_set_fields = s->n_fields;
	return true;
}

static void ex_lookup(struct dec *x, const struct nftnl_expr *e)
{
	long i = set_index(x->t, nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET));
	int w = reg_word(nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_SREG));
	uint32_t flags = nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_FLAGS)
			     ? nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_FLAGS)
			     : 0;

	if (i < 0)
		undecoded(x, "%s", "lookup in an unknown set");
	else if (x->r->set >= 0)
		undecoded(x, "%s", "two set lookups");
	else if (flags & NFT_LOOKUP_F_INV)
		undecoded(x, "%s", "negated set lookup");
	else if (nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_DREG))
		undecoded(x, "%s", "map lookup");
	else if (x->t->sets[i].bad)
		undecoded(x, "set: %s", x->t->sets[i].bad);
	else if (!lookup_fields(x, &x->t->sets[i], w))
		undecoded(x, "%s", "set key");
	else
		x->r->set = i;
}

/* ---- statements ---- */

static void ex_reject(struct dec *x, const struct nftnl_expr *e)
{
	uint32_t type = nftnl_expr_get_u32(e, NFTNL_EXPR_REJECT_TYPE);
	uint8_t code = nftnl_expr_get_u8(e, NFTNL_EXPR_REJECT_CODE);
	char with[32];

	if (type == NFT_REJECT_TCP_RST)
		snprintf(with, sizeof(with), "tcp-reset");
	else if (type == NFT_REJECT_ICMP_UNREACH && code == (x->t->family == 6 ? 4 : 3))
		snprintf(with, sizeof(with), "icmp%s-port-unreachable",
			 x->t->family == 6 ? "6" : "");
	else
		snprintf(with, sizeof(with), "nft-%u-%u", type, code);
	add_action(x, "-j REJECT --reject-with %s", with);
}

static void ex_log(struct dec *x, const struct nftnl_expr *e)
{
	const char *p = nftnl_expr_get_str(e, NFTNL_EXPR_LOG_PREFIX);
	char *q = quoted(p ? p : "");

	add_action(x, "-j LOG --log-prefix %s", q);
	free(q);
}

static bool limit_inv(const struct nftnl_expr *e)
{
	return nftnl_expr_get_u32(e, NFTNL_EXPR_LIMIT_FLAGS) & NFT_LIMIT_F_INV;
}

/* " --limit 3/minute --limit-burst 10"; false: not a packet rate. */
static bool limit_rate(const struct nftnl_expr *e, struct strbuf *out)
{
	static const struct {
		uint64_t secs;
		const char *name;
	} units[] = {{1, "second"}, {60, "minute"}, {3600, "hour"}, {86400, "day"}};
	uint64_t unit = nftnl_expr_get_u64(e, NFTNL_EXPR_LIMIT_UNIT);
	const char *name = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (units[i].secs == unit)
			name = units[i].name;
	if (!name || nftnl_expr_get_u32(e, NFTNL_EXPR_LIMIT_TYPE) != NFT_LIMIT_PKTS)
		return false;
	sb_addf(out, " --limit %llu/%s --limit-burst %u",
		(unsigned long long)nftnl_expr_get_u64(e, NFTNL_EXPR_LIMIT_RATE), name,
		nftnl_expr_get_u32(e, NFTNL_EXPR_LIMIT_BURST));
	return true;
}

/* Under the rate it matches (reach ignores it); over it ("! --limit"),
 * reach never takes it: both mean "assumed under the rate". */
static void ex_limit(struct dec *x, const struct nftnl_expr *e)
{
	sb_addf(&x->words, " -m limit%s", limit_inv(e) ? " !" : "");
	if (!limit_rate(e, &x->words))
		undecoded(x, "%s", "limit");
}

struct dynset_expr {
	struct strbuf *words;
	unsigned n;
	bool ok;
};

static int dynset_expr_cb(struct nftnl_expr *e, void *arg)
{
	struct dynset_expr *de = arg;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

	de->n++;
	de->ok = de->ok && name && streq(name, "limit") && limit_inv(e) &&
		 limit_rate(e, de->words);
	return 0;
}

/* update @set { key limit rate over R }: true only over the rate, per key;
 * written as iptables' recent match, which reach takes as under the rate. */
static void ex_dynset(struct dec *x, const struct nftnl_expr *e)
{
	const char *set = nftnl_expr_get_str(e, NFTNL_EXPR_DYNSET_SET_NAME);
	struct reg *g = reg_of(x, e, NFTNL_EXPR_DYNSET_SREG_KEY);
	struct strbuf w = {0};
	struct dynset_expr de = {&w, 0, true};
	char *name = name_word(set);

	nftnl_expr_expr_foreach(e, dynset_expr_cb, &de);
	if (!g || !set || g->fk != FK_SADDR || de.n != 1 || !de.ok ||
	    nftnl_expr_is_set(e, NFTNL_EXPR_DYNSET_SREG_DATA) ||
	    nftnl_expr_get_u32(e, NFTNL_EXPR_DYNSET_OP) != NFT_DYNSET_OP_UPDATE)
		undecoded(x, "%s", "dynamic set");
	else
		sb_addf(&x->words, " -m recent --update --name %s --rsource%s", name,
			sb_str(&w));
	free(name);
	sb_free(&w);
}

static int expr_cb(struct nftnl_expr *e, void *arg)
{
	static const struct {
		const char *name;
		void (*fn)(struct dec *x, const struct nftnl_expr *e);
	} t[] = {{"payload", ex_payload}, {"meta", ex_meta},
		 {"ct", ex_ct},		  {"immediate", ex_immediate},
		 {"bitwise", ex_bitwise}, {"cmp", ex_cmp},
		 {"range", ex_range},	  {"lookup", ex_lookup},
		 {"reject", ex_reject},	  {"log", ex_log},
		 {"limit", ex_limit},	  {"dynset", ex_dynset}};
	struct dec *x = arg;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

	if (name && streq(name, "counter"))
		return 0;
	for (size_t i = 0; name && i < ARRAY_SIZE(t); i++) {
		if (streq(name, t[i].name)) {
			t[i].fn(x, e);
			return 0;
		}
	}
	undecoded(x, "%s", name ? name : "expression");
	return 0;
}

/* ---- the table ---- */

void nftd_init(struct nftd_table *t, int family)
{
	memset(t, 0, sizeof(*t));
	t->family = family;
}

void nftd_free(struct nftd_table *t)
{
	for (size_t i = 0; i < t->n_chains; i++)
		free(t->chains[i].name);
	for (size_t i = 0; i < t->n_sets; i++) {
		free(t->sets[i].name);
		free(t->sets[i].v);
	}
	for (size_t i = 0; i < t->n_rules; i++) {
		struct nftd_rule *r = &t->rules[i];

		for (size_t k = 0; k < r->n_acts; k++) {
			free(r->acts[k].words);
			free(r->acts[k].target);
		}
		free(r->acts);
		free(r->chain);
		free(r->undecoded);
	}
	free(t->chains);
	free(t->sets);
	free(t->by_name);
	free(t->rules);
	memset(t, 0, sizeof(*t));
}

void nftd_add_chain(struct nftd_table *t, const struct nftnl_chain *c)
{
	struct nftd_chain *ch;
	const char *name = nftnl_chain_get_str(c, NFTNL_CHAIN_NAME);

	t->chains = xrealloc(t->chains, (t->n_chains + 1) * sizeof(*t->chains));
	ch = &t->chains[t->n_chains++];
	memset(ch, 0, sizeof(*ch));
	ch->name = name_word(name);
	ch->base = nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM);
	if (ch->base) {
		ch->hook = nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM);
		ch->prio = nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO);
		ch->policy = nftnl_chain_is_set(c, NFTNL_CHAIN_POLICY)
				 ? nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY)
				 : NF_ACCEPT;
	}
}

const struct nftd_chain *nftd_chain(const struct nftd_table *t, const char *name)
{
	for (size_t i = 0; i < t->n_chains; i++)
		if (streq(t->chains[i].name, name))
			return &t->chains[i];
	return NULL;
}

void nftd_add_rule(struct nftd_table *t, struct nftnl_rule *nr)
{
	const char *chain = nftnl_rule_get_str(nr, NFTNL_RULE_CHAIN);
	struct dec x = {.t = t};

	t->rules = xrealloc(t->rules, (t->n_rules + 1) * sizeof(*t->rules));
	x.r = &t->rules[t->n_rules++];
	memset(x.r, 0, sizeof(*x.r));
	x.r->chain = name_word(chain);
	x.r->set = -1;
	x.r->proto_eq = -1;
	index_sets(t);
	nftnl_expr_foreach(nr, expr_cb, &x);
	t->undecoded += x.r->undecoded != NULL;
	sb_free(&x.words);
}

/* ---- sets ---- */

struct elem_load {
	struct nftd_set *s;
	uint8_t (*ends)[KEY_MAX]; /* rbtree: interval ends, in dump order */
	bool *is_end;
	size_t n;
};

static int elem_cb(struct nftnl_set_elem *e, void *arg)
{
	struct elem_load *l = arg;
	struct nftd_set *s = l->s;
	uint32_t klen = 0, elen = 0;
	const void *key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &klen);
	const void *end = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY_END, &elen);
	uint32_t flags = nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS)
			     ? nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS)
			     : 0;
	struct elem *v;

	if (!key || klen != s->key_len || (end && elen != klen)) {
		s->bad = "an element of unexpected length";
		return 0;
	}
	s->v = xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
	v = &s->v[s->n++];
	memset(v, 0, sizeof(*v));
	memcpy(v->lo, key, klen);
	memcpy(v->hi, end ? end : key, klen);
	l->is_end = xrealloc(l->is_end, s->n * sizeof(*l->is_end));
	l->is_end[s->n - 1] = flags & NFT_SET_ELEM_INTERVAL_END;
	return 0;
}

/* By value; at one value an end (hi[0] set) before a start: adjacent
 * intervals [a, k - 1] and [k, b] dump an end and a start at k, in either
 * order (and qsort is not stable). */
static int elem_lo_cmp(const void *a, const void *b)
{
	const struct elem *x = a, *y = b;
	int c = memcmp(x->lo, y->lo, KEY_MAX);

	return c ? c : (int)y->hi[0] - (int)x->hi[0];
}

/* One-field interval sets (rbtree) list each interval as its start and an
 * end element (flagged) one past its last value: pairs them up. */
static void pair_intervals(struct nftd_set *s, const bool *is_end)
{
	struct elem *all = s->v;
	size_t n = s->n, out = 0;

	if (!n)
		return; /* an empty set: no array to sort */
	for (size_t i = 0; i < n; i++)
		all[i].hi[0] = is_end[i]; /* sort key: hi is rebuilt below */
	qsort(all, n, sizeof(*all), elem_lo_cmp);
	for (size_t i = 0; i < n; i++) {
		struct elem e = all[i];
		bool end = e.hi[0] != 0;

		if (end)
			continue;
		memset(e.hi, 0xff, s->key_len);
		if (i + 1 < n && all[i + 1].hi[0]) {
			memcpy(e.hi, all[i + 1].lo, s->key_len);
			for (int k = (int)s->key_len - 1; k >= 0 && e.hi[k]-- == 0; k--)
				;
		}
		all[out++] = e;
	}
	s->n = out;
}

/* The key's fields (nft's concatenation), each padded to 4 bytes but a
 * lone one. Lengths that do not add up to the key's: the set is bad and its
 * key one field (its elements still print, within the key). */
static void set_fields(struct nftd_set *s, const struct nftnl_set *ns)
{
	uint32_t n = 0, sum = 0;
	const uint8_t *lens = nftnl_set_is_set(ns, NFTNL_SET_DESC_CONCAT)
				  ? nftnl_set_get_data(ns, NFTNL_SET_DESC_CONCAT, &n)
				  : NULL;

	if (!lens || n == 0) {
		s->lens[0] = (uint8_t)s->key_len;
		n = 1;
	} else {
		n = n > NWORDS ? NWORDS : n;
		memcpy(s->lens, lens, n);
	}
	s->n_fields = n;
	for (uint32_t i = 0; i < n; i++)
		sum += (s->lens[i] + 3u) / 4 * 4;
	if (n > 1 ? sum != s->key_len : s->lens[0] != s->key_len) {
		s->bad = "a key we cannot split into fields";
		s->lens[0] = (uint8_t)s->key_len;
		s->n_fields = 1;
	}
}

void nftd_add_set(struct nftd_table *t, struct nftnl_set *ns)
{
	const char *name = nftnl_set_get_str(ns, NFTNL_SET_NAME);
	struct nftd_set *s;
	struct elem_load l = {0};

	t->sets = xrealloc(t->sets, (t->n_sets + 1) * sizeof(*t->sets));
	s = &t->sets[t->n_sets++];
	memset(s, 0, sizeof(*s));
	s->name = name_word(name);
	s->flags = nftnl_set_get_u32(ns, NFTNL_SET_FLAGS);
	s->key_type = nftnl_set_get_u32(ns, NFTNL_SET_KEY_TYPE);
	s->key_len = nftnl_set_get_u32(ns, NFTNL_SET_KEY_LEN);
	if (s->key_len == 0 || s->key_len > KEY_MAX)
		s->bad = "a key longer than the registers";
	else if (s->flags & (NFT_SET_MAP | NFT_SET_OBJECT))
		s->bad = "a map";
	else if (s->flags & (NFT_SET_EVAL | NFT_SET_TIMEOUT))
		s->bad = "a dynamic set"; /* its elements change as packets pass */
	if (s->bad)
		return;
	set_fields(s, ns);
	l.s = s;
	nftnl_set_elem_foreach(ns, elem_cb, &l);
	if ((s->flags & NFT_SET_INTERVAL) && !(s->flags & NFT_SET_CONCAT) && !s->bad)
		pair_intervals(s, l.is_end);
	free(l.is_end);
}

/* ---- element values as words ---- */

struct strv {
	char **v;
	size_t n;
	bool cut; /* alternatives left out past MAX_ALTS */
};

static void strv_add(struct strv *a, char *s)
{
	a->v = xrealloc(a->v, (a->n + 1) * sizeof(*a->v));
	a->v[a->n++] = s;
}

static void strv_free(struct strv *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

static int be_cmp(const uint8_t *a, const uint8_t *b, unsigned len)
{
	return memcmp(a, b, len);
}

static bool bit_at(const uint8_t *a, unsigned i)
{
	return a[i / 8] & (0x80 >> (i % 8));
}

/* a | ones from bit p to the end. */
static void fill_ones(uint8_t *a, unsigned p, unsigned len)
{
	for (unsigned i = p; i < len * 8; i++)
		a[i / 8] |= (uint8_t)(0x80 >> (i % 8));
}

/* " -s 10.0.0.0/8", " -m conntrack --ctorigdstport 80:90" for field fk. */
static char *opt_words(enum fk fk, const char *value)
{
	const char *pre = fk_opts[fk].pre;

	return xasprintf("%s%s %s %s", *pre ? " " : "", pre, fk_opts[fk].opt, value);
}

/* The prefixes covering [lo, hi], largest first from lo, as words of fk
 * ("" for the whole space). */
static void range_prefixes(enum fk fk, const uint8_t *lo, const uint8_t *hi, int family,
			   struct strv *out)
{
	unsigned len = fam_len(family), bits = len * 8;
	uint8_t cur[16], last[16];

	memcpy(cur, lo, len);
	while (be_cmp(cur, hi, len) <= 0 && out->n < MAX_ALTS) {
		struct strbuf w = {0};
		unsigned p = bits;
		int k;

		for (; p > 0 && !bit_at(cur, p - 1); p--) {
			memcpy(last, cur, len);
			fill_ones(last, p - 1, len);
			if (be_cmp(last, hi, len) > 0)
				break;
		}
		addr_text(family, cur, (int)p, &w);
		strv_add(out, p ? opt_words(fk, sb_str(&w)) : xstrdup(""));
		sb_free(&w);
		fill_ones(cur, p, len);
		for (k = (int)len - 1; k >= 0 && ++cur[k] == 0; k--)
			;
		if (k < 0)
			return; /* wrapped past the last address */
	}
	out->cut = out->cut || be_cmp(cur, hi, len) <= 0;
}

/* An interface range: one name, or "br-+" for [br-\0..., br-\xff...]. */
static bool iface_range(const uint8_t *lo, const uint8_t *hi, unsigned len, char out[20])
{
	unsigned n = 0;

	if (len != 16)
		return false;
	while (n < len && lo[n] == hi[n])
		n++;
	if (n == len)
		return iface_text(lo, len, out);
	for (unsigned i = n; i < len; i++)
		if (lo[i] != 0 || hi[i] != 0xff)
			return false;
	return iface_text(lo, n, out);
}

static void field_alts(const struct nftd_table *t, const struct nftd_rule *r, enum fk fk,
		       const uint8_t *lo, const uint8_t *hi, unsigned len,
		       struct strv *out)
{
	char v[20];

	if (fk == FK_L4PROTO && r->proto_eq >= 0) {
		/* the rule's own "-p N" is there: the element agrees, or not */
		if (lo[0] <= r->proto_eq && r->proto_eq <= hi[0])
			strv_add(out, xstrdup(""));
	} else if (is_addr(fk)) {
		range_prefixes(fk, lo, hi, t->family, out);
	} else if (is_port(fk)) {
		unsigned a = (unsigned)lo[0] << 8 | lo[1],
			 b = (unsigned)hi[0] << 8 | hi[1];

		snprintf(v, sizeof(v), a == b ? "%u" : "%u:%u", a, b);
		strv_add(out, a == 0 && b == 65535 ? xstrdup("") : opt_words(fk, v));
	} else if (fk == FK_L4PROTO && lo[0] == 0 && hi[0] == 255) {
		strv_add(out, xstrdup(""));
	} else if (fk == FK_L4PROTO) {
		for (unsigned p = lo[0]; p <= hi[0] && out->n < MAX_ALTS; p++) {
			snprintf(v, sizeof(v), "%u", p);
			strv_add(out, opt_words(fk, v));
		}
	} else if (iface_range(lo, hi, len, v)) {
		strv_add(out, opt_words(fk, v));
	} else {
		strv_add(out, xstrdup(" -m nft --nft-undecoded set-range"));
	}
}

/* The product of out's alternatives with f's. */
static void strv_product(struct strv *out, const struct strv *f)
{
	struct strv next = {0};

	for (size_t a = 0; a < out->n; a++)
		for (size_t b = 0; b < f->n && next.n < MAX_ALTS; b++)
			strv_add(&next, xasprintf("%s%s", out->v[a], f->v[b]));
	next.cut = out->cut || f->cut || next.n < out->n * f->n;
	strv_free(out);
	*out = next;
}

/* Element e of s as the words of rule r's fields, one string a line. */
static void elem_alts(const struct nftd_table *t, const struct nftd_rule *r,
		      const struct nftd_set *s, const struct elem *e, struct strv *out)
{
	unsigned off = 0;

	strv_add(out, xstrdup(""));
	for (unsigned i = 0; i < r->n_set_fields; i++) {
		struct strv f = {0};

		field_alts(t, r, r->set_fields[i], e->lo + off, e->hi + off, s->lens[i],
			   &f);
		strv_product(out, &f);
		strv_free(&f);
		off += (s->lens[i] + 3u) / 4 * 4;
	}
}

/* ---- output ---- */

static void rule_line(struct strbuf *out, const struct nftd_rule *r,
		      const struct action *a, const char *elem)
{
	sb_addf(out, "-A %s%s%s", r->chain, a->words, elem);
	if (r->undecoded) {
		char *q = quoted(r->undecoded);

		sb_addf(out, " -m nft --nft-undecoded %s", q);
		free(q);
	}
	sb_addf(out, " %s\n", a->target);
}

static void rule_lines(const struct nftd_table *t, const struct nftd_rule *r,
		       struct strbuf *out)
{
	for (size_t k = 0; k < r->n_acts; k++) {
		const struct action *a = &r->acts[k];
		const struct nftd_set *s = r->set >= 0 ? &t->sets[r->set] : NULL;

		if (!a->after_set || !s) {
			rule_line(out, r, a, "");
			continue;
		}
		for (size_t i = 0; i < s->n; i++) {
			struct strv alts = {0};

			elem_alts(t, r, s, &s->v[i], &alts);
			for (size_t j = 0; j < alts.n; j++)
				rule_line(out, r, a, alts.v[j]);
			/* what did not fit: a line reach never takes, uncertain */
			if (alts.cut)
				rule_line(out, r, a,
					  " -m nft --nft-undecoded too-many-prefixes");
			strv_free(&alts);
		}
	}
}

void nftd_reach_text(const struct nftd_table *t, struct strbuf *out)
{
	for (size_t i = 0; i < t->n_chains; i++)
		sb_addf(out, ":%s - [0:0]\n", t->chains[i].name);
	for (size_t i = 0; i < t->n_rules; i++)
		rule_lines(t, &t->rules[i], out);
	for (size_t i = 0; i < t->n_chains; i++)
		if (t->chains[i].base && t->chains[i].policy == NF_DROP)
			sb_addf(out, "-A %s -j DROP\n", t->chains[i].name);
}

/* One field of a set element in nft's words, by its datatype. */
static void value_text(uint32_t type, const uint8_t *lo, const uint8_t *hi, unsigned len,
		       struct strbuf *out)
{
	char name[20];

	if ((type == TYPE_IPV4 && len == 4) || (type == TYPE_IPV6 && len == 16)) {
		int family = type == TYPE_IPV6 ? 6 : 4;

		addr_text(family, lo, -1, out);
		if (memcmp(lo, hi, len)) {
			sb_addc(out, '-');
			addr_text(family, hi, -1, out);
		}
	} else if ((type == TYPE_PROTO && len == 1) ||
		   (type == TYPE_SERVICE && len == 2)) {
		unsigned a = len == 1 ? lo[0] : (unsigned)lo[0] << 8 | lo[1];
		unsigned b = len == 1 ? hi[0] : (unsigned)hi[0] << 8 | hi[1];

		sb_addf(out, a == b ? "%u" : "%u-%u", a, b);
	} else if (type == TYPE_IFNAME && iface_range(lo, hi, len, name)) {
		sb_adds(out, name);
	} else {
		for (unsigned i = 0; i < len; i++)
			sb_addf(out, "%02x", lo[i]);
		sb_addc(out, '-');
		for (unsigned i = 0; i < len; i++)
			sb_addf(out, "%02x", hi[i]);
	}
}

/* Field i's datatype: the key type holds TYPE_BITS a field, the last field
 * lowest; none for a field it has no room for. */
static uint32_t field_type(const struct nftd_set *s, unsigned i)
{
	unsigned shift = TYPE_BITS * (s->n_fields - 1 - i);

	if (s->n_fields == 1)
		return s->key_type;
	return shift < 32 ? s->key_type >> shift & ((1u << TYPE_BITS) - 1) : 0;
}

static void set_lines(const struct nftd_set *s, struct strv *lines)
{
	struct strbuf b = {0};

	sb_addf(&b, "set %s flags 0x%x type 0x%x length %u", s->name, s->flags,
		s->key_type, s->key_len);
	if (s->bad)
		sb_addf(&b, " (%s)", s->bad);
	strv_add(lines, sb_detach(&b));
	for (size_t k = 0; k < s->n; k++) {
		unsigned off = 0;

		sb_addf(&b, "set %s element", s->name);
		for (unsigned i = 0; i < s->n_fields; i++) {
			sb_adds(&b, i ? " . " : " ");
			value_text(field_type(s, i), s->v[k].lo + off, s->v[k].hi + off,
				   s->lens[i], &b);
			off += (s->lens[i] + 3u) / 4 * 4;
		}
		strv_add(lines, sb_detach(&b));
	}
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void strv_sort(struct strv *a)
{
	if (a->n) /* else a->v is NULL, which qsort may not take */
		qsort(a->v, a->n, sizeof(*a->v), str_cmp);
}

static void canon_rule(const struct nftd_table *t, const struct nftd_rule *r,
		       struct strbuf *out)
{
	for (size_t k = 0; k < r->n_acts || k == 0; k++) {
		const struct action *a = k < r->n_acts ? &r->acts[k] : NULL;

		sb_addf(out, "rule %s%s", r->chain, a ? a->words : "");
		if (a && a->after_set && r->set >= 0)
			sb_addf(out, " @%s", t->sets[r->set].name);
		sb_addf(out, " %s", a ? a->target : "(no statement)");
		if (r->undecoded)
			sb_addf(out, " (undecoded: %s)", r->undecoded);
		sb_addc(out, '\n');
		if (!a)
			break;
	}
}

void nftd_canon(const struct nftd_table *t, struct strbuf *out)
{
	struct strv lines = {0};

	for (size_t i = 0; i < t->n_chains; i++) {
		const struct nftd_chain *c = &t->chains[i];

		strv_add(&lines, c->base
				     ? xasprintf("chain %s hook %u priority %d policy %s",
						 c->name, c->hook, c->prio,
						 c->policy == NF_DROP ? "drop" : "accept")
				     : xasprintf("chain %s", c->name));
	}
	for (size_t i = 0; i < t->n_sets; i++)
		set_lines(&t->sets[i], &lines);
	strv_sort(&lines);
	for (size_t i = 0; i < lines.n; i++)
		sb_addf(out, "%s\n", lines.v[i]);
	strv_free(&lines);
	for (size_t i = 0; i < t->n_rules; i++)
		strv_add(&lines, xstrdup(t->rules[i].chain));
	strv_sort(&lines);
	/* rules chain by chain (names sorted), in order within each */
	for (size_t c = 0; c < lines.n; c++)
		for (size_t i = 0;
		     (!c || !streq(lines.v[c], lines.v[c - 1])) && i < t->n_rules; i++)
			if (streq(t->rules[i].chain, lines.v[c]))
				canon_rule(t, &t->rules[i], out);
	strv_free(&lines);
}
