/*
 * The part of the test helpers (testutil.h) that needs libcheck: the unit
 * suites link it, the fuzz targets do not.
 */
#include "autoconfig.h"

#include <check.h>
#include <stdlib.h>

#include "testutil.h"

int
tu_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
