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

/* S/MIME for AS2 (cms.c): file-to-file CMS pipelines that stream through OpenSSL BIOs, with
 * keys and certificates as PEM buffers. 0 means success; otherwise `error` holds the reason. */
int CGatewayShims_cms_sign(const char *content_path, const char *certificate_pem, size_t certificate_length, const char *key_pem,
                           size_t key_length, const char *passphrase, const char *digest, unsigned char **signature, size_t *signature_length,
                           unsigned char *mic, size_t *mic_length, char *error, size_t error_size);
int CGatewayShims_cms_encrypt(const char *content_path, const char *certificate_pem, size_t certificate_length, const char *cipher_name,
                              int oaep, const char *output_path, char *error, size_t error_size);
int CGatewayShims_cms_decrypt_stream(const char *input_path, const char *scratch_path, const char *certificate_pem, size_t certificate_length,
                                     const char *key_pem, size_t key_length, const char *output_path, char *error, size_t error_size);
int CGatewayShims_cms_verify(const unsigned char *signature, size_t signature_length, const char *content_path,
                             const unsigned char *content, size_t content_length, const char *certificates_pem, size_t certificates_length,
                             char *digest_name, size_t digest_name_size, char *error, size_t error_size);
int CGatewayShims_cms_compress(const char *content_path, const char *scratch_path, const char *output_path, char *error, size_t error_size);
int CGatewayShims_cms_uncompress(const char *input_path, const char *output_path, char *error, size_t error_size);
/* A digest of a file (path) or of bytes (path NULL); out holds at least 64 bytes. */
int CGatewayShims_digest_file(const char *path, const unsigned char *bytes, size_t length, const char *digest, unsigned char *out,
                              size_t *out_length, char *error, size_t error_size);
int CGatewayShims_x509_info(const char *pem, size_t length, int index, char *subject, size_t subject_size, char *issuer, size_t issuer_size,
                            char *serial, size_t serial_size, long long *not_before, long long *not_after, unsigned char *fingerprint,
                            char *error, size_t error_size);
void CGatewayShims_free(void *pointer);

/* libssh2: libssh2_session_init is a macro over libssh2_session_init_ex. */
LIBSSH2_SESSION *CGatewayShims_libssh2_session_init(void);
#endif
