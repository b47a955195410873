#ifndef HEADROOM_CMICROHTTPD_SHIM_H
#define HEADROOM_CMICROHTTPD_SHIM_H

#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <microhttpd.h>

// MHD_start_daemon is variadic, so Swift cannot call it. The HTTPServer target
// adds wrappers here for the option lists it needs.

#endif
