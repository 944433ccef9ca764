#ifndef EPCIS_CCURL_H
#define EPCIS_CCURL_H
#include <curl/curl.h>
#endif
