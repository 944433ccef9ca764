#include "CGatewayShims.h"
#include <openssl/crypto.h>

const char *CGatewayShims_openssl_version_text(void) { return OpenSSL_version(OPENSSL_VERSION); }
