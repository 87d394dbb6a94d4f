/* The mass-delete guard: a replace that would delete more than the
 * allowed share of the people (20% above 50 people, 80% up to 50, or
 * max_delete) is refused unless forced, so a truncated or wrong file
 * cannot empty the directory (IMPORT.md). Pure arithmetic on counts. */
#include "config.h"
#include "import/core.h"

int imp_guard(const struct imp_opts *o, size_t deletes, size_t existing,
	      struct ob_err *err)
{
	double share = o->max_delete;

	if (!o->replace || o->force || deletes == 0)
		return 0;
	if (share <= 0)
		share = existing > 50 ? 0.2 : 0.8;
	if ((double)deletes > share * (double)existing)
		return ob_err_set(err, OB_E_LIMIT,
				  "refused: this replace would delete %zu of "
				  "%zu people (more than %.0f%%); check the "
				  "file, or pass --force",
				  deletes, existing, share * 100);
	return 0;
}
