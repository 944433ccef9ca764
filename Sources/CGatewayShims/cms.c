/* S/MIME for AS2 (RFC 4130) with OpenSSL 3 CMS: every function streams files through BIOs, so
 * no payload is ever held in memory whole. Keys and certificates come in as PEM buffers.
 * Each function returns 0 on success; otherwise it writes the reason (with OpenSSL's own error
 * text) into `error` and returns non-zero. */
#define _GNU_SOURCE /* timegm */
#include "CGatewayShims.h"
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>
#include <openssl/bn.h>

static int fail(char *error, size_t size, const char *what) {
    char detail[256] = "";
    unsigned long code = ERR_get_error();
    if (code != 0) ERR_error_string_n(code, detail, sizeof detail);
    ERR_clear_error();
    snprintf(error, size, "%s%s%s", what, detail[0] ? ": " : "", detail);
    return 1;
}

static STACK_OF(X509) *read_certificates(const char *pem, size_t length) {
    BIO *bio = BIO_new_mem_buf(pem, (int)length);
    if (bio == NULL) return NULL;
    STACK_OF(X509) *certificates = sk_X509_new_null();
    X509 *certificate;
    while ((certificate = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) sk_X509_push(certificates, certificate);
    ERR_clear_error(); /* the end of the buffer reads as an error */
    BIO_free(bio);
    if (sk_X509_num(certificates) == 0) {
        sk_X509_free(certificates);
        return NULL;
    }
    return certificates;
}

static EVP_PKEY *read_key(const char *pem, size_t length, const char *passphrase) {
    BIO *bio = BIO_new_mem_buf(pem, (int)length);
    if (bio == NULL) return NULL;
    EVP_PKEY *key = PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)passphrase);
    BIO_free(bio);
    return key;
}

int CGatewayShims_cms_sign(const char *content_path, const char *certificate_pem, size_t certificate_length, const char *key_pem,
                           size_t key_length, const char *passphrase, const char *digest, unsigned char **signature, size_t *signature_length,
                           unsigned char *mic, size_t *mic_length, char *error, size_t error_size) {
    int status = 1;
    STACK_OF(X509) *certificates = read_certificates(certificate_pem, certificate_length);
    EVP_PKEY *key = read_key(key_pem, key_length, passphrase);
    const EVP_MD *md = EVP_get_digestbyname(digest);
    BIO *in = NULL, *out = NULL;
    CMS_ContentInfo *cms = NULL;
    if (certificates == NULL) return fail(error, error_size, "our certificate cannot be read as PEM");
    if (key == NULL) {
        status = fail(error, error_size, "our private key cannot be read as PEM (or its passphrase is wrong)");
        goto done;
    }
    if (md == NULL) {
        status = fail(error, error_size, "the signing digest is not known to OpenSSL");
        goto done;
    }
    if ((in = BIO_new_file(content_path, "rb")) == NULL) {
        status = fail(error, error_size, "the entity to sign cannot be opened");
        goto done;
    }
    X509 *signer = sk_X509_value(certificates, 0);
    /* Detached and binary: the exact bytes are digested as they are on the wire (no CRLF
     * canonicalisation); no RFC 6211 algorithm-protection attribute is added by OpenSSL 3.0. */
    unsigned int flags = CMS_DETACHED | CMS_BINARY | CMS_PARTIAL;
    if ((cms = CMS_sign(NULL, NULL, NULL, NULL, flags)) == NULL) {
        status = fail(error, error_size, "CMS SignedData cannot be made");
        goto done;
    }
    CMS_SignerInfo *info = CMS_add1_signer(cms, signer, key, md, flags);
    if (info == NULL) {
        status = fail(error, error_size, "our key and certificate cannot sign (do they belong together?)");
        goto done;
    }
    if (!CMS_final(cms, in, NULL, flags)) {
        status = fail(error, error_size, "signing failed");
        goto done;
    }
    /* The MIC is the messageDigest the signature covers: the same digest over the same bytes. */
    int index = CMS_signed_get_attr_by_NID(info, NID_pkcs9_messageDigest, -1);
    X509_ATTRIBUTE *attribute = index < 0 ? NULL : CMS_signed_get_attr(info, index);
    ASN1_TYPE *value = attribute == NULL ? NULL : X509_ATTRIBUTE_get0_type(attribute, 0);
    if (value == NULL || value->type != V_ASN1_OCTET_STRING || value->value.octet_string->length > 64) {
        status = fail(error, error_size, "the signature carries no message digest");
        goto done;
    }
    memcpy(mic, value->value.octet_string->data, (size_t)value->value.octet_string->length);
    *mic_length = (size_t)value->value.octet_string->length;
    out = BIO_new(BIO_s_mem());
    if (out == NULL || !i2d_CMS_bio(out, cms)) {
        status = fail(error, error_size, "the signature cannot be encoded");
        goto done;
    }
    char *bytes;
    long length = BIO_get_mem_data(out, &bytes);
    *signature = malloc((size_t)length);
    memcpy(*signature, bytes, (size_t)length);
    *signature_length = (size_t)length;
    status = 0;
done:
    BIO_free(in);
    BIO_free(out);
    CMS_ContentInfo_free(cms);
    EVP_PKEY_free(key);
    sk_X509_pop_free(certificates, X509_free);
    return status;
}

