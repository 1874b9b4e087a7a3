/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ufwproc: tells, from our ancestors in /proc, whether ufw's own command runs
 * a reload (which writes ENABLED=no before stopping, just as a disable does). */
#ifndef UFWD_UFWPROC_H
#define UFWD_UFWPROC_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * True when one of the ancestors of process pid (up to a few levels: ufw's
 * Python CLI, ufw-init, after.init, our hook script) is `ufw ... reload`.
 * proc is the /proc directory to read (tests may pass another).
 */
bool ufwproc_in_reload(const char *proc, pid_t pid);

#endif
