/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmds: the CLI's global options, exit codes and one entry point per
 * subcommand (each lives in cmd_<name>.c and parses its own arguments). */
#ifndef UFWD_CMDS_H
#define UFWD_CMDS_H

#include <stdbool.h>

/* Exit codes, documented in --help and ufw-docker(8). */
enum ufwd_exit {
	EXIT_OK = 0,	   /* done (or nothing to do) */
	EXIT_FAIL = 1,	   /* bad input or a failed operation; nothing half done */
	EXIT_USAGE = 2,	   /* bad command line */
	EXIT_PROBLEM = 3,  /* check/status: a port is open that ufw would deny, or drift */
	EXIT_REFUSED = 4,  /* refused to act: damaged markers, iptables variant mismatch */
};

/* Options shared by every subcommand: the only mutable global state. */
struct cli_opts {
	const char *root;	 /* --root DIR: every path below DIR (tests) */
	const char *config_path; /* --config FILE (default under root) */
	bool dry_run;		 /* --dry-run: print what would change, change nothing */
	bool quiet;		 /* --quiet */
};

int cmd_show(int argc, char **argv, const struct cli_opts *o);
int cmd_sync(int argc, char **argv, const struct cli_opts *o);
int cmd_uninstall(int argc, char **argv, const struct cli_opts *o);
int cmd_hook(int argc, char **argv, const struct cli_opts *o);
int cmd_status(int argc, char **argv, const struct cli_opts *o);
int cmd_check(int argc, char **argv, const struct cli_opts *o);

#endif