int CGatewayShims_cms_encrypt(const char *content_path, const char *certificate_pem, size_t certificate_length, const char *cipher_name,
                              int oaep, const char *output_path, char *error, size_t error_size) {
    int status = 1;
    STACK_OF(X509) *certificates = read_certificates(certificate_pem, certificate_length);
    const EVP_CIPHER *cipher = EVP_get_cipherbyname(cipher_name);
    BIO *in = NULL, *out = NULL;
    CMS_ContentInfo *cms = NULL;
    if (certificates == NULL) return fail(error, error_size, "the partner's certificate cannot be read as PEM");
    if (cipher == NULL) {
        status = fail(error, error_size, "the cipher is not known to OpenSSL");
        goto done;
    }
    if ((in = BIO_new_file(content_path, "rb")) == NULL || (out = BIO_new_file(output_path, "wb")) == NULL) {
        status = fail(error, error_size, "the files to encrypt from and to cannot be opened");
        goto done;
    }
    /* Streaming: the content is encrypted as it is read (BER, indefinite lengths). */
    unsigned int flags = CMS_BINARY | CMS_PARTIAL | CMS_STREAM;
    if ((cms = CMS_encrypt(NULL, NULL, cipher, flags)) == NULL) {
        status = fail(error, error_size, "CMS EnvelopedData cannot be made");
        goto done;
    }
    CMS_RecipientInfo *recipient = CMS_add1_recipient_cert(cms, sk_X509_value(certificates, 0), flags | (oaep ? CMS_KEY_PARAM : 0));
    if (recipient == NULL) {
        status = fail(error, error_size, "the partner's certificate cannot be an encryption recipient");
        goto done;
    }
    if (oaep) {
        EVP_PKEY_CTX *context = CMS_RecipientInfo_get0_pkey_ctx(recipient);
        if (context == NULL || EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_OAEP_PADDING) <= 0) {
            status = fail(error, error_size, "RSA-OAEP key transport cannot be set (is the partner's key RSA?)");
            goto done;
        }
    }
    if (!i2d_CMS_bio_stream(out, cms, in, flags)) {
        status = fail(error, error_size, "encrypting failed");
        goto done;
    }
    if (BIO_flush(out) <= 0) {
        status = fail(error, error_size, "the encrypted message cannot be written");
        goto done;
    }
    status = 0;
done:
    BIO_free(in);
    BIO_free(out);
    CMS_ContentInfo_free(cms);
    sk_X509_pop_free(certificates, X509_free);
    return status;
}

