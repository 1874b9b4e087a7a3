/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_nft: hidden `ufw-docker nft-apply [apply|remove|status|print]` for the
 * nftables backend's tests, until sync chooses the backend itself. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmds.h"
#include "config.h"
#include "nft_backend.h"
#include "nft_build.h"
#include "ufw_conf.h"
#include "ufw_rules.h"
#include "util.h"

struct nft_cmd_state {
	struct ufwd_config cfg;
	struct ufw_state st;
	struct ufw_ruleset rs;
	bool ipv6;
};

static int load_all(struct nft_cmd_state *s, const struct cli_opts *o, struct diag *d)
{
	char *path = o->config_path ? xstrdup(o->config_path)
				    : path_under_root(o->root, UFWD_CONFIG_PATH);
	int ret;

	ufwd_config_defaults(&s->cfg);
	ret = ufwd_config_load(&s->cfg, path, d);
	free(path);
	if (!ret)
		ret = ufw_state_load(&s->st, o->root, d);
	if (ret)
		return ret;
	s->ipv6 = s->cfg.ipv6 == UFWD_YES || (s->cfg.ipv6 == UFWD_AUTO && s->st.ipv6);
	s->ipv6 = s->ipv6 && ufw_kernel_has_ipv6();
	return ufw_rules_load(o->root, s->ipv6, &s->rs, d);
}

static int run(const char *what, struct nft_cmd_state *s, const struct cli_opts *o,
	       struct diag *d)
{
	struct nftb_input in = {&s->rs, &s->st, &s->cfg, s->ipv6};
	struct strbuf text = {0};
	int ret;

	if (streq(what, "remove"))
		return o->dry_run ? 0 : nftb_remove(d);
	if (streq(what, "companion"))
		return fputs(nftb_iptables_companion(), stdout) < 0 ? -EIO : 0;
	if (streq(what, "status"))
		return nftb_status(&in, d) == 0 ? 0 : 3;
	if (streq(what, "print") || o->dry_run) {
		ret = nftb_apply(&in, &text, d);
		fputs(sb_str(&text), stdout);
		sb_free(&text);
		return ret;
	}
	/* ufw disabled: containers unfiltered, as the iptables hook leaves them */
	return s->st.enabled ? nftb_apply(&in, NULL, d) : nftb_remove(d);
}

int cmd_nft(int argc, char **argv, const struct cli_opts *o)
{
	struct nft_cmd_state s = {0};
	const char *what = argc > 1 ? argv[1] : "apply";
	struct diag d;
	int ret;

	if (argc > 2 ||
	    (!streq(what, "apply") && !streq(what, "remove") && !streq(what, "status") &&
	     !streq(what, "print") && !streq(what, "companion"))) {
		fprintf(stderr, "Usage: ufw-docker nft-apply "
				"[apply|remove|status|print|companion]\n");
		return EXIT_USAGE;
	}
	diag_init(&d, o->quiet ? NULL : stderr);
	ret = streq(what, "remove") || streq(what, "companion") ? 0 : load_all(&s, o, &d);
	if (!ret)
		ret = run(what, &s, o, &d);
	ufw_ruleset_free(&s.rs);
	ufwd_config_free(&s.cfg);
	diag_free(&d);
	return ret == 0 ? EXIT_OK : ret == 3 ? EXIT_PROBLEM : EXIT_FAIL;
}
