/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_status: `ufw-docker status [verbose] [--json]`: ufw active or not, the
 * firewall variants, the jumps, drift, and the rules in force for containers. */
#include <errno.h>
#include <stdio.h>

#include "cmds.h"
#include "json.h"
#include "live.h"
#include "nft_build.h"
#include "show_added.h"
#include "util.h"

static const char *yesno(bool b)
{
	return b ? "yes" : "no";
}

static const char *sync_word(const struct live_survey *s, size_t k)
{
	if (!s->st.enabled)
		return "not checked (ufw inactive)";
	if (!s->sync_known[k])
		return "not checked";
	return s->in_sync[k] ? "in sync with ufw's rules"
			     : "DRIFTED (run: ufw-docker sync)";
}

static bool nft_backend(const struct live_survey *s)
{
	return s->backend == UFWD_BACKEND_NFTABLES;
}

/* Our nftables tables in words, with the fix when they are not right. */
static const char *nft_word(const struct live_survey *s)
{
	const char *t = s->nft_tables ? s->nft_tables : "";

	if (streq(t, "in sync"))
		return "present, in sync with ufw's rules";
	if (streq(t, "missing"))
		return "MISSING (run: ufw-docker sync)";
	if (streq(t, "different"))
		return "DIFFERENT from what sync would install (run: ufw-docker sync)";
	if (streq(t, "left over"))
		return "LOADED but not wanted (run: ufw-docker sync)";
	if (streq(t, "none"))
		return s->st.enabled ? "none" : "none (ufw inactive)";
	return "not checked";
}

/* Which backend is in force and, for nftables, our tables' state. */
static void backend_text(const struct live_survey *s, struct strbuf *out)
{
	sb_addf(out, "Backend: %s (configured: backend = %s)\n",
		ufwd_backend_name(s->backend), ufwd_backend_name(s->cfg.backend));
	if (nft_backend(s) || (s->nft_tables && streq(s->nft_tables, "left over")))
		sb_addf(out, "  Tables ip/ip6 %s: %s\n", NFTB_TABLE, nft_word(s));
}

static void family_text(const struct live_survey *s, size_t k, struct strbuf *out)
{
	const struct live_family *lf = &s->fam[k];

	sb_addf(out, "IPv%d: ufw uses %s, Docker's rules are in %s\n", lf->family,
		live_variant_name(lf->ufw_variant), live_docker_backend(lf));
	if (nft_backend(s)) {
		sb_addf(out, "  Live rules: %s\n", sync_word(s, k));
		return;
	}
	sb_addf(out,
		"  DOCKER-USER exists: %s; FORWARD jumps to it first: %s; "
		"it jumps first to ufw-docker-forward: %s\n",
		yesno(lf->has_docker_user), yesno(lf->forward_first_docker_user),
		yesno(lf->docker_user_first_ours));
	sb_addf(out, "  Live rules: %s\n", sync_word(s, k));
}

/* The rules that reach containers, as ufw commands (incoming and route). */
static void rules_text(const struct live_survey *s, struct strbuf *out, struct diag *d)
{
	size_t shown = 0;

	sb_adds(out, "\nRules in force for published container ports:\n");
	for (size_t i = 0; i < s->rs.n; i++) {
		const struct ufw_rule *r = &s->rs.v[i];

		if (r->direction == UFW_DIR_OUT && !r->forward)
			continue;
		sb_adds(out, "  ufw ");
		ufw_rule_command(r, out, d);
		sb_addf(out, "%s\n", r->family == UFW_V6 ? "   (v6)" : "");
		shown++;
	}
	if (!shown)
		sb_adds(out, "  (none)\n");
	sb_addf(out, "Default: %s (incoming)\n", ufw_policy_name(s->st.input_policy));
}

static void verbose_text(const struct live_survey *s, struct strbuf *out)
{
	sb_addf(out,
		"Logging: %s\nInternal interfaces:", ufw_loglevel_name(s->st.loglevel));
	for (size_t i = 0; i < s->cfg.n_internal_ifaces; i++)
		sb_addf(out, " %s", s->cfg.internal_ifaces[i]);
	sb_addf(out, "\nRead with: %s\n", s->n_fam ? s->fam[0].source : "-");
	sb_addf(out, "Published ports: %zu (see 'ufw-docker check')\n", s->n_ports);
}

