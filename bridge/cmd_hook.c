/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_hook: `ufw-docker hook start|stop|status|flush-all`, run by after.init
 * from ufw-init: keeps exactly one DOCKER-USER jump to our chain, first, or
 * (nftables backend, as our after.rules block says) our nf_tables tables. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "block.h"
#include "cmds.h"
#include "config.h"
#include "fileio.h"
#include "iptables.h"
#include "nft_backend.h"
#include "nft_build.h"
#include "ufw_conf.h"
#include "ufw_rules.h"
#include "ufwproc.h"
#include "xlate.h"

struct hook_ctx {
	const struct cli_opts *o;
	struct diag d;
	struct ufw_state st;
	bool state_ok; /* st was read */
	bool v6;       /* ufw's IPv6 on, ours not "no" */
	struct ufwd_config cfg;
	enum ufwd_backend be; /* what our block in after.rules was written for */
};

static int block_from_file(struct hook_ctx *c, enum ufw_family fam, struct strbuf *body);

/* ufw's state and our ipv6 setting. No lock: ufw holds it while it runs us. */
static void load(struct hook_ctx *c)
{
	char *conf = c->o->config_path ? xstrdup(c->o->config_path)
				       : path_under_root(c->o->root, UFWD_CONFIG_PATH);
	struct strbuf body = {0};

	ufwd_config_defaults(&c->cfg);
	c->state_ok = ufw_state_load(&c->st, c->o->root, &c->d) == 0;
	/* a bad config must not leave containers unfiltered: defaults then */
	if (ufwd_config_load(&c->cfg, conf, &c->d) < 0)
		ufwd_config_defaults(&c->cfg);
	c->v6 =
	    c->state_ok && c->st.ipv6 && ufw_kernel_has_ipv6() && c->cfg.ipv6 != UFWD_NO;
	c->be = UFWD_BACKEND_IPTABLES;
	if (block_from_file(c, UFW_V4, &body) > 0)
		c->be = backend_of_block(body.buf);
	sb_free(&body);
	free(conf);
}

/* Our block from after.rules / after6.rules: 1 (in body), 0 none, -errno. */
static int block_from_file(struct hook_ctx *c, enum ufw_family fam, struct strbuf *body)
{
	const char *abs =
	    fam == UFW_V4 ? "/etc/ufw/after.rules" : "/etc/ufw/after6.rules";
	char *path = path_under_root(c->o->root, abs);
	struct strbuf text = {0};
	int ret = file_read(path, &text, false, &c->d);

	if (ret == 0)
		ret =
		    block_body(text.buf, text.len, &block_kind_rules, path, body, &c->d);
	sb_free(&text);
	free(path);
	return ret;
}

/* ufw just loaded body from after.rules: remember what the kernel holds, so
 * that the next sync can tell it is in sync. Only a plausible state. */
static void record(struct hook_ctx *c, enum ufw_family fam, const char *body)
{
	struct strbuf now = {0};

	if (ipt_live_state(fam, body, &now, &c->d) == 0 && ipt_state_plausible(now.buf))
		ipt_record_state(c->o->root, fam, body, &c->d);
	sb_free(&now);
}

static int start_family(struct hook_ctx *c, enum ufw_family fam)
{
	struct strbuf body = {0}, tx = {0};
	struct ipt_jump j;
	int have, ret = block_from_file(c, fam, &body);

	have = ret;
	if (ret == 0)
		diag_warn(&c->d,
			  fam == UFW_V4 ? "/etc/ufw/after.rules"
					: "/etc/ufw/after6.rules",
			  0, "no ufw-docker block: run `ufw-docker sync`");
	if (ret <= 0)
		goto out;
	ret = ipt_jump_state(fam, &j, &c->d);
	if (ret == 0)
		ret = ipt_list_chain(fam, IPT_DEFAULT, UFWD_CHAIN_ENTRY, &tx, &c->d);
	if (ret < 0)
		goto out;
	if (ret == 0) { /* ufw did not load our chain: load it, with the jump */
		ret = ipt_build_tx(body.buf, &j, true, &tx);
	} else if (!ipt_jump_ok(&j, true)) {
		ret = ipt_build_tx(NULL, &j, true, &tx);
	} else {
		ret = 0;
		sb_reset(&tx);
	}
	if (ret == -EINVAL)
		diag_err(&c->d, NULL, 0,
			 "our block in after%s.rules does not end with COMMIT",
			 fam == UFW_V6 ? "6" : "");
	if (ret == 0 && tx.len)
		ret = ipt_restore(fam, tx.buf, &c->d);
	if (ret == 0 && have > 0)
		record(c, fam, body.buf);
out:
	sb_free(&body);
	sb_free(&tx);
	return ret;
}

static int remove_jumps(struct hook_ctx *c)
{
	struct strbuf tx = {0};
	int ret = 0, r;

	for (int i = 0; i < 2; i++) {
		enum ufw_family fam = i ? UFW_V6 : UFW_V4;

		if (fam == UFW_V6 && !ufw_kernel_has_ipv6())
			continue;
		r = ipt_removal_tx(fam, false, &tx, &c->d);
		if (r == 0 && tx.len)
			r = ipt_restore(fam, tx.buf, &c->d);
		ret = ret ? ret : r;
	}
	sb_free(&tx);
	return ret;
}