int CGatewayShims_cms_verify(const unsigned char *signature, size_t signature_length, const char *content_path,
                             const unsigned char *content, size_t content_length, const char *certificates_pem, size_t certificates_length,
                             char *digest_name, size_t digest_name_size, char *error, size_t error_size) {
    int status = 1;
    STACK_OF(X509) *certificates = read_certificates(certificates_pem, certificates_length);
    BIO *signature_bio = BIO_new_mem_buf(signature, (int)signature_length);
    BIO *data = content_path != NULL ? BIO_new_file(content_path, "rb") : BIO_new_mem_buf(content, (int)content_length);
    CMS_ContentInfo *cms = NULL;
    if (certificates == NULL) {
        status = fail(error, error_size, "the partner's certificates cannot be read as PEM");
        goto done;
    }
    if (signature_bio == NULL || data == NULL) {
        status = fail(error, error_size, "the signed content cannot be opened");
        goto done;
    }
    if ((cms = d2i_CMS_bio(signature_bio, NULL)) == NULL) {
        status = fail(error, error_size, "the signature is not DER CMS");
        goto done;
    }
    if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
        snprintf(error, error_size, "the signature's CMS content is not SignedData");
        goto done;
    }
    /* The signer must be one of the partner's own certificates (NOINTERN: certificates the
     * message carries are not trusted; NO_SIGNER_CERT_VERIFY: no chain to a CA is asked for,
     * since a CA-only check would accept anyone the CA signed). */
    unsigned int flags = CMS_BINARY | CMS_NOINTERN | CMS_NO_SIGNER_CERT_VERIFY;
    if (!CMS_verify(cms, certificates, NULL, data, NULL, flags)) {
        status = fail(error, error_size, "the signature does not verify against the partner's certificate(s)");
        goto done;
    }
    STACK_OF(CMS_SignerInfo) *infos = CMS_get0_SignerInfos(cms);
    if (sk_CMS_SignerInfo_num(infos) > 0 && digest_name_size > 0) {
        X509_ALGOR *algorithm = NULL;
        CMS_SignerInfo_get0_algs(sk_CMS_SignerInfo_value(infos, 0), NULL, NULL, &algorithm, NULL);
        const ASN1_OBJECT *object = NULL;
        if (algorithm != NULL) X509_ALGOR_get0(&object, NULL, NULL, algorithm);
        const char *name = object == NULL ? "" : OBJ_nid2sn(OBJ_obj2nid(object));
        snprintf(digest_name, digest_name_size, "%s", name == NULL ? "" : name);
    }
    status = 0;
done:
    BIO_free(signature_bio);
    BIO_free(data);
    CMS_ContentInfo_free(cms);
    sk_X509_pop_free(certificates, X509_free);
    return status;
}

int CGatewayShims_digest_file(const char *path, const unsigned char *bytes, size_t length, const char *digest, unsigned char *out,
                              size_t *out_length, char *error, size_t error_size) {
    const EVP_MD *md = EVP_get_digestbyname(digest);
    if (md == NULL) return fail(error, error_size, "the digest is not known to OpenSSL");
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    int status = 1;
    FILE *file = NULL;
    if (context == NULL || !EVP_DigestInit_ex(context, md, NULL)) {
        status = fail(error, error_size, "the digest cannot start");
        goto done;
    }
    if (path != NULL) {
        if ((file = fopen(path, "rb")) == NULL) {
            snprintf(error, error_size, "the file to digest cannot be opened");
            goto done;
        }
        unsigned char buffer[65536];
        size_t read;
        while ((read = fread(buffer, 1, sizeof buffer, file)) > 0) EVP_DigestUpdate(context, buffer, read);
        if (ferror(file)) {
            snprintf(error, error_size, "the file to digest cannot be read");
            goto done;
        }
    } else {
        EVP_DigestUpdate(context, bytes, length);
    }
    unsigned int size = 0;
    if (!EVP_DigestFinal_ex(context, out, &size)) {
        status = fail(error, error_size, "the digest cannot finish");
        goto done;
    }
    *out_length = size;
    status = 0;
done:
    if (file != NULL) fclose(file);
    EVP_MD_CTX_free(context);
    return status;
}

/* DER length octets for `length`; returns how many were written to `out` (at most 9). */
static size_t der_length(unsigned long long length, unsigned char *out) {
    if (length < 0x80) {
        out[0] = (unsigned char)length;
        return 1;
    }
    unsigned char bytes[8];
    size_t count = 0;
    while (length > 0) {
        bytes[count++] = (unsigned char)(length & 0xFF);
        length >>= 8;
    }
    out[0] = (unsigned char)(0x80 | count);
    for (size_t index = 0; index < count; index++) out[1 + index] = bytes[count - 1 - index];
    return 1 + count;
}

static unsigned long long der_size(unsigned long long content) {
    unsigned char scratch[9];
    return 1 + der_length(content, scratch) + content;
}

static int write_header(FILE *out, unsigned char tag, unsigned long long length) {
    unsigned char bytes[10];
    bytes[0] = tag;
    size_t count = 1 + der_length(length, bytes + 1);
    return fwrite(bytes, 1, count, out) == count;
}