static void status_text(const struct live_survey *s, bool verbose, struct strbuf *out,
			struct diag *d)
{
	for (size_t i = 0; i < s->n_problems; i++)
		if (streq(s->problems[i].kind, "variant"))
			sb_addf(out, "WARNING: %s\n", s->problems[i].message);
	sb_addf(out, "Status: %s\n",
		s->st.enabled ? "active"
			      : "inactive (published ports are not filtered by ufw)");
	backend_text(s, out);
	if (verbose)
		verbose_text(s, out);
	for (size_t k = 0; k < s->n_fam; k++)
		family_text(s, k, out);
	if (s->st.enabled)
		rules_text(s, out, d);
	live_problems_text(s, out);
}

static void family_json(const struct live_survey *s, size_t k, struct strbuf *out)
{
	const struct live_family *lf = &s->fam[k];

	sb_addf(out, "{\"family\":%d,", lf->family);
	json_key(out, "ufw_variant");
	json_str(out, live_variant_name(lf->ufw_variant));
	sb_addc(out, ',');
	json_key(out, "docker_backend");
	json_str(out, live_docker_backend(lf));
	sb_addf(out,
		",\"docker_user\":%s,\"forward_jumps_first\":%s,"
		"\"docker_user_jumps_first\":%s,\"in_sync\":%s}",
		lf->has_docker_user ? "true" : "false",
		lf->forward_first_docker_user ? "true" : "false",
		lf->docker_user_first_ours ? "true" : "false",
		!s->sync_known[k] ? "null"
		: s->in_sync[k]	  ? "true"
				  : "false");
}

static void status_json(const struct live_survey *s, struct strbuf *out, struct diag *d)
{
	struct strbuf cmd = {0};

	sb_addf(out, "{\"ufw_active\":%s,", s->st.enabled ? "true" : "false");
	json_key(out, "backend");
	json_str(out, ufwd_backend_name(s->backend));
	sb_addc(out, ',');
	json_key(out, "backend_config");
	json_str(out, ufwd_backend_name(s->cfg.backend));
	sb_addc(out, ',');
	json_key(out, "nft_tables");
	json_str(out, s->nft_tables);
	sb_adds(out, ",\"families\":[");
	for (size_t k = 0; k < s->n_fam; k++) {
		if (k)
			sb_addc(out, ',');
		family_json(s, k, out);
	}
	sb_adds(out, "],\"rules\":[");
	for (size_t i = 0, n = 0; i < s->rs.n; i++) {
		if (s->rs.v[i].direction == UFW_DIR_OUT && !s->rs.v[i].forward)
			continue;
		sb_reset(&cmd);
		sb_adds(&cmd, "ufw ");
		ufw_rule_command(&s->rs.v[i], &cmd, d);
		sb_adds(out, n++ ? "," : "");
		json_str(out, sb_str(&cmd));
	}
	sb_adds(out, "],");
	json_key(out, "default_incoming");
	json_str(out, ufw_policy_name(s->st.input_policy));
	sb_addc(out, ',');
	live_problems_json(s, out);
	sb_adds(out, "}\n");
	sb_free(&cmd);
}

static int usage_error(void)
{
	fprintf(stderr, "Usage: ufw-docker status [verbose] [--json]\n");
	return EXIT_USAGE;
}

int cmd_status(int argc, char **argv, const struct cli_opts *o)
{
	struct live_survey s;
	struct strbuf out = {0};
	bool json = false, verbose = false;
	struct diag d;
	int ret;

	for (int i = 1; i < argc; i++) {
		if (streq(argv[i], "--json"))
			json = true;
		else if (streq(argv[i], "verbose"))
			verbose = true;
		else
			return usage_error();
	}
	diag_init(&d, stderr);
	ret = live_survey(&s, o->root, o->config_path, &d);
	if (ret == 0 && json)
		status_json(&s, &out, &d);
	else if (ret == 0)
		status_text(&s, verbose, &out, &d);
	fwrite(sb_str(&out), 1, out.len, stdout);
	if (ret == 0 && fflush(stdout) != 0)
		ret = -errno;
	ret = ret ? EXIT_FAIL : s.n_problems ? EXIT_PROBLEM : EXIT_OK;
	live_survey_free(&s);
	sb_free(&out);
	diag_free(&d);
	return ret;
}
