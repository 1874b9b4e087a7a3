/* SPDX-License-Identifier: GPL-3.0-or-later */
/* live: the survey behind status and check: loads each family, judges it
 * (structure, drift, the nftables backend) and every published port. */
#include "live.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "block.h"
#include "docker_api.h"
#include "fileio.h"
#include "live_nft.h"
#include "live_save.h"
#include "nft_backend.h"
#include "nft_build.h"
#include "ufw_rules.h"
#include "xlate.h"

/* ---- judging ---- */

static void add_problem(struct live_survey *s, const char *kind, int family,
			const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void add_problem(struct live_survey *s, const char *kind, int family,
			const char *fix, const char *fmt, ...)
{
	struct live_problem *p;
	struct strbuf msg = {0};
	va_list ap;

	va_start(ap, fmt);
	sb_vaddf(&msg, fmt, ap);
	va_end(ap);
	s->problems = xrealloc(s->problems, (s->n_problems + 1) * sizeof(*s->problems));
	p = &s->problems[s->n_problems++];
	p->kind = xstrdup(kind);
	p->family = family;
	p->message = sb_detach(&msg);
	p->fix = fix ? xstrdup(fix) : NULL;
}

static const char *const our_chains[] = {UFWD_CHAIN_ENTRY, UFWD_CHAIN_INPUT,
					 UFWD_CHAIN_LIMIT};

static unsigned n_lines(const char *s)
{
	unsigned n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Compares our chains live with canon; reports the first difference. */
static bool chains_equal(struct live_survey *s, int family, const char *live,
			 const char *canon)
{
	bool same = true;

	for (size_t i = 0; i < ARRAY_SIZE(our_chains) && same; i++) {
		const char *c = our_chains[i];
		char *a = live_chain_lines(live, c), *b = live_chain_lines(canon, c);

		if (live_has_chain_line(live, c) != live_has_chain_line(canon, c)) {
			add_problem(s, "drift", family, "ufw-docker sync",
				    "IPv%d: chain %s is missing", family, c);
			same = false;
		} else if (!streq(a, b)) {
			add_problem(
			    s, "drift", family, "ufw-docker sync",
			    "IPv%d: %s differs from what sync would write now "
			    "(%u rules live, %u expected): flushed, edited, or ufw's "
			    "rules changed since the last sync",
			    family, c, n_lines(a), n_lines(b));
			same = false;
		}
		free(a);
		free(b);
	}
	return same;
}

static void check_drift(struct live_survey *s, size_t k, const char *expected,
			struct diag *d)
{
	struct live_family *lf = &s->fam[k];
	struct strbuf canon = {0};

	if (live_canonical(lf->family, lf->ufw_variant, expected, &canon, d) == 0) {
		s->sync_known[k] = true;
		s->in_sync[k] =
		    chains_equal(s, lf->family, lf->filter_text, sb_str(&canon));
	}
	sb_free(&canon);
}

static bool docker_elsewhere(const struct live_family *lf)
{
	if (lf->ufw_variant == LIVE_NFT)
		return lf->docker_legacy && !lf->docker_nft;
	if (lf->ufw_variant == LIVE_LEGACY)
		return lf->docker_nft && !lf->docker_legacy;
	return false;
}

/* The structure checks of one family while ufw is active. */
static void check_structure(struct live_survey *s, const struct live_family *lf)
{
	int f = lf->family;
	bool docker = lf->docker_nft || lf->docker_legacy;

	if (lf->docker_nftables && !docker)
		add_problem(
		    s, "variant", f, NULL,
		    "IPv%d: Docker uses its nftables backend: there is no DOCKER-USER "
		    "chain, ufw's rules do not apply to published ports",
		    f);
	if (docker_elsewhere(lf))
		add_problem(
		    s, "variant", f,
		    "update-alternatives --config iptables; systemctl restart docker",
		    "IPv%d: ufw uses %s but Docker's rules are in %s: ufw's rules do "
		    "not see container traffic",
		    f, live_variant_name(lf->ufw_variant), live_docker_backend(lf));
	if (!docker || docker_elsewhere(lf))
		return;
	if (!lf->has_docker_user)
		add_problem(s, "docker-user", f, "systemctl restart docker",
			    "IPv%d: chain DOCKER-USER does not exist", f);
	else if (!lf->forward_first_docker_user)
		add_problem(s, "forward", f, "systemctl restart docker",
			    "IPv%d: FORWARD's first rule does not jump to DOCKER-USER",
			    f);
	if (lf->has_docker_user &&
	    (!lf->docker_user_first_ours || lf->jumps_to_ours != 1))
		add_problem(s, "jump", f, "ufw-docker sync",
			    "IPv%d: DOCKER-USER's first rule does not jump to %s "
			    "(%u jumps there)",
			    f, UFWD_CHAIN_ENTRY, lf->jumps_to_ours);
}

/* The filter table where Docker's DOCKER-USER lives (the packets' path). */
static char *docker_filter_text(const struct live_family *lf, struct diag *d)
{
	struct strbuf t = {0};
	enum live_variant other = lf->ufw_variant == LIVE_NFT ? LIVE_LEGACY : LIVE_NFT;

	if (!docker_elsewhere(lf))
		return xstrdup(lf->filter_text ? lf->filter_text : "");
	if (live_save_table(lf->family, other, "filter", &t, d) != 0)
		sb_reset(&t);
	return sb_detach(&t);
}

static void eval_port(struct live_survey *s, struct live_port *lp,
		      const struct reach_start *live, const struct reach_start *ufw)
{
	const char **skip = (const char **)s->cfg.internal_ifaces;

	reach_eval(live, ufw, &lp->port, skip, s->cfg.n_internal_ifaces, &lp->r);
	if (lp->r.n_denied) {
		struct strbuf who = {0}, addr = {0};
		struct reach_pfx h = {.len = lp->family == 6 ? 128 : 32};

		memcpy(h.a, &lp->port.host, 16);
		if (lp->port.has_host_addr)
			reach_pfx_format(&h, lp->family, &addr);
		else
			sb_adds(&addr, lp->family == 6 ? "[::]" : "0.0.0.0");
		for (size_t i = 0; i < lp->r.n_denied; i++)
			sb_addf(&who, "%s%s", i ? "; " : "", lp->r.denied[i]);
		add_problem(s, "leak", lp->family, "ufw-docker sync",
			    "%s port %s:%u is reachable from %s, which ufw denies",
			    lp->port.proto == IPPROTO_UDP ? "udp" : "tcp", sb_str(&addr),
			    lp->port.host_port, sb_str(&who));
		sb_free(&who);
		sb_free(&addr);
	}
}

static void add_ports(struct live_survey *s, const struct live_family *lf,
		      const struct reach_start *live, const struct reach_start *ufw)
{
	for (size_t i = 0; i < lf->n_dnats; i++) {
		const struct live_dnat *dn = &lf->dnats[i];

		for (unsigned p = dn->port_min;
		     p <= dn->port_max && p - dn->port_min < 1024; p++) {
			struct live_port *lp;

			s->ports =
			    xrealloc(s->ports, (s->n_ports + 1) * sizeof(*s->ports));
			lp = &s->ports[s->n_ports++];
			memset(lp, 0, sizeof(*lp));
			lp->family = lf->family;
			lp->port.family = lf->family;
			lp->port.proto = dn->proto;
			lp->port.has_host_addr = dn->has_host;
			lp->port.host = dn->host;
			lp->port.host_port = (uint16_t)p;
			lp->port.container = dn->to;
			lp->port.container_port =
			    dn->to_port ? (uint16_t)(dn->to_port + (p - dn->port_min))
					: (uint16_t)p;
			if (dn->iif_neg)
				memcpy(lp->port.out_if, dn->iif, sizeof(lp->port.out_if));
			eval_port(s, lp, live, ufw);
		}
	}
}

/* ---- the nftables backend ---- */

static bool nft_backend(const struct live_survey *s)
{
	return s->backend == UFWD_BACKEND_NFTABLES;
}

/* The backend our after.rules block was written for (as sync reads it). */
static enum ufwd_backend recorded_backend(const char *root, struct diag *d)
{
	char *path = path_under_root(root, "/etc/ufw/after.rules");
	struct strbuf text = {0}, body = {0};
	enum ufwd_backend rec = UFWD_BACKEND_IPTABLES;

	if (file_read(path, &text, true, d) == 0 && text.len &&
	    block_body(text.buf, text.len, &block_kind_rules, path, &body, d) > 0)
		rec = backend_of_block(body.buf);
	sb_free(&text);
	sb_free(&body);
	free(path);
	return rec;
}

/* The first message q kept, without "ufw-docker: warning: " and newline. */
static char *kept_message(const struct diag *q)
{
	const char *m = sb_str(&q->kept), *colon = strstr(m, ": warning: ");

	if (!colon)
		colon = strstr(m, ": error: ");
	m = colon ? strchr(colon + 2, ':') + 2 : m;
	return xstrndup(m, strcspn(m, "\n"));
}

/* nftb_status's first difference, msg "table ip6 ufw-docker is missing". */
static void nft_drift(struct live_survey *s, const char *msg)
{
	bool missing = strstr(msg, " is missing") != NULL;

	s->nft_tables = missing ? "missing" : "different";
	s->nft_family = str_startswith(msg, "table ip6 ") ? 6 : 4;
	add_problem(s, "drift", s->nft_family, "ufw-docker sync", "nftables: %s: %s", msg,
		    missing ? "ufw's rules do not reach that family's containers"
			    : "the verdicts are the live table's, not ufw's");
}

/* Our tables against what sync would install now (sets s->nft_tables). */
static int check_nft_tables(struct live_survey *s, struct diag *d)
{
	bool v6 = s->st.ipv6 && ufw_kernel_has_ipv6() && s->cfg.ipv6 != UFWD_NO;
	struct nftb_input in = {&s->rs, &s->st, &s->cfg, v6};
	bool present = false;
	struct diag q;
	char *msg;
	int ret = nftb_present(&present, d);

	s->nft_family = 0;

	if (ret == 0 && (!nft_backend(s) || !s->st.enabled)) {
		s->nft_tables = present ? "left over" : "none";
		if (present)
			add_problem(s, "drift", 0, "ufw-docker sync",
				    "nftables: table " NFTB_TABLE " is loaded while %s",
				    s->st.enabled ? "the iptables backend is in force"
						  : "ufw is inactive");
		return 0;
	}
	if (ret)
		return ret;
	diag_init(&q, NULL);
	q.keep = 1;
	ret = nftb_status(&in, &q);
	/* nftb_status stops at the first difference: presence per family */
	for (int k = 0; k < 2 && ret >= 0; k++) {
		bool here = false;

		if (nftb_present_family(k ? UFW_V6 : UFW_V4, &here, d) == 0)
			s->nft_absent[k] = !here;
	}
	msg = kept_message(&q);
	if (ret == 0)
		s->nft_tables = "in sync";
	else if (ret == 1)
		nft_drift(s, msg);
	else
		diag_err(d, NULL, 0, "%s", msg);
	free(msg);
	diag_free(&q);
	return ret < 0 ? ret : 0;
}

/* ufw's FORWARD must let through what our table marked: the companion. */
static void check_companion(struct live_survey *s, const struct live_family *lf,
			    struct diag *d)
{
	enum ufw_family fam = lf->family == 6 ? UFW_V6 : UFW_V4;
	struct strbuf tx = {0};

	if (lf->ufw_variant != LIVE_NONE &&
	    backend_companion_tx(fam, true, &tx, d) == 0 && tx.len) {
		add_problem(s, "companion", lf->family, "ufw-docker sync",
			    "IPv%d: ufw's %s does not jump exactly once to %s, or "
			    "chains of the iptables backend are loaded: what our "
			    "table allows may be dropped by ufw's FORWARD policy",
			    lf->family,
			    fam == UFW_V6 ? "ufw6-after-forward" : "ufw-after-forward",
			    NFTB_COMPANION_CHAIN);
	}
	sb_free(&tx);
}

/* One family's checks while ufw is active, per backend. */
static void check_family(struct live_survey *s, size_t k, const char *expected,
			 struct diag *d)
{
	struct live_family *lf = &s->fam[k];

	if (nft_backend(s)) {
		check_companion(s, lf, d);
		/* nftb_status stops at the first difference, IPv4 first */
		s->sync_known[k] =
		    s->nft_tables && (!s->nft_family || lf->family <= s->nft_family);
		s->in_sync[k] = s->sync_known[k] && lf->family != s->nft_family;
		return;
	}
	check_structure(s, lf);
	if (lf->ufw_variant != LIVE_NONE && !docker_elsewhere(lf))
		check_drift(s, k, expected, d);
}

/* Container names from Docker's API, when it answers (else names stay NULL). */
static void name_ports(struct live_survey *s)
{
	struct docker_names n = {0};

	if (!s->n_ports ||
	    docker_api_query(docker_api_socket(), DOCKER_API_TIMEOUT_MS, &n) != 0)
		return;
	s->docker_names = true;
	for (size_t i = 0; i < s->n_ports; i++) {
		struct live_port *lp = &s->ports[i];
		const char *name = docker_names_find(&n, lp->family, &lp->port.container);

		if (name)
			lp->container = xstrdup(name);
	}
	docker_names_free(&n);
}

/* Where a new connection to a published port must get through, in the
 * kernel's order. The iptables backend: DOCKER-USER (its RETURN: Docker's
 * rules accept). The nftables backend: Docker's nftables accept what they
 * publish, then iptables' FORWARD as ufw left it (its policy, ufw's route
 * rules, our companion accepting the mark our table set). Either way our
 * nf_tables table's base chains, read back, when it exists. */
struct stages {
	struct reach_ruleset docker, forward;
	struct live_nft nft;
	struct reach_start first, fwd;
};

static int stages_load(struct live_survey *s, const struct live_family *lf,
		       struct stages *sg, struct diag *d)
{
	char *dtext = nft_backend(s) ? NULL : docker_filter_text(lf, d);
	int ret = live_nft_load(&sg->nft, lf->family, d);

	sg->first = (struct reach_start){NULL, "DOCKER-USER", NULL};
	sg->fwd = (struct reach_start){NULL, "FORWARD", NULL};
	if (ret == 0 && dtext) {
		ret = reach_parse(&sg->docker, lf->family, dtext);
		sg->first.rs = &sg->docker;
	}
	if (ret == 0 && nft_backend(s) && lf->ufw_variant != LIVE_NONE &&
	    lf->filter_text) {
		ret = reach_parse(&sg->forward, lf->family, lf->filter_text);
		sg->fwd.rs = &sg->forward;
	}
	sg->first.next = live_nft_stages(&sg->nft, sg->fwd.rs ? &sg->fwd : NULL);
	free(dtext);
	return ret;
}

static void stages_free(struct stages *sg)
{
	reach_ruleset_free(&sg->docker);
	reach_ruleset_free(&sg->forward);
	live_nft_free(&sg->nft);
}

/* One family: structure, drift, then every published port, its verdict from
 * the live stages above; ufw's verdict from the rules sync would write. */
static int survey_family(struct live_survey *s, size_t k, struct diag *d)
{
	struct live_family *lf = &s->fam[k];
	enum ufw_family fam = lf->family == 6 ? UFW_V6 : UFW_V4;
	struct reach_ruleset urs = {0};
	struct stages sg = {0};
	struct strbuf expected = {0};
	struct reach_start ufw = {NULL, UFWD_CHAIN_ENTRY, NULL};
	int ret = xlate_block(&s->rs, fam, &s->st, &s->cfg, &expected, d);

	if (ret == 0 && s->st.enabled) {
		check_family(s, k, sb_str(&expected), d);
		ufw.rs = &urs;
	}
	if (ret == 0)
		ret = stages_load(s, lf, &sg, d);
	if (ret == 0)
		ret = reach_parse(&urs, lf->family, sb_str(&expected));
	if (ret == 0)
		add_ports(s, lf, &sg.first, &ufw);
	else
		diag_err(d, NULL, 0, "IPv%d: cannot read the rules", lf->family);
	stages_free(&sg);
	reach_ruleset_free(&urs);
	sb_free(&expected);
	return ret;
}

static bool want_v6(const struct live_survey *s)
{
	if (s->cfg.ipv6 == UFWD_NO)
		return false;
	return (s->cfg.ipv6 == UFWD_YES || s->st.ipv6) && ufw_kernel_has_ipv6();
}

int live_survey(struct live_survey *s, const char *root, const char *config_path,
		struct diag *d)
{
	char *conf =
	    config_path ? xstrdup(config_path) : path_under_root(root, UFWD_CONFIG_PATH);
	int ret;

	memset(s, 0, sizeof(*s));
	ufwd_config_defaults(&s->cfg);
	ret = ufwd_config_load(&s->cfg, conf, d);
	free(conf);
	if (ret == 0)
		ret = ufw_state_load(&s->st, root, d);
	if (ret == 0)
		ret = ufw_rules_load(root, want_v6(s), &s->rs, d);
	if (ret == 0)
		ret = backend_pick(s->cfg.backend, recorded_backend(root, d), &s->backend,
				   d);
	if (ret == 0)
		ret = check_nft_tables(s, d);
	for (int f = 4; ret == 0 && f <= 6; f += 2) {
		if (f == 6 && !want_v6(s))
			break;
		ret = live_load(&s->fam[s->n_fam], f, d);
		if (ret == 0)
			ret = survey_family(s, s->n_fam++, d);
	}
	if (ret == 0)
		name_ports(s);
	return ret;
}

void live_survey_free(struct live_survey *s)
{
	for (size_t i = 0; i < s->n_fam; i++)
		live_free(&s->fam[i]);
	for (size_t i = 0; i < s->n_problems; i++) {
		free(s->problems[i].kind);
		free(s->problems[i].message);
		free(s->problems[i].fix);
	}
	for (size_t i = 0; i < s->n_ports; i++) {
		free(s->ports[i].container);
		reach_result_free(&s->ports[i].r);
	}
	free(s->problems);
	free(s->ports);
	ufwd_config_free(&s->cfg);
	ufw_ruleset_free(&s->rs);
	memset(s, 0, sizeof(*s));
}