/* RFC 3274 CompressedData (zlib), DER with definite lengths: the content is deflated into a
 * scratch file first so every length is known before the first byte is written. */
int CGatewayShims_cms_compress(const char *content_path, const char *scratch_path, const char *output_path, char *error, size_t error_size) {
    static const unsigned char compressed_data_oid[] = {0x06, 0x0B, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x10, 0x01, 0x09};
    static const unsigned char zlib_algorithm[] = {0x30, 0x0D, 0x06, 0x0B, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x10, 0x03, 0x08};
    static const unsigned char data_oid[] = {0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01};
    static const unsigned char version[] = {0x02, 0x01, 0x00};
    FILE *in = fopen(content_path, "rb"), *scratch = fopen(scratch_path, "w+b"), *out = NULL;
    int status = 1;
    z_stream stream;
    memset(&stream, 0, sizeof stream);
    int started = 0;
    if (in == NULL || scratch == NULL) {
        snprintf(error, error_size, "the files to compress from and to cannot be opened");
        goto done;
    }
    if (deflateInit(&stream, Z_DEFAULT_COMPRESSION) != Z_OK) {
        snprintf(error, error_size, "zlib cannot start");
        goto done;
    }
    started = 1;
    unsigned char input[65536], output[65536];
    unsigned long long compressed = 0;
    int flush;
    do {
        size_t read = fread(input, 1, sizeof input, in);
        if (ferror(in)) {
            snprintf(error, error_size, "the entity to compress cannot be read");
            goto done;
        }
        flush = feof(in) ? Z_FINISH : Z_NO_FLUSH;
        stream.next_in = input;
        stream.avail_in = (uInt)read;
        do {
            stream.next_out = output;
            stream.avail_out = sizeof output;
            deflate(&stream, flush);
            size_t produced = sizeof output - stream.avail_out;
            if (fwrite(output, 1, produced, scratch) != produced) {
                snprintf(error, error_size, "the compressed entity cannot be written");
                goto done;
            }
            compressed += produced;
        } while (stream.avail_out == 0);
    } while (flush != Z_FINISH);
    /* ContentInfo { OID, [0] { CompressedData { version, algorithm, { data, [0] { OCTET STRING } } } } } */
    unsigned long long octets = der_size(compressed);
    unsigned long long explicit_content = der_size(octets);
    unsigned long long encapsulated = der_size(sizeof data_oid + explicit_content);
    unsigned long long body = der_size(sizeof version + sizeof zlib_algorithm + encapsulated);
    unsigned long long wrapped = der_size(body);
    if ((out = fopen(output_path, "wb")) == NULL) {
        snprintf(error, error_size, "the compressed message cannot be created");
        goto done;
    }
    int ok = write_header(out, 0x30, sizeof compressed_data_oid + wrapped) &&
             fwrite(compressed_data_oid, 1, sizeof compressed_data_oid, out) == sizeof compressed_data_oid && write_header(out, 0xA0, body) &&
             write_header(out, 0x30, sizeof version + sizeof zlib_algorithm + encapsulated) &&
             fwrite(version, 1, sizeof version, out) == sizeof version &&
             fwrite(zlib_algorithm, 1, sizeof zlib_algorithm, out) == sizeof zlib_algorithm &&
             write_header(out, 0x30, sizeof data_oid + explicit_content) && fwrite(data_oid, 1, sizeof data_oid, out) == sizeof data_oid &&
             write_header(out, 0xA0, octets) && write_header(out, 0x04, compressed);
    if (!ok) {
        snprintf(error, error_size, "the compressed message cannot be written");
        goto done;
    }
    rewind(scratch);
    size_t read;
    while ((read = fread(output, 1, sizeof output, scratch)) > 0) {
        if (fwrite(output, 1, read, out) != read) {
            snprintf(error, error_size, "the compressed message cannot be written");
            goto done;
        }
    }
    if (fflush(out) != 0) {
        snprintf(error, error_size, "the compressed message cannot be written");
        goto done;
    }
    status = 0;
done:
    if (started) deflateEnd(&stream);
    if (in != NULL) fclose(in);
    if (scratch != NULL) fclose(scratch);
    if (out != NULL && fclose(out) != 0 && status == 0) {
        snprintf(error, error_size, "the compressed message cannot be written");
        status = 1;
    }
    remove(scratch_path);
    return status;
}

