/* SPDX-License-Identifier: GPL-3.0-or-later */
/* live_family: one family's live state: ufw's iptables variant, Docker's chains
 * and DNATs (nft_view or iptables-legacy-save), DOCKER-USER's first jumps. */
#include "live.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter.h>

#include "live_save.h"
#include "nft_view.h"
#include "xlate.h"

/* ---- variants ---- */

static enum live_variant ufw_variant(int family)
{
	char *real =
	    realpath(family == 6 ? "/usr/sbin/ip6tables" : "/usr/sbin/iptables", NULL);
	enum live_variant v = LIVE_NONE;

	if (real && strstr(real, "legacy"))
		v = LIVE_LEGACY;
	else if (real && strstr(real, "nft"))
		v = LIVE_NFT;
	free(real);
	return v;
}

/* Legacy tables exist for family (without loading any kernel module). */
static bool legacy_has(int family, const char *table)
{
	FILE *f = fopen(family == 6 ? "/proc/net/ip6_tables_names"
				    : "/proc/net/ip_tables_names",
			"re");
	char line[64];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strncmp(line, table, strlen(table)) == 0 &&
			line[strlen(table)] == '\n';
	fclose(f);
	return found;
}

const char *live_variant_name(enum live_variant v)
{
	return v == LIVE_NFT	  ? "iptables-nft"
	       : v == LIVE_LEGACY ? "iptables-legacy"
				  : "none";
}

const char *live_docker_backend(const struct live_family *lf)
{
	if (lf->docker_nftables)
		return lf->docker_nft || lf->docker_legacy ? "nftables + iptables"
							   : "nftables";
	if (lf->docker_nft && lf->docker_legacy)
		return "iptables-nft + iptables-legacy";
	if (lf->docker_nft)
		return "iptables-nft";
	return lf->docker_legacy ? "iptables-legacy" : "none";
}

/* ---- the jumps, from legacy's save text ---- */

static void read_jumps_text(struct live_family *lf)
{
	const char *t = lf->filter_text ? lf->filter_text : "";
	char *fw, *du;

	fw = live_first_rule(t, "FORWARD");
	du = live_first_rule(t, "DOCKER-USER");
	lf->has_docker_user = live_has_chain_line(t, "DOCKER-USER");
	lf->forward_first_docker_user = fw && streq(fw, "-A FORWARD -j DOCKER-USER");
	lf->docker_user_first_ours =
	    du && streq(du, "-A DOCKER-USER -j " UFWD_CHAIN_ENTRY);
	lf->jumps_to_ours = live_count_lines(t, "-A DOCKER-USER -j " UFWD_CHAIN_ENTRY);
	free(fw);
	free(du);
}

/* ---- DNATs ---- */

static void push_dnat(struct live_family *lf, const struct live_dnat *dn)
{
	for (size_t i = 0; i < lf->n_dnats; i++)
		if (memcmp(&lf->dnats[i], dn, sizeof(*dn)) == 0)
			return; /* the same rule in nf_tables and legacy */
	lf->dnats = xrealloc(lf->dnats, (lf->n_dnats + 1) * sizeof(*lf->dnats));
	lf->dnats[lf->n_dnats++] = *dn;
}

static bool parse_ports(const char *s, uint16_t *lo, uint16_t *hi)
{
	unsigned a, b;
	int n = 0;

	if (sscanf(s, "%u:%u%n", &a, &b, &n) == 2 && !s[n] && a && a <= b && b <= 65535) {
		*lo = (uint16_t)a;
		*hi = (uint16_t)b;
		return true;
	}
	if (sscanf(s, "%u%n", &a, &n) == 1 && !s[n] && a && a <= 65535) {
		*lo = *hi = (uint16_t)a;
		return true;
	}
	return false;
}

/* "203.0.113.2:5432", "[fd00::2]:5432", "203.0.113.2" */
static bool parse_to(const char *s, int family, struct live_dnat *dn)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *port = NULL;
	uint16_t hi;

	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, *s == '[' ? s + 1 : s);
	if (*s == '[') {
		char *close = strchr(buf, ']');

		if (!close)
			return false;
		*close = '\0';
		port = close[1] == ':' ? close + 2 : NULL;
	} else if (family == 4 && strchr(buf, ':')) {
		port = strchr(buf, ':') + 1;
		*strchr(buf, ':') = '\0';
	}
	if (strchr(buf, '-') ||
	    inet_pton(family == 6 ? AF_INET6 : AF_INET, buf, &dn->to) != 1)
		return false;
	return !port || parse_ports(port, &dn->to_port, &hi);
}

static bool dnat_option(struct live_dnat *dn, int family, const char *o, const char *v,
			bool neg)
{
	struct reach_pfx p;

	if (streq(o, "-p"))
		dn->proto = streq(v, "tcp")    ? IPPROTO_TCP
			    : streq(v, "udp")  ? IPPROTO_UDP
			    : streq(v, "sctp") ? IPPROTO_SCTP
					       : 0;
	else if (streq(o, "-d") && !neg && reach_pfx_parse(v, family, &p) &&
		 p.len == (family == 6 ? 128 : 32))
		memcpy(&dn->host, p.a, sizeof(dn->host)), dn->has_host = true;
	else if (streq(o, "-i") && strlen(v) < sizeof(dn->iif))
		strcpy(dn->iif, v), dn->iif_neg = neg;
	else if (streq(o, "--dport"))
		return parse_ports(v, &dn->port_min, &dn->port_max);
	else if (streq(o, "--to-destination"))
		return parse_to(v, family, dn);
	else if (streq(o, "-d"))
		return false;
	return true;
}

