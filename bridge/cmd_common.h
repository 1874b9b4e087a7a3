/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_common: the skeleton sync and uninstall share: a command line of only
 * --dry-run, then under ufw's lock: plan, and show the plan or commit it. */
#ifndef UFWD_CMD_COMMON_H
#define UFWD_CMD_COMMON_H

#include <stdbool.h>

#include "cmds.h"
#include "diag.h"
#include "fileio.h"
#include "rule.h"
#include "util.h"

/* Reads a command's arguments, only --dry-run (-n), into *dry (set before
 * from the global --dry-run). Returns 0, or EXIT_USAGE after printing
 * "Usage: ufw-docker [OPTIONS] NAME [--dry-run]". */
int cmd_dry_run_args(int argc, char **argv, const char *name, bool *dry);

/* True when one of the n planned file changes changes its file. */
bool cmd_files_need_change(const struct file_change *files, int n);
void cmd_files_free(struct file_change *files, int n);

/* --dry-run output: each file's diff; fam's iptables-restore input, if any. */
void cmd_print_files(const struct file_change *files, int n);
void cmd_print_ipt_tx(enum ufw_family fam, const struct strbuf *tx);

/* The steps of a command that plans its changes first; c is its context. */
struct cmd_plan_ops {
	int (*plan)(void *c);		       /* 0 or -errno, one error reported */
	bool (*anything_to_do)(const void *c); /* after a successful plan */
	void (*print_plan)(const void *c);     /* --dry-run */
	int (*commit)(void *c);		       /* 0 or -errno, one error reported */
	const char *nothing;		       /* said when nothing is to do */
};

/* Takes ufw's lock (not when dry), plans, then says ops->nothing (unless
 * quiet), prints the plan when dry, or commits; releases the lock. Returns 0
 * or the first step's -errno. */
int cmd_plan_run(const struct cmd_plan_ops *ops, void *c, const struct cli_opts *o,
		 bool dry, struct diag *d);

#endif