void CGatewayShims_free(void *pointer) { free(pointer); }

/* BER reading for CompressedData: a tag byte and its length (-1 = indefinite). */
static int read_header(FILE *in, int *tag, long long *length) {
    int first = fgetc(in);
    if (first == EOF) return 0;
    if ((first & 0x1F) == 0x1F) return 0; /* high tag numbers never occur here */
    int size = fgetc(in);
    if (size == EOF) return 0;
    *tag = first;
    if (size < 0x80) {
        *length = size;
        return 1;
    }
    if (size == 0x80) {
        *length = -1;
        return 1;
    }
    int count = size & 0x7F;
    if (count > 8) return 0;
    long long value = 0;
    for (int index = 0; index < count; index++) {
        int byte = fgetc(in);
        if (byte == EOF) return 0;
        value = (value << 8) | byte;
    }
    if (value < 0) return 0;
    *length = value;
    return 1;
}

static int skip_bytes(FILE *in, long long count) {
    unsigned char buffer[4096];
    while (count > 0) {
        size_t want = count > (long long)sizeof buffer ? sizeof buffer : (size_t)count;
        if (fread(buffer, 1, want, in) != want) return 0;
        count -= (long long)want;
    }
    return 1;
}

/* Inflates `count` bytes of deflated content from `in` into `out`. */
static int inflate_bytes(z_stream *stream, FILE *in, long long count, FILE *out, int *finished) {
    unsigned char input[65536], output[65536];
    while (count > 0) {
        size_t want = count > (long long)sizeof input ? sizeof input : (size_t)count;
        if (fread(input, 1, want, in) != want) return 0;
        count -= (long long)want;
        stream->next_in = input;
        stream->avail_in = (uInt)want;
        while (stream->avail_in > 0 && !*finished) {
            stream->next_out = output;
            stream->avail_out = sizeof output;
            int result = inflate(stream, Z_NO_FLUSH);
            if (result != Z_OK && result != Z_STREAM_END) return 0;
            size_t produced = sizeof output - stream->avail_out;
            if (fwrite(output, 1, produced, out) != produced) return 0;
            if (result == Z_STREAM_END) *finished = 1;
        }
    }
    return 1;
}

/* Where the content octets of an OCTET STRING go: `count` bytes to be read from `in`. */
typedef int (*octet_sink)(void *context, FILE *in, long long count);

/* The content of the OCTET STRING whose header (tag, length) was just read, primitive
 * (`primitive` tag) or constructed of primitive chunks (`constructed` tag; definite length or
 * ended by end-of-contents), passed on chunk by chunk. 1: read; 0: malformed or the sink
 * failed; -1: neither tag. */
static int read_octets(FILE *in, int tag, long long length, int primitive, int constructed, octet_sink sink, void *context) {
    if (tag == primitive && length >= 0) return sink(context, in, length);
    if (tag != constructed) return -1;
    long long remaining = length;
    for (;;) {
        if (length >= 0 && remaining <= 0) return 1;
        int chunk_tag;
        long long chunk;
        if (!read_header(in, &chunk_tag, &chunk)) return 0;
        if (chunk_tag == 0x00 && chunk == 0) return 1;
        if (chunk_tag != 0x04 || chunk < 0 || !sink(context, in, chunk)) return 0;
        unsigned char scratch[10];
        remaining -= 1 + (long long)der_length((unsigned long long)chunk, scratch) + chunk;
    }
}

/* Copies octets to the FILE in `context`. */
static int copy_sink(void *context, FILE *in, long long count) {
    unsigned char buffer[65536];
    while (count > 0) {
        size_t want = count > (long long)sizeof buffer ? sizeof buffer : (size_t)count;
        if (fread(buffer, 1, want, in) != want || fwrite(buffer, 1, want, (FILE *)context) != want) return 0;
        count -= (long long)want;
    }
    return 1;
}

struct inflation {
    z_stream *stream;
    FILE *out;
    int *finished;
};

static int inflate_sink(void *context, FILE *in, long long count) {
    struct inflation *inflation = context;
    return inflate_bytes(inflation->stream, in, count, inflation->out, inflation->finished);
}

/* Reads RFC 3274 CompressedData (DER or BER, primitive or chunked content) and inflates its
 * content into `output_path`, streaming. */
