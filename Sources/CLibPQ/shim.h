#ifndef HEADROOM_CLIBPQ_SHIM_H
#define HEADROOM_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
