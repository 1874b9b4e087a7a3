/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lock: ufw's own lock, an fcntl write lock on /run/ufw.lock, so that we
 * serialise with the ufw command (which holds it while it works) and ourselves. */
#ifndef UFWD_LOCK_H
#define UFWD_LOCK_H

#include "diag.h"

#define UFW_LOCK_PATH "/run/ufw.lock"

/*
 * Waits for and takes the lock on ROOT/run/ufw.lock (root may be NULL),
 * creating the file as ufw does. Returns the descriptor holding it (>= 0), or
 * -errno after one message. Never call it from the after.init hook: ufw holds
 * the lock while ufw-init runs the hook.
 */
int ufw_lock_take(const char *root, struct diag *d);

/* Releases a lock taken by ufw_lock_take (fd < 0 is ignored). */
void ufw_lock_release(int fd);

#endif
