/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nft_render: our nf_tables table (nft_build's model) as nft syntax, the text
 * `sync --dry-run` prints and `nft -f` would load. */
#include "nft_build.h"

#include <arpa/inet.h>
#include <string.h>

#include <linux/netfilter/nf_conntrack_common.h>

#define LIMIT_SET NFTB_LIMIT_SET
/* --- nft text --- */

static const char *field_expr(enum nftb_field f, enum ufw_family fam)
{
	static const char *const v4[] = {
	    [NFTB_F_SADDR] = "ip saddr",
	    [NFTB_F_DADDR] = "ip daddr",
	    [NFTB_F_ODADDR] = "ct original ip daddr",
	    [NFTB_F_L4PROTO] = "meta l4proto",
	    [NFTB_F_SPORT] = "th sport",
	    [NFTB_F_DPORT] = "th dport",
	    [NFTB_F_ODPORT] = "ct original proto-dst",
	};
	static const char *const v6[] = {
	    [NFTB_F_SADDR] = "ip6 saddr",
	    [NFTB_F_DADDR] = "ip6 daddr",
	    [NFTB_F_ODADDR] = "ct original ip6 daddr",
	};

	return fam == UFW_V6 && f <= NFTB_F_ODADDR ? v6[f] : v4[f];
}

static const char *field_type(enum nftb_field f, enum ufw_family fam)
{
	if (f <= NFTB_F_ODADDR)
		return fam == UFW_V6 ? "ipv6_addr" : "ipv4_addr";
	return f == NFTB_F_L4PROTO ? "inet_proto" : "inet_service";
}

static void render_fields(struct strbuf *out, unsigned fields, enum ufw_family fam,
			  bool type)
{
	const char *sep = "";

	for (unsigned f = 0; f < NFTB_F_COUNT; f++) {
		if (!(fields & (1u << f)))
			continue;
		sb_addf(out, "%s%s", sep, type ? field_type(f, fam) : field_expr(f, fam));
		sep = " . ";
	}
}

static unsigned prefix_len(const uint8_t *lo, const uint8_t *hi, unsigned len)
{
	unsigned n = 0;

	for (unsigned i = 0; i < len * 8; i++, n++)
		if ((lo[i / 8] ^ hi[i / 8]) & (0x80 >> (i % 8)))
			break;
	return n;
}

static void render_value(struct strbuf *out, const struct nftb_elem *e, enum nftb_field f,
			 enum ufw_family fam)
{
	unsigned len = nftb_field_len(f, fam);
	char buf[INET6_ADDRSTRLEN];

	if (f <= NFTB_F_ODADDR) {
		unsigned n = prefix_len(e->f[f].lo, e->f[f].hi, len);

		inet_ntop(fam == UFW_V6 ? AF_INET6 : AF_INET, e->f[f].lo, buf,
			  sizeof(buf));
		sb_adds(out, buf);
		if (n != len * 8)
			sb_addf(out, "/%u", n);
	} else if (f == NFTB_F_L4PROTO) {
		const char *name = nftb_proto_name(e->f[f].lo[0]);
		if (e->f[f].lo[0] != e->f[f].hi[0])
			sb_addf(out, "%u-%u", e->f[f].lo[0], e->f[f].hi[0]);
		else if (name)
			sb_adds(out, name);
		else
			sb_addf(out, "%u", e->f[f].lo[0]);
	} else {
		unsigned lo = (unsigned)e->f[f].lo[0] << 8 | e->f[f].lo[1];
		unsigned hi = (unsigned)e->f[f].hi[0] << 8 | e->f[f].hi[1];

		sb_addf(out, lo == hi ? "%u" : "%u-%u", lo, hi);
	}
}

static void render_set(struct strbuf *out, const struct nftb_set *s, enum ufw_family fam)
{
	sb_addf(out, "\tset %s {\n\t\ttype ", s->name);
	render_fields(out, s->fields, fam, true);
	sb_adds(out, "\n\t\tflags interval\n\t\telements = {");
	for (size_t i = 0; i < s->n; i++) {
		const char *sep = "";

		sb_adds(out, i ? ",\n\t\t\t" : "\n\t\t\t");
		for (unsigned f = 0; f < NFTB_F_COUNT; f++) {
			if (!(s->fields & (1u << f)))
				continue;
			sb_adds(out, sep);
			render_value(out, &s->v[i], f, fam);
			sep = " . ";
		}
	}
	sb_adds(out, "\n\t\t}\n\t}\n\n");
}

static void render_iface(struct strbuf *out, const char *kw, const char *name)
{
	size_t n = strlen(name);

	if (!n)
		return;
	if (name[n - 1] == '+')
		sb_addf(out, " %s \"%.*s*\"", kw, (int)(n - 1), name);
	else
		sb_addf(out, " %s \"%s\"", kw, name);
}

static void render_verdict(struct strbuf *out, const struct nftb_rule *r)
{
	switch (r->verdict) {
	case NFTB_V_NONE:
		break;
	case NFTB_V_ACCEPT:
		sb_adds(out, " accept");
		break;
	case NFTB_V_DROP:
		sb_adds(out, " drop");
		break;
	case NFTB_V_REJECT:
		sb_adds(out, " reject");
		break;
	case NFTB_V_REJECT_TCP:
		sb_adds(out, " reject with tcp reset");
		break;
	case NFTB_V_JUMP:
		sb_addf(out, " jump %s", nftb_chain_name(r->target));
		break;
	}
}

static void render_rule(struct strbuf *out, const struct nftb_table *t,
			const struct nftb_rule *r)
{
	struct strbuf l = {0};
	uint32_t est =
	    NF_CT_STATE_BIT(IP_CT_ESTABLISHED) | NF_CT_STATE_BIT(IP_CT_RELATED);

	if (r->ct_state)
		sb_adds(&l, r->ct_state == est ? " ct state established,related"
					       : " ct state new");
	if (r->ct_dnat)
		sb_adds(&l, " ct direction original ct status dnat");
	render_iface(&l, "iifname", r->iif);
	render_iface(&l, "oifname", r->oif);
	if (r->verdict == NFTB_V_REJECT_TCP)
		sb_adds(&l, " meta l4proto tcp");
	if (r->set >= 0) {
		sb_addc(&l, ' ');
		render_fields(&l, t->sets[r->set].fields, t->fam, false);
		sb_addf(&l, " @%s", t->sets[r->set].name);
	}
	if (r->limit_over)
		sb_addf(&l,
			" update @" LIMIT_SET
			" { %s limit rate over 2/minute burst 5 packets }",
			field_expr(NFTB_F_SADDR, t->fam));
	if (r->log_rate)
		sb_addf(&l, " limit rate %u/minute burst %u packets", r->log_rate,
			r->log_burst);
	if (*r->log)
		sb_addf(&l, " log prefix \"%s\"", r->log);
	if (r->mark)
		sb_addf(&l, " meta mark set meta mark | 0x%08x", NFTB_MARK);
	render_verdict(&l, r);
	sb_addf(out, "\t\t%s\n", sb_str(&l) + 1);
	sb_free(&l);
}

void nftb_render(const struct nftb_table *t, struct strbuf *out)
{
	sb_addf(out, "table %s " NFTB_TABLE " {\n", nftb_family_name(t->fam));
	sb_addf(out,
		"\tset " LIMIT_SET " {\n\t\ttype %s\n\t\tsize 65535\n"
		"\t\tflags dynamic,timeout\n\t\ttimeout 30s\n\t}\n\n",
		field_type(NFTB_F_SADDR, t->fam));
	for (size_t i = 0; i < t->n_sets; i++)
		render_set(out, &t->sets[i], t->fam);
	for (unsigned c = 0; c < NFTB_C_COUNT; c++) {
		sb_addf(out, "\tchain %s {\n", nftb_chain_name(c));
		if (c == NFTB_C_FORWARD)
			sb_adds(out, "\t\ttype filter hook forward priority filter - 1; "
				     "policy accept;\n");
		for (size_t i = 0; i < t->n_rules; i++)
			if (t->rules[i].chain == c)
				render_rule(out, t, &t->rules[i]);
		sb_adds(out, c + 1 < NFTB_C_COUNT ? "\t}\n\n" : "\t}\n");
	}
	sb_adds(out, "}\n");
}