/* The nftables backend: ufw has just loaded the companion from after.rules;
 * our tables, which no ufw file holds, are rebuilt from ufw's rules and
 * replace the old ones in one batch (no gap during a reload). */
static int nft_start(struct hook_ctx *c)
{
	struct ufw_ruleset rs = {0};
	struct nftb_input in = {&rs, &c->st, &c->cfg, c->v6};
	struct strbuf tx = {0};
	int ret = c->state_ok ? 0 : -EINVAL;

	for (int i = 0; i < 1 + c->v6 && ret == 0; i++) {
		ret = backend_companion_tx(i ? UFW_V6 : UFW_V4, true, &tx, &c->d);
		if (ret == 0 && tx.len)
			ret = ipt_restore(i ? UFW_V6 : UFW_V4, tx.buf, &c->d);
	}
	if (ret == 0)
		ret = ufw_rules_load(c->o->root, c->v6, &rs, &c->d);
	if (ret == 0)
		ret = backend_nft_apply(c->o->root, &in, &c->d);
	sb_free(&tx);
	ufw_ruleset_free(&rs);
	return ret;
}

/* Containers unfiltered: no jump, and no table of ours. */
static int remove_all(struct hook_ctx *c)
{
	int ret = remove_jumps(c);
	int rn =
	    c->be == UFWD_BACKEND_NFTABLES ? backend_nft_remove(c->o->root, &c->d) : 0;

	return ret ? ret : rn < 0 ? rn : 0;
}

static int hook_start(struct hook_ctx *c)
{
	int ret, r6;

	if (c->be == UFWD_BACKEND_NFTABLES)
		return nft_start(c);
	ret = start_family(c, UFW_V4);
	r6 = c->v6 ? start_family(c, UFW_V6) : 0;
	return ret ? ret : r6;
}

/* ufw disable writes ENABLED=no before stopping: then containers go back to
 * Docker's rules. A shutdown keeps ENABLED=yes, and `ufw reload` (disable then
 * enable, so ENABLED=no here too) is told apart by its process: both keep our
 * rules in force, so that no denied port is open while ufw restarts. */
static int hook_stop(struct hook_ctx *c)
{
	if (!c->state_ok || c->st.enabled)
		return 0;
	if (ufwproc_in_reload("/proc", getpid()))
		return 0;
	return remove_all(c);
}

static int nft_status(struct hook_ctx *c)
{
	struct ufw_ruleset rs = {0};
	struct nftb_input in = {&rs, &c->st, &c->cfg, c->v6};
	int ret = c->state_ok ? ufw_rules_load(c->o->root, c->v6, &rs, &c->d) : -EINVAL;

	if (ret == 0)
		ret = nftb_status(&in, &c->d);
	if (ret >= 0)
		printf("ufw-docker: nftables: %s\n",
		       ret ? "our tables are missing or differ from ufw's rules "
			     "(containers unfiltered or stale)"
			   : "tables " NFTB_TABLE " in place, as ufw's rules say");
	ufw_ruleset_free(&rs);
	return ret < 0 ? ret : 0;
}

static int hook_status(struct hook_ctx *c)
{
	struct ipt_jump j;

	if (c->be == UFWD_BACKEND_NFTABLES)
		return nft_status(c);
	for (int i = 0; i < 1 + c->v6; i++) {
		enum ufw_family fam = i ? UFW_V6 : UFW_V4;

		if (ipt_jump_state(fam, &j, &c->d) < 0)
			continue;
		printf("ufw-docker: IPv%d: %s\n", (int)fam,
		       ipt_jump_ok(&j, true) ? "DOCKER-USER jumps to " UFWD_CHAIN_ENTRY
					       " first"
		       : j.count
			   ? "the jump to " UFWD_CHAIN_ENTRY " is not alone or not first"
			   : "no jump to " UFWD_CHAIN_ENTRY " (containers unfiltered)");
	}
	return 0;
}

int cmd_hook(int argc, char **argv, const struct cli_opts *o)
{
	struct hook_ctx c = {.o = o};
	int ret;

	if (argc != 2 || (!streq(argv[1], "start") && !streq(argv[1], "stop") &&
			  !streq(argv[1], "status") && !streq(argv[1], "flush-all"))) {
		fprintf(stderr, "Usage: ufw-docker hook start|stop|status|flush-all\n");
		return EXIT_USAGE;
	}
	diag_init(&c.d, stderr);
	load(&c);
	if (streq(argv[1], "start"))
		ret = hook_start(&c);
	else if (streq(argv[1], "stop"))
		ret = hook_stop(&c);
	else if (streq(argv[1], "status"))
		ret = hook_status(&c);
	else
		ret = remove_all(&c);
	ufwd_config_free(&c.cfg);
	diag_free(&c.d);
	return ret == 0 ? EXIT_OK : EXIT_FAIL;
}
