/* SPDX-License-Identifier: GPL-3.0-or-later */
/* main: parses the global options, dispatches to a subcommand from one table
 * and prints the help (usage, commands, exit codes) from that table. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "util.h"

#ifndef UFWD_VERSION
#define UFWD_VERSION "0.0.0"
#endif

struct subcommand {
	const char *name;
	int (*fn)(int argc, char **argv, const struct cli_opts *o);
	const char *args;
	const char *help;
};

static const struct subcommand subcommands[] = {
	{ "sync", cmd_sync, "[--dry-run]",
	  "translate ufw's rules for published container ports and install them" },
	{ "show", cmd_show, "added",
	  "print the parsed ufw rules as ufw commands (as 'ufw show added')" },
	{ "uninstall", cmd_uninstall, "[--dry-run]",
	  "remove our blocks, hook snippet and live rules" },
	{ "status", cmd_status, "[verbose] [--json]",
	  "ufw, firewall variants, jumps, drift and the rules in force for containers" },
	{ "check", cmd_check, "[--json]",
	  "every published container port and who can reach it; exit 3 on a problem" },
	{ "hook", cmd_hook, "start|stop|status|flush-all",
	  "called by /etc/ufw/after.init: keep the DOCKER-USER jump" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: ufw-docker [OPTIONS] COMMAND [ARGS]\n\n"
		   "Commands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(subcommands); i++)
		if (subcommands[i].help)
			fprintf(f, "  %-10s %-28s %s\n", subcommands[i].name,
				subcommands[i].args, subcommands[i].help);
	fprintf(f,
		"\nOptions:\n"
		"  --root DIR      read and write every file below DIR (as ufw's --rootdir)\n"
		"  --config FILE   our configuration (default /etc/ufw-docker/ufw-docker.conf)\n"
		"  -n, --dry-run   show what would change, change nothing\n"
		"  -q, --quiet     only errors\n"
		"  -h, --help      this help\n"
		"  -V, --version   print the version\n"
		"\nExit status:\n"
		"  0  success, or nothing to do\n"
		"  1  failure (bad input, a failed operation); nothing was half done\n"
		"  2  bad command line\n"
		"  3  check/status found a problem (a port open that ufw denies, drift)\n"
		"  4  refused: damaged markers in a managed file, iptables variant mismatch\n");
}

static const struct subcommand *find_subcommand(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(subcommands); i++)
		if (streq(subcommands[i].name, name))
			return &subcommands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "config", required_argument, NULL, 'c' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_opts o = { 0 };
	const struct subcommand *sc;
	int c;

	/* '+': stop at the subcommand so that it parses its own options. */
	while ((c = getopt_long(argc, argv, "+nqhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			o.root = optarg;
			break;
		case 'c':
			o.config_path = optarg;
			break;
		case 'n':
			o.dry_run = true;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("ufw-docker %s\n", UFWD_VERSION);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	sc = find_subcommand(argv[optind]);
	if (!sc) {
		fprintf(stderr, "ufw-docker: unknown command '%s'\n", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	return sc->fn(argc - optind, argv + optind, &o);
}