int CGatewayShims_cms_uncompress(const char *input_path, const char *output_path, char *error, size_t error_size) {
    static const unsigned char compressed_data_oid[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x10, 0x01, 0x09};
    static const unsigned char zlib_oid[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x10, 0x03, 0x08};
    FILE *in = fopen(input_path, "rb"), *out = fopen(output_path, "wb");
    int status = 1, tag = 0, finished = 0, started = 0;
    long long length = 0;
    unsigned char small[64];
    z_stream stream;
    memset(&stream, 0, sizeof stream);
    const char *problem = "the body is not CMS CompressedData";
    if (in == NULL || out == NULL) {
        problem = "the files to decompress from and to cannot be opened";
        goto done;
    }
    /* ContentInfo SEQUENCE, contentType OID */
    if (!read_header(in, &tag, &length) || tag != 0x30) goto done;
    if (!read_header(in, &tag, &length) || tag != 0x06 || length != sizeof compressed_data_oid) goto done;
    if (fread(small, 1, (size_t)length, in) != (size_t)length || memcmp(small, compressed_data_oid, sizeof compressed_data_oid) != 0) {
        problem = "the CMS content is not CompressedData";
        goto done;
    }
    /* [0] EXPLICIT, CompressedData SEQUENCE, version INTEGER */
    if (!read_header(in, &tag, &length) || tag != 0xA0) goto done;
    if (!read_header(in, &tag, &length) || tag != 0x30) goto done;
    if (!read_header(in, &tag, &length) || tag != 0x02 || length < 0 || !skip_bytes(in, length)) goto done;
    /* compressionAlgorithm: must be zlib */
    if (!read_header(in, &tag, &length) || tag != 0x30 || length < 0 || length > (long long)sizeof small) goto done;
    if (fread(small, 1, (size_t)length, in) != (size_t)length) goto done;
    if (length < 2 + (long long)sizeof zlib_oid || small[0] != 0x06 || memcmp(small + 2, zlib_oid, sizeof zlib_oid) != 0) {
        problem = "the compression algorithm is not zlib (RFC 3274)";
        goto done;
    }
    /* encapContentInfo SEQUENCE, eContentType OID, [0] EXPLICIT eContent */
    if (!read_header(in, &tag, &length) || tag != 0x30) goto done;
    if (!read_header(in, &tag, &length) || tag != 0x06 || length < 0 || !skip_bytes(in, length)) goto done;
    if (!read_header(in, &tag, &length) || tag != 0xA0) goto done;
    if (inflateInit(&stream) != Z_OK) {
        problem = "zlib cannot start";
        goto done;
    }
    started = 1;
    if (!read_header(in, &tag, &length)) goto done;
    struct inflation inflation = {&stream, out, &finished};
    int octets = read_octets(in, tag, length, 0x04, 0x24, inflate_sink, &inflation);
    if (octets < 0) goto done;
    if (octets == 0) {
        problem = "the compressed content does not inflate";
        goto done;
    }
    if (!finished) {
        problem = "the compressed content ends before its zlib stream does";
        goto done;
    }
    if (fflush(out) != 0) {
        problem = "the decompressed entity cannot be written";
        goto done;
    }
    status = 0;
done:
    if (status != 0) snprintf(error, error_size, "%s", problem);
    if (started) inflateEnd(&stream);
    if (in != NULL) fclose(in);
    if (out != NULL) fclose(out);
    return status;
}

/* The index-th certificate of a PEM bundle: subject and issuer (one line), serial (hex),
 * validity (seconds since 1970) and SHA-256 fingerprint. 0: read; 1: no such certificate. */
