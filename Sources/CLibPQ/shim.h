#ifndef CLIBPQ_SHIM_H
#define CLIBPQ_SHIM_H
// The only C the Postgres target sees: libpq's public client API.
#include <libpq-fe.h>
#endif
