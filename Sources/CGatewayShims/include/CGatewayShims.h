#ifndef EPCIS_CGATEWAYSHIMS_H
#define EPCIS_CGATEWAYSHIMS_H
/* Real C functions for what Swift cannot import from the system libraries:
 * variadic functions, function-like macros and macros naming enum constants.
 * Every function carries the module prefix. This header never includes libxml
 * headers (see CLibXML2.h for the ICU clash that would cause). */
#include <stddef.h>
#include <curl/curl.h>
#include <libssh2.h>

/* libxml2: with LIBXML_THREAD_ENABLED these are macros over per-thread accessors. */
void CGatewayShims_xmlFree(void *pointer);
const char *CGatewayShims_xmlParserVersion(void);

/* libcurl: curl_easy_setopt is variadic; CURLVERSION_NOW names an enum constant. */
CURLcode CGatewayShims_curl_easy_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode CGatewayShims_curl_easy_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode CGatewayShims_curl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value);
curl_version_info_data *CGatewayShims_curl_version_info_now(void);
CURLcode CGatewayShims_curl_easy_setopt_off(CURL *handle, CURLoption option, curl_off_t value);
CURLcode CGatewayShims_curl_easy_setopt_write(CURL *handle, CURLoption option, curl_write_callback callback);
CURLcode CGatewayShims_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value);

/* OpenSSL: the version text for the running library (OpenSSL_version takes a macro). */
const char *CGatewayShims_openssl_version_text(void);

/* libssh2: libssh2_session_init is a macro over libssh2_session_init_ex. */
LIBSSH2_SESSION *CGatewayShims_libssh2_session_init(void);
#endif