/* One "-A CHAIN ... -j DNAT --to-destination X" line of iptables-save. */
static bool parse_dnat_line(char *line, int family, struct live_dnat *dn)
{
	char *w[64], *save = NULL;
	size_t n = 0;
	bool ok = true, dnat = false;

	memset(dn, 0, sizeof(*dn));
	for (char *t = strtok_r(line, " ", &save); t && n < ARRAY_SIZE(w);
	     t = strtok_r(NULL, " ", &save))
		w[n++] = t;
	for (size_t i = 2; i + 1 < n && ok; i++) {
		bool neg = streq(w[i], "!");

		if (neg && ++i + 1 >= n)
			break;
		dnat = dnat || (streq(w[i], "-j") && streq(w[i + 1], "DNAT"));
		if (w[i][0] == '-')
			ok = dnat_option(dn, family, w[i], w[i + 1], neg);
	}
	return ok && dnat && dn->proto && dn->port_min;
}

static void legacy_dnats(struct live_family *lf, const char *nat_text)
{
	const char *s = nat_text;

	while (s && *s) {
		size_t len = strcspn(s, "\n");
		char *line = xstrndup(s, len);
		struct live_dnat dn;

		if (str_startswith(line, "-A ") && strstr(line, " -j DNAT") &&
		    parse_dnat_line(line, lf->family, &dn))
			push_dnat(lf, &dn);
		free(line);
		s += len;
		s += *s == '\n';
	}
}

static void view_dnats(struct live_family *lf, const struct nft_view *v)
{
	for (size_t i = 0; i < v->n_dnats; i++) {
		const struct nft_view_dnat *x = &v->dnats[i];
		struct live_dnat dn;

		memset(&dn, 0, sizeof(dn)); /* padding too: compared with memcmp */
		if (!x->decoded || !x->l4proto || !x->dport_min || !x->has_to_addr)
			continue;
		dn.proto = x->l4proto;
		dn.has_host = x->has_daddr;
		dn.host = x->daddr;
		dn.port_min = x->dport_min;
		dn.port_max = x->dport_max ? x->dport_max : x->dport_min;
		dn.to = x->to_addr;
		dn.to_port = x->to_port_min;
		memcpy(dn.iif, x->iifname, sizeof(dn.iif));
		dn.iif[sizeof(dn.iif) - 1] = '\0';
		dn.iif_neg = x->iif_neg;
		push_dnat(lf, &dn);
	}
}

/* ---- loading ---- */

static bool is_docker_chain(const char *name)
{
	/* not DOCKER-USER: sync creates it where Docker has not */
	return streq(name, "DOCKER") || streq(name, "DOCKER-FORWARD");
}

static int load_nft(struct live_family *lf, struct diag *d)
{
	struct nft_view v = {0};
	int ret = nft_view_load(&v, lf->family == 6 ? NFPROTO_IPV6 : NFPROTO_IPV4, d);

	for (size_t i = 0; ret == 0 && i < v.n_chains; i++)
		lf->docker_nft = lf->docker_nft || is_docker_chain(v.chains[i].name);
	lf->docker_nftables = ret == 0 && v.has_docker_bridges;
	if (ret == 0 && lf->ufw_variant == LIVE_NFT) {
		const struct nft_view_chain *du = nft_view_chain(&v, "DOCKER-USER");
		const char *fj = nft_view_forward_first_jump(&v);

		lf->has_docker_user = du != NULL;
		lf->forward_first_docker_user = fj && streq(fj, "DOCKER-USER");
		lf->docker_user_first_ours =
		    du && du->n_rules && du->rules[0].unconditional &&
		    du->rules[0].target && streq(du->rules[0].target, UFWD_CHAIN_ENTRY);
	}
	if (ret == 0)
		view_dnats(lf, &v);
	nft_view_free(&v);
	return ret;
}

static int load_legacy(struct live_family *lf, struct diag *d)
{
	struct strbuf t = {0};
	int ret = 0;

	if (legacy_has(lf->family, "filter")) {
		ret = live_save_table(lf->family, LIVE_LEGACY, "filter", &t, d);
		lf->docker_legacy =
		    ret == 0 && (live_has_chain_line(sb_str(&t), "DOCKER") ||
				 live_has_chain_line(sb_str(&t), "DOCKER-FORWARD"));
		sb_reset(&t);
	}
	if (ret == 0 && legacy_has(lf->family, "nat")) {
		ret = live_save_table(lf->family, LIVE_LEGACY, "nat", &t, d);
		legacy_dnats(lf, sb_str(&t));
	}
	sb_free(&t);
	return ret;
}

int live_load(struct live_family *lf, int family, struct diag *d)
{
	struct strbuf t = {0};
	int ret;

	memset(lf, 0, sizeof(*lf));
	lf->family = family;
	lf->ufw_variant = ufw_variant(family);
	ret = load_nft(lf, d);
	if (ret == 0)
		ret = load_legacy(lf, d);
	if (ret == 0 && lf->ufw_variant != LIVE_NONE) {
		bool legacy = lf->ufw_variant == LIVE_LEGACY;

		if (!legacy || legacy_has(family, "filter"))
			ret = live_save_table(family, lf->ufw_variant, "filter", &t, d);
		lf->filter_text = sb_detach(&t);
		lf->source = legacy ? "iptables-legacy-save"
				    : "nf_tables netlink + iptables-nft-save";
		lf->jumps_to_ours = live_count_lines(
		    lf->filter_text, "-A DOCKER-USER -j " UFWD_CHAIN_ENTRY);
		if (legacy)
			read_jumps_text(lf);
	}
	sb_free(&t);
	return ret;
}

void live_free(struct live_family *lf)
{
	free(lf->filter_text);
	free(lf->dnats);
	memset(lf, 0, sizeof(*lf));
}
