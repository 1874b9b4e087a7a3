/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_hook: `ufw-docker hook start|stop|status|flush-all`, run by after.init
 * from ufw-init: keeps exactly one DOCKER-USER jump to our chain, first. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "block.h"
#include "cmds.h"
#include "config.h"
#include "fileio.h"
#include "iptables.h"
#include "ufw_conf.h"
#include "ufw_rules.h"
#include "xlate.h"

struct hook_ctx {
	const struct cli_opts *o;
	struct diag d;
	struct ufw_state st;
	bool state_ok; /* st was read */
	bool v6;       /* ufw's IPv6 on, ours not "no" */
};

/* ufw's state and our ipv6 setting. No lock: ufw holds it while it runs us. */
static void load(struct hook_ctx *c)
{
	char *conf = c->o->config_path ? xstrdup(c->o->config_path)
				       : path_under_root(c->o->root, UFWD_CONFIG_PATH);
	struct ufwd_config cfg;

	ufwd_config_defaults(&cfg);
	c->state_ok = ufw_state_load(&c->st, c->o->root, &c->d) == 0;
	/* a bad config must not leave containers unfiltered: defaults then */
	if (ufwd_config_load(&cfg, conf, &c->d) < 0)
		ufwd_config_defaults(&cfg);
	c->v6 = c->state_ok && c->st.ipv6 && ufw_kernel_has_ipv6() && cfg.ipv6 != UFWD_NO;
	ufwd_config_free(&cfg);
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

static int hook_start(struct hook_ctx *c)
{
	int ret = start_family(c, UFW_V4);
	int r6 = c->v6 ? start_family(c, UFW_V6) : 0;

	return ret ? ret : r6;
}

/* ufw disable writes ENABLED=no before stopping: then containers go back to
 * Docker's rules; a reload or shutdown keeps the jump (no open window). */
static int hook_stop(struct hook_ctx *c)
{
	if (!c->state_ok || c->st.enabled)
		return 0;
	return remove_jumps(c);
}

static int hook_status(struct hook_ctx *c)
{
	struct ipt_jump j;

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
		ret = remove_jumps(&c);
	diag_free(&c.d);
	return ret == 0 ? EXIT_OK : EXIT_FAIL;
}
