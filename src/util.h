/*
 * Small helpers that several modules need and none owns: the monotonic
 * clock of deadlines, a hex digit's value, the day number of a calendar
 * date, writing a whole buffer to a file, and freeing a vector of
 * strings.
 */
#ifndef TERN_UTIL_H
#define TERN_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Milliseconds on the monotonic clock (CLOCK_MONOTONIC), for deadlines. */
int64_t util_now_ms(void);
/* The value of the hex digit C (0-9, a-f, A-F), or -1. */
int util_hex_digit(int c);
/*
 * Days from 1970-01-01 to Y-M-D (M from 1 to 12) in the proleptic
 * Gregorian calendar; negative before 1970.
 */
int64_t util_days_from_civil(int64_t y, int m, int d);
/*
 * Write the LEN bytes at DATA to FD, again after a short write or EINTR:
 * 0, or -1 with errno set.
 */
int util_write_all(int fd, const void *data, size_t len);
/* Free the N strings of V, then V itself; NULL is a no-op. */
void util_strv_free(char **v, size_t n);

#endif
