/* SPDX-License-Identifier: GPL-3.0-or-later */
/* diag: formats "ufw-docker: FILE:LINE: level: message" lines and counts them;
 * the only place that decides how a diagnostic looks. */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>

void diag_init(struct diag *d, FILE *stream)
{
	d->stream = stream;
	d->warnings = 0;
	d->errors = 0;
	d->kept = (struct strbuf){ 0 };
	d->keep = 0;
}

void diag_free(struct diag *d)
{
	sb_free(&d->kept);
}

void diag_report(struct diag *d, enum diag_level lvl, const char *file,
		 unsigned line, const char *fmt, ...)
{
	struct strbuf sb = { 0 };
	va_list ap;

	sb_adds(&sb, "ufw-docker: ");
	if (file && line)
		sb_addf(&sb, "%s:%u: ", file, line);
	else if (file)
		sb_addf(&sb, "%s: ", file);
	sb_adds(&sb, lvl == DIAG_WARN ? "warning: " : "error: ");
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	sb_addc(&sb, '\n');

	if (lvl == DIAG_WARN)
		d->warnings++;
	else
		d->errors++;
	if (d->stream)
		fputs(sb_str(&sb), d->stream);
	if (d->keep)
		sb_adds(&d->kept, sb_str(&sb));
	sb_free(&sb);
}