int CGatewayShims_x509_info(const char *pem, size_t length, int index, char *subject, size_t subject_size, char *issuer, size_t issuer_size,
                            char *serial, size_t serial_size, long long *not_before, long long *not_after, unsigned char *fingerprint,
                            char *error, size_t error_size) {
    STACK_OF(X509) *certificates = read_certificates(pem, length);
    if (certificates == NULL) return fail(error, error_size, "no PEM certificate can be read");
    int status = 1;
    if (index >= sk_X509_num(certificates)) goto done;
    X509 *certificate = sk_X509_value(certificates, index);
    X509_NAME_oneline(X509_get_subject_name(certificate), subject, (int)subject_size);
    X509_NAME_oneline(X509_get_issuer_name(certificate), issuer, (int)issuer_size);
    BIGNUM *number = ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate), NULL);
    char *hex = number == NULL ? NULL : BN_bn2hex(number);
    snprintf(serial, serial_size, "%s", hex == NULL ? "" : hex);
    OPENSSL_free(hex);
    BN_free(number);
    struct tm time;
    if (!ASN1_TIME_to_tm(X509_get0_notBefore(certificate), &time)) {
        status = fail(error, error_size, "the certificate's notBefore cannot be read");
        goto done;
    }
    *not_before = (long long)timegm(&time);
    if (!ASN1_TIME_to_tm(X509_get0_notAfter(certificate), &time)) {
        status = fail(error, error_size, "the certificate's notAfter cannot be read");
        goto done;
    }
    *not_after = (long long)timegm(&time);
    unsigned int size = 0;
    if (!X509_digest(certificate, EVP_sha256(), fingerprint, &size)) {
        status = fail(error, error_size, "the certificate's fingerprint cannot be computed");
        goto done;
    }
    status = 0;
done:
    sk_X509_pop_free(certificates, X509_free);
    return status;
}

/* Appends a DER header for `tag` and `length` to `out`; returns the bytes written. */
static size_t put_header(unsigned char *out, unsigned char tag, unsigned long long length) {
    out[0] = tag;
    return 1 + der_length(length, out + 1);
}

/* Reads the value of the element whose header was just read into `buffer` (definite lengths
 * only, at most `size` bytes): for the small fields of EnvelopedData. */
static int read_small(FILE *in, long long length, unsigned char *buffer, size_t size) {
    if (length < 0 || (unsigned long long)length > size) return 0;
    return fread(buffer, 1, (size_t)length, in) == (size_t)length;
}

/* Decrypts EnvelopedData streaming: the small fields (version, recipients, algorithm) are
 * re-encoded into a CMS structure whose encrypted content is detached, the encrypted octets
 * are copied to `scratch_path`, and OpenSSL decrypts them from there through its cipher BIO,
 * so memory never holds the content. */
