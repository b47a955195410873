#ifndef HEADROOM_CCURL_SHIM_H
#define HEADROOM_CCURL_SHIM_H

#include <curl/curl.h>

#ifdef __linux__
// headroom-load waits on libcurl's sockets with epoll, which Glibc's Swift module leaves out.
#include <sys/epoll.h>
#endif

// curl_easy_setopt, curl_easy_getinfo and curl_multi_setopt are variadic, so
// Swift cannot call them. These wrappers fix one argument type each.

static inline CURLcode headroom_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode headroom_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode headroom_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode headroom_easy_setopt_blob(CURL *handle, CURLoption option, struct curl_blob *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode headroom_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

typedef size_t (*headroom_data_callback)(char *buffer, size_t size, size_t count, void *user);

static inline CURLcode headroom_easy_setopt_data_callback(
    CURL *handle, CURLoption option, headroom_data_callback callback
) {
    return curl_easy_setopt(handle, option, callback);
}

static inline CURLcode headroom_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode headroom_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode headroom_easy_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLMcode headroom_multi_setopt_long(CURLM *handle, CURLMoption option, long value) {
    return curl_multi_setopt(handle, option, value);
}

static inline CURLMcode headroom_multi_setopt_pointer(CURLM *handle, CURLMoption option, void *value) {
    return curl_multi_setopt(handle, option, value);
}

// The socket and timer callbacks of libcurl's multi socket interface, which headroom-load uses
// to wait on its own epoll set instead of letting curl_multi_perform scan every transfer.
typedef int (*headroom_socket_callback)(CURL *easy, curl_socket_t socket, int what, void *user, void *socketUser);
typedef int (*headroom_timer_callback)(CURLM *multi, long timeoutMilliseconds, void *user);

static inline CURLMcode headroom_multi_setopt_socket_callback(CURLM *handle, headroom_socket_callback callback) {
    return curl_multi_setopt(handle, CURLMOPT_SOCKETFUNCTION, callback);
}

static inline CURLMcode headroom_multi_setopt_timer_callback(CURLM *handle, headroom_timer_callback callback) {
    return curl_multi_setopt(handle, CURLMOPT_TIMERFUNCTION, callback);
}

// CURL_GLOBAL_DEFAULT is a macro built from shifts, which Swift does not import.
static inline CURLcode headroom_global_init(void) {
    return curl_global_init(CURL_GLOBAL_DEFAULT);
}

// CURLMsg carries its result in a union; this reads the CURLcode of a CURLMSG_DONE message.
static inline CURLcode headroom_message_result(const CURLMsg *message) {
    return message->data.result;
}

#endif
