#ifndef HEADROOM_CCURL_SHIM_H
#define HEADROOM_CCURL_SHIM_H

#include <curl/curl.h>

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

// CURL_GLOBAL_DEFAULT is a macro built from shifts, which Swift does not import.
static inline CURLcode headroom_global_init(void) {
    return curl_global_init(CURL_GLOBAL_DEFAULT);
}

// CURLMsg carries its result in a union; this reads the CURLcode of a CURLMSG_DONE message.
static inline CURLcode headroom_message_result(const CURLMsg *message) {
    return message->data.result;
}

#endif