int CGatewayShims_cms_decrypt_stream(const char *input_path, const char *scratch_path, const char *certificate_pem, size_t certificate_length,
                                     const char *key_pem, size_t key_length, const char *output_path, char *error, size_t error_size) {
    static const unsigned char enveloped_oid[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x03};
    enum { SMALL = 1 << 16 };
    FILE *in = fopen(input_path, "rb"), *scratch = NULL;
    unsigned char *version = malloc(SMALL), *recipients = malloc(SMALL), *type = malloc(256), *algorithm = malloc(1024), *der = NULL;
    long long version_length = 0, recipients_length = 0, type_length = 0, algorithm_length = 0, length = 0;
    int tag = 0, status = 1;
    const char *problem = "the body is not DER/BER CMS EnvelopedData";
    STACK_OF(X509) *certificates = read_certificates(certificate_pem, certificate_length);
    EVP_PKEY *key = read_key(key_pem, key_length, NULL);
    CMS_ContentInfo *cms = NULL;
    BIO *content = NULL, *out = NULL;
    unsigned char small[64];
    if (in == NULL || version == NULL || recipients == NULL || type == NULL || algorithm == NULL) goto done;
    if (certificates == NULL || key == NULL) {
        problem = "our certificate or key cannot be read as PEM";
        goto done;
    }
    if (!read_header(in, &tag, &length) || tag != 0x30) goto done;
    if (!read_header(in, &tag, &length) || tag != 0x06 || !read_small(in, length, small, sizeof small)) goto done;
    if (length != sizeof enveloped_oid || memcmp(small, enveloped_oid, sizeof enveloped_oid) != 0) {
        problem = "the CMS content is not EnvelopedData";
        goto done;
    }
    if (!read_header(in, &tag, &length) || tag != 0xA0) goto done;
    if (!read_header(in, &tag, &length) || tag != 0x30) goto done;
    if (!read_header(in, &tag, &version_length) || tag != 0x02 || !read_small(in, version_length, version, SMALL)) goto done;
    if (!read_header(in, &tag, &length)) goto done;
    if (tag == 0xA0) { /* originatorInfo: not used by AS2; refused rather than dropped */
        problem = "EnvelopedData with originatorInfo is not supported";
        goto done;
    }
    if (tag != 0x31 || !read_small(in, length, recipients, SMALL)) {
        problem = "the EnvelopedData recipients cannot be read (indefinite or over 64 KB)";
        goto done;
    }
    recipients_length = length;
    /* encryptedContentInfo: contentType, contentEncryptionAlgorithm, [0] encryptedContent */
    if (!read_header(in, &tag, &length) || tag != 0x30) goto done;
    if (!read_header(in, &tag, &type_length) || tag != 0x06 || !read_small(in, type_length, type, 256)) goto done;
    if (!read_header(in, &tag, &algorithm_length) || tag != 0x30 || !read_small(in, algorithm_length, algorithm, 1024)) goto done;
    if (!read_header(in, &tag, &length)) goto done;
    if ((scratch = fopen(scratch_path, "wb")) == NULL) {
        problem = "the scratch file cannot be created";
        goto done;
    }
    int octets = read_octets(in, tag, length, 0x80, 0xA0, copy_sink, scratch);
    if (octets < 0) problem = "the EnvelopedData has no encrypted content";
    if (octets <= 0) goto done;
    if (fclose(scratch) != 0) {
        scratch = NULL;
        problem = "the scratch file cannot be written";
        goto done;
    }
    scratch = NULL;
    /* Re-encode: ContentInfo { OID, [0] { EnvelopedData { version, recipients, { type, algorithm } } } } */
    unsigned long long encrypted_info = der_size((unsigned long long)type_length) + der_size((unsigned long long)algorithm_length);
    unsigned long long body = der_size((unsigned long long)version_length) + der_size((unsigned long long)recipients_length) + der_size(encrypted_info);
    unsigned long long explicit_body = der_size(body);
    unsigned long long total = der_size(sizeof enveloped_oid) + der_size(explicit_body);
    size_t capacity = (size_t)der_size(total);
    if ((der = malloc(capacity)) == NULL) goto done;
    size_t at = put_header(der, 0x30, total);
    at += put_header(der + at, 0x06, sizeof enveloped_oid);
    memcpy(der + at, enveloped_oid, sizeof enveloped_oid);
    at += sizeof enveloped_oid;
    at += put_header(der + at, 0xA0, explicit_body);
    at += put_header(der + at, 0x30, body);
    at += put_header(der + at, 0x02, (unsigned long long)version_length);
    memcpy(der + at, version, (size_t)version_length);
    at += (size_t)version_length;
    at += put_header(der + at, 0x31, (unsigned long long)recipients_length);
    memcpy(der + at, recipients, (size_t)recipients_length);
    at += (size_t)recipients_length;
    at += put_header(der + at, 0x30, encrypted_info);
    at += put_header(der + at, 0x06, (unsigned long long)type_length);
    memcpy(der + at, type, (size_t)type_length);
    at += (size_t)type_length;
    at += put_header(der + at, 0x30, (unsigned long long)algorithm_length);
    memcpy(der + at, algorithm, (size_t)algorithm_length);
    at += (size_t)algorithm_length;
    const unsigned char *cursor = der;
    if ((cms = d2i_CMS_ContentInfo(NULL, &cursor, (long)at)) == NULL) {
        status = fail(error, error_size, "the EnvelopedData header cannot be read");
        goto cleanup;
    }
    if ((content = BIO_new_file(scratch_path, "rb")) == NULL || (out = BIO_new_file(output_path, "wb")) == NULL) {
        status = fail(error, error_size, "the files to decrypt from and to cannot be opened");
        goto cleanup;
    }
    if (!CMS_decrypt(cms, key, sk_X509_value(certificates, 0), content, out, CMS_BINARY)) {
        status = fail(error, error_size, "decryption failed (not encrypted to our certificate, or damaged)");
        goto cleanup;
    }
    if (BIO_flush(out) <= 0) {
        status = fail(error, error_size, "the decrypted entity cannot be written");
        goto cleanup;
    }
    status = 0;
    goto cleanup;
done:
    snprintf(error, error_size, "%s", problem);
cleanup:
    if (scratch != NULL) fclose(scratch);
    if (in != NULL) fclose(in);
    remove(scratch_path);
    free(version);
    free(recipients);
    free(type);
    free(algorithm);
    free(der);
    BIO_free(content);
    BIO_free(out);
    CMS_ContentInfo_free(cms);
    EVP_PKEY_free(key);
    sk_X509_pop_free(certificates, X509_free);
    return status;
}
