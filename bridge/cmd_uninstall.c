/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_uninstall: `ufw-docker uninstall`: takes our blocks out of after*.rules,
 * the snippet out of after.init (its mode restored), our jumps, chains and
 * nf_tables tables out of the kernel: ufw's files as before the first sync. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "block.h"
#include "cmd_common.h"
#include "cmds.h"
#include "fileio.h"
#include "iptables.h"
#include "nft_backend.h"
#include "nft_build.h"
#include "ufw_rules.h"

enum { F_AFTER, F_AFTER6, F_INIT, N_FILES };

struct uninstall_ctx {
	const struct cli_opts *o;
	struct diag d;
	struct file_change files[N_FILES];
	struct strbuf tx[2]; /* v4, v6 removal transactions */
	bool nft;	     /* our nf_tables tables exist */
};

static int plan_file(struct uninstall_ctx *c, struct file_change *f, const char *abs,
		     const struct block_kind *k, char **args)
{
	char *path = path_under_root(c->o->root, abs);
	int ret = file_change_load(f, path, &c->d);

	free(path);
	*args = NULL;
	if (ret == 0 && f->existed)
		ret = block_remove(sb_str(&f->old), f->old.len, k, abs, &f->new, args,
				   &c->d);
	return ret;
}

/* after.init: restore the recorded mode, or delete the file we created. */
static int plan_init(struct uninstall_ctx *c)
{
	struct file_change *f = &c->files[F_INIT];
	char *args = NULL;
	int mode, ret = plan_file(c, f, "/etc/ufw/after.init", &block_kind_init, &args);

	if (ret < 0 || !args)
		return ret;
	mode = block_init_mode(args);
	if (mode < 0) {
		diag_err(&c->d, f->path, 0,
			 "damaged ufw-docker markers: bad '%s' on BEGIN", args);
		ret = -EBADMSG;
	} else if (mode == BLOCK_INIT_CREATED && streq(sb_str(&f->new), "#!/bin/sh\n")) {
		f->remove = true;
	} else if (mode == BLOCK_INIT_CREATED) {
		diag_warn(&c->d, f->path, 0,
			  "we created it but it was edited since: kept");
	} else {
		f->new_mode = mode;
	}
	free(args);
	return ret;
}

static int plan(void *arg)
{
	struct uninstall_ctx *c = arg;
	char *args = NULL;
	int ret = plan_file(c, &c->files[F_AFTER], "/etc/ufw/after.rules",
			    &block_kind_rules, &args);

	free(args);
	if (ret == 0)
		ret = plan_file(c, &c->files[F_AFTER6], "/etc/ufw/after6.rules",
				&block_kind_rules, &args);
	free(args);
	if (ret == 0)
		ret = plan_init(c);
	if (ret == 0)
		ret = ipt_removal_tx(UFW_V4, true, &c->tx[0], &c->d);
	if (ret == 0 && ufw_kernel_has_ipv6())
		ret = ipt_removal_tx(UFW_V6, true, &c->tx[1], &c->d);
	if (ret == 0)
		ret = nftb_present(&c->nft, &c->d);
	return ret;
}

static bool anything_to_do(const void *arg)
{
	const struct uninstall_ctx *c = arg;

	return cmd_files_need_change(c->files, N_FILES) || c->tx[0].len || c->tx[1].len ||
	       c->nft;
}

/* The live state files sync keeps; stale once our chains are gone. */
static void forget_live_state(const struct uninstall_ctx *c)
{
	char *p;

	for (int i = 0; i < 2; i++) {
		p = ipt_state_path(c->o->root, i ? UFW_V6 : UFW_V4);

		unlink(p);
		free(p);
	}
	p = path_under_root(c->o->root, UFWD_NFT_STATE_PATH);
	unlink(p);
	free(p);
}

static void print_plan(const void *arg)
{
	const struct uninstall_ctx *c = arg;

	cmd_print_files(c->files, N_FILES);
	for (int i = 0; i < 2; i++)
		cmd_print_ipt_tx(i ? UFW_V6 : UFW_V4, &c->tx[i]);
	if (c->nft)
		printf("# nft, one batch: delete table ip " NFTB_TABLE
		       " and table ip6 " NFTB_TABLE "\n");
}

static int commit(void *arg)
{
	struct uninstall_ctx *c = arg;
	int ret = 0;

	for (int i = 0; i < N_FILES && ret == 0; i++) {
		if (!file_change_needed(&c->files[i]))
			continue;
		ret = file_change_apply(&c->files[i], &c->d);
		if (ret == 0 && !c->o->quiet)
			printf("ufw-docker: %s %s\n",
			       c->files[i].remove ? "removed" : "restored",
			       c->files[i].path);
	}
	forget_live_state(c);
	for (int i = 0; i < 2 && ret == 0; i++) {
		if (!c->tx[i].len)
			continue;
		ret = ipt_restore(i ? UFW_V6 : UFW_V4, sb_str(&c->tx[i]), &c->d);
		if (ret == 0 && !c->o->quiet)
			printf("ufw-docker: IPv%d jump and chains removed\n", i ? 6 : 4);
	}
	if (ret == 0 && c->nft)
		ret = nftb_remove(&c->d);
	if (ret == 0 && c->nft && !c->o->quiet)
		printf("ufw-docker: nftables tables " NFTB_TABLE " removed\n");
	return ret;
}

static const struct cmd_plan_ops uninstall_ops = {
    plan, anything_to_do, print_plan, commit, "nothing to uninstall",
};

int cmd_uninstall(int argc, char **argv, const struct cli_opts *o)
{
	struct uninstall_ctx c = {.o = o};
	bool dry = o->dry_run;
	int ret = cmd_dry_run_args(argc, argv, "uninstall", &dry);

	if (ret)
		return ret;
	diag_init(&c.d, stderr);
	ret = cmd_plan_run(&uninstall_ops, &c, o, dry, &c.d);
	cmd_files_free(c.files, N_FILES);
	sb_free(&c.tx[0]);
	sb_free(&c.tx[1]);
	diag_free(&c.d);
	if (ret == -EBADMSG)
		return EXIT_REFUSED;
	return ret == 0 ? EXIT_OK : EXIT_FAIL;
}
