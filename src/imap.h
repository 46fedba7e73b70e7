/*
 * The IMAP backend: fills in struct backend_ops (backend.h) with libetpan's
 * mailimap over our tls streams.
 */
#ifndef TERN_IMAP_H
#define TERN_IMAP_H

#include "backend.h"

#endif
