#ifndef HEADROOM_CMICROHTTPD_SHIM_H
#define HEADROOM_CMICROHTTPD_SHIM_H

#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <microhttpd.h>

// MHD_start_daemon and MHD_get_daemon_info are variadic, so Swift cannot call
// them. The wrappers below pass fixed option lists with typed arguments.

/// Starts a daemon bound to `address`, one thread per connection, with a
/// completion callback and a per-connection idle timeout in seconds. When
/// `certificate_pem` and `key_pem` are both non-NULL the daemon serves HTTPS.
static inline struct MHD_Daemon *headroom_mhd_start(
    unsigned int flags,
    const struct sockaddr *address,
    MHD_AccessHandlerCallback handler,
    void *handler_context,
    MHD_RequestCompletedCallback completed,
    void *completed_context,
    unsigned int connection_timeout_seconds,
    const char *certificate_pem,
    const char *key_pem)
{
    if (certificate_pem != NULL && key_pem != NULL) {
        return MHD_start_daemon(
            flags | MHD_USE_TLS, 0, NULL, NULL, handler, handler_context,
            MHD_OPTION_SOCK_ADDR, address,
            MHD_OPTION_NOTIFY_COMPLETED, completed, completed_context,
            MHD_OPTION_CONNECTION_TIMEOUT, connection_timeout_seconds,
            MHD_OPTION_HTTPS_MEM_CERT, certificate_pem,
            MHD_OPTION_HTTPS_MEM_KEY, key_pem,
            MHD_OPTION_END);
    }
    return MHD_start_daemon(
        flags, 0, NULL, NULL, handler, handler_context,
        MHD_OPTION_SOCK_ADDR, address,
        MHD_OPTION_NOTIFY_COMPLETED, completed, completed_context,
        MHD_OPTION_CONNECTION_TIMEOUT, connection_timeout_seconds,
        MHD_OPTION_END);
}

/// The port the daemon listens on, or 0 when libmicrohttpd cannot tell.
static inline uint16_t headroom_mhd_bound_port(struct MHD_Daemon *daemon)
{
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info == NULL ? 0 : info->port;
}

/// Creates a response that owns a copy of `size` bytes at `data`.
static inline struct MHD_Response *headroom_mhd_response_copy(size_t size, const void *data)
{
    return MHD_create_response_from_buffer(size, (void *)data, MHD_RESPMEM_MUST_COPY);
}

#endif
