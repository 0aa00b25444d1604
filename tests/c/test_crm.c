/*
 * C test of libcrm through crm.h: every golden vector (prepared as plain files
 * by tests/c/prepare_vectors.py) through crm_call, crm_call_envelope and the
 * dedicated wrappers, plus the boundary's hostile cases. Meant to run under
 * valgrind with zero leaks; tests/run_native_tests.sh builds and runs it:
 *
 *   gcc -Wall -Werror -std=c11 -Icrm-ffi/include tests/c/test_crm.c \
 *       -Ltarget/release -lcrm -Wl,-rpath,target/release -o test_crm
 *   ./test_crm PREPARED_DIR
 *
 * Prints one line per failure and, last, "N passed, M failed"; exits nonzero
 * when anything failed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm.h"

static int passed;
static int failed;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void check(int ok, const char *what, ...) {
    if (ok) {
        passed++;
        return;
    }
    failed++;
    va_list args;
    va_start(args, what);
    fputs("FAIL: ", stdout);
    vprintf(what, args);
    fputc('\n', stdout);
    va_end(args);
}

/* Compares two strings exactly; on a mismatch shows where they part. */
static void check_str(const char *got, const char *want, const char *what, const char *name) {
    if (got == NULL || want == NULL) {
        check(got == want, "%s: %s: got %s, want %s", name, what, got ? got : "NULL",
              want ? want : "NULL");
        return;
    }
    if (strcmp(got, want) == 0) {
        check(1, "%s", what);
        return;
    }
    size_t i = 0;
    while (got[i] != '\0' && got[i] == want[i]) {
        i++;
    }
    size_t from = i > 40 ? i - 40 : 0;
    check(0, "%s: %s differs at byte %zu:\n   got: ...%.120s\n  want: ...%.120s", name, what, i,
          got + from, want + from);
}

static int contains(const char *haystack, const char *needle) {
    return haystack != NULL && strstr(haystack, needle) != NULL;
}

/* Reads DIR/NAME whole (NUL-terminated); NULL when absent. Free with free(). */
static char *read_file(const char *dir, const char *name) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf != NULL && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len - 1 == 0) {
            char *bigger = realloc(buf, cap * 2);
            if (bigger == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf != NULL) {
        buf[len] = '\0';
    }
    return buf;
}

/* Concatenates three strings into a malloc'd one. */
static char *concat3(const char *a, const char *b, const char *c) {
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    char *s = malloc(la + lb + lc + 1);
    if (s == NULL) {
        fputs("out of memory\n", stderr);
        exit(2);
    }
    memcpy(s, a, la);
    memcpy(s + la, b, lb);
    memcpy(s + la + lb, c, lc + 1);
    return s;
}

/* A string of N copies of UNIT, malloc'd. */
static char *repeat(const char *unit, size_t n) {
    size_t len = strlen(unit);
    char *s = malloc(len * n + 1);
    if (s == NULL) {
        fputs("out of memory\n", stderr);
        exit(2);
    }
    for (size_t i = 0; i < n; i++) {
        memcpy(s + i * len, unit, len);
    }
    s[len * n] = '\0';
    return s;
}

static int numeric_code(const char *domain) {
    static const struct {
        const char *domain;
        int code;
    } table[] = {
        {"request", CRM_ERROR_CODE_REQUEST}, {"model", CRM_ERROR_CODE_MODEL},
        {"money", CRM_ERROR_CODE_MONEY},     {"time", CRM_ERROR_CODE_TIME},
        {"facts", CRM_ERROR_CODE_FACTS},     {"dataset", CRM_ERROR_CODE_DATASET},
        {"segment", CRM_ERROR_CODE_SEGMENT}, {"consent", CRM_ERROR_CODE_CONSENT},
        {"privacy", CRM_ERROR_CODE_PRIVACY}, {"ltv", CRM_ERROR_CODE_LTV}, {"campaign", CRM_ERROR_CODE_CAMPAIGN},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (strcmp(table[i].domain, domain) == 0) {
            return table[i].code;
        }
    }
    return -1;
}

static int is_cleared(const CrmError *err) {
    return err->code == 0 && err->domain == NULL && err->kind == NULL && err->message == NULL &&
           err->details_json == NULL;
}

static int is_filled(const CrmError *err) {
    return err->code != 0 && err->domain != NULL && err->kind != NULL && err->message != NULL &&
           err->details_json != NULL;
}

typedef char *(*wrapper_fn)(const char *request_json, CrmError *err);

static wrapper_fn wrapper_for(const char *function) {
    if (strcmp(function, "validate_store") == 0) return crm_validate_store;
    if (strcmp(function, "customer_facts") == 0) return crm_customer_facts;
    if (strcmp(function, "rfm") == 0) return crm_rfm;
    if (strcmp(function, "sample_store") == 0) return crm_sample_store;
    return NULL;
}

/* One prepared golden vector. */
static void run_vector(const char *dir) {
    char *name = read_file(dir, "name");
    char *function = read_file(dir, "function");
    char *request = read_file(dir, "request.json");
    char *expected = read_file(dir, "expected.json");
    char *ok = read_file(dir, "ok");
    if (!name || !function || !request || !expected || !ok) {
        check(0, "%s: incomplete prepared vector", dir);
        goto done;
    }
    int expect_ok = strcmp(ok, "1") == 0;

    CrmError err = {0};
    char *out = crm_call(function, request, &err);
    if (expect_ok) {
        check(out != NULL && is_cleared(&err), "%s: crm_call succeeds (got code %d: %s)", name,
              err.code, err.message ? err.message : "");
        if (out != NULL) {
            char *envelope = concat3("{\"ok\":true,\"result\":", out, "}");
            check_str(envelope, expected, "crm_call result", name);
            free(envelope);
        }
    } else {
        char *domain = read_file(dir, "domain");
        char *kind = read_file(dir, "kind");
        char *message = read_file(dir, "message");
        char *details = read_file(dir, "details.json");
        check(out == NULL && is_filled(&err), "%s: crm_call fails", name);
        check(err.code == numeric_code(domain ? domain : ""), "%s: code %d, want %d (%s)", name,
              err.code, numeric_code(domain ? domain : ""), domain ? domain : "?");
        check_str(err.domain, domain, "domain", name);
        check_str(err.kind, kind, "kind", name);
        check_str(err.message, message, "message", name);
        check_str(err.details_json, details, "details_json", name);
        free(domain);
        free(kind);
        free(message);
        free(details);
    }

    /* The dedicated wrapper gives the same outcome; `err` is reused without
     * clearing (the call releases what it held: valgrind checks). */
    wrapper_fn wrapper = wrapper_for(function);
    if (wrapper != NULL) {
        CrmError first = err; /* shallow copy, compared before the call frees it */
        int first_code = first.code;
        char *first_kind = first.kind ? concat3(first.kind, "", "") : NULL;
        char *again = wrapper(request, &err);
        if (out != NULL) {
            check_str(again, out, "wrapper result", name);
        } else {
            check(again == NULL && err.code == first_code, "%s: wrapper fails alike", name);
            check_str(err.kind, first_kind, "wrapper kind", name);
        }
        free(first_kind);
        crm_string_free(again);
    }
    crm_string_free(out);
    crm_error_clear(&err);
    check(is_cleared(&err), "%s: crm_error_clear resets", name);

    char *envelope = crm_call_envelope(function, request);
    check_str(envelope, expected, "crm_call_envelope", name);
    crm_string_free(envelope);

done:
    free(name);
    free(function);
    free(request);
    free(expected);
    free(ok);
}

static void run_vectors(const char *prepared) {
    char *index = read_file(prepared, "index");
    check(index != NULL && index[0] != '\0', "prepared vectors index in %s", prepared);
    if (index == NULL) {
        return;
    }
    int count = 0;
    for (char *line = strtok(index, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/%s", prepared, line);
        run_vector(dir);
        count++;
    }
    printf("ran %d golden vectors\n", count);
    free(index);
}

static void test_version(void) {
    char *v = crm_version();
    check(v != NULL, "crm_version returns a string");
    check(contains(v, "\"version\":\""), "crm_version has version: %s", v ? v : "NULL");
    check(contains(v, "\"wire_version\":1"), "crm_version has wire_version 1");
    CrmError err = {0};
    char *via_call = crm_call("version", "{}", &err);
    check_str(via_call, v, "crm_call(\"version\")", "version");
    crm_string_free(via_call);
    crm_string_free(v);
}

/* Expects `out == NULL` and `err` filled with CODE/KIND; clears err. */
static void expect_error(char *out, CrmError *err, int code, const char *kind, const char *what) {
    check(out == NULL, "%s: returns NULL", what);
    check(is_filled(err), "%s: error filled", what);
    check(err->code == code, "%s: code %d, want %d (%s)", what, err->code, code,
          err->message ? err->message : "");
    check_str(err->kind, kind, "kind", what);
    check(contains(err->details_json, kind), "%s: details name the kind", what);
    crm_string_free(out);
    crm_error_clear(err);
}

static void test_null_arguments(void) {
    CrmError err = {0};
    char *out = crm_call(NULL, "{}", &err);
    check_str(err.message, "argument `function` is NULL", "message", "NULL function");
    check_str(err.domain, "ffi", "domain", "NULL function");
    expect_error(out, &err, CRM_ERROR_CODE_NULL_ARGUMENT, "null_argument", "NULL function");

    out = crm_call("version", NULL, &err);
    check_str(err.message, "argument `request_json` is NULL", "message", "NULL request");
    expect_error(out, &err, 100, "null_argument", "NULL request");

    expect_error(crm_call(NULL, NULL, &err), &err, 100, "null_argument", "both NULL");
    expect_error(crm_validate_store(NULL, &err), &err, 100, "null_argument", "validate NULL");
    expect_error(crm_customer_facts(NULL, &err), &err, 100, "null_argument", "facts NULL");
    expect_error(crm_sample_store(NULL, &err), &err, 100, "null_argument", "sample NULL");
    expect_error(crm_rfm(NULL, &err), &err, 100, "null_argument", "rfm NULL");

    char *env = crm_call_envelope(NULL, NULL);
    check(contains(env, "\"ok\":false") && contains(env, "\"domain\":\"ffi\"") &&
              contains(env, "\"code\":\"null_argument\""),
          "envelope of NULL arguments: %s", env ? env : "NULL");
    crm_string_free(env);

    /* NULL no-ops, clearing twice, clearing NULL. */
    crm_string_free(NULL);
    crm_error_clear(NULL);
    out = crm_call("nope", "{}", &err);
    check(out == NULL && is_filled(&err), "unknown function fails");
    crm_error_clear(&err);
    crm_error_clear(&err);
    check(is_cleared(&err), "crm_error_clear twice");
}

static void test_invalid_utf8(void) {
    CrmError err = {0};
    char *out = crm_call("version", "\xff", &err);
    check(contains(err.message, "argument `request_json` is not valid UTF-8"), "utf8 message: %s",
          err.message ? err.message : "NULL");
    check_str(err.domain, "ffi", "domain", "invalid UTF-8");
    expect_error(out, &err, CRM_ERROR_CODE_INVALID_UTF8, "invalid_utf8", "invalid UTF-8 request");
    expect_error(crm_call("\xfe\xff", "{}", &err), &err, 101, "invalid_utf8",
                 "invalid UTF-8 function");
    expect_error(crm_validate_store("{\"store\": \"\xc3\x28\"}", &err), &err, 101, "invalid_utf8",
                 "invalid UTF-8 inside a string");
    expect_error(crm_validate_store("{\"store\": {}}\xe2\x82", &err), &err, 101, "invalid_utf8",
                 "truncated UTF-8 sequence");
    char *env = crm_call_envelope("version", "\xff");
    check(contains(env, "\"code\":\"invalid_utf8\""), "envelope of invalid UTF-8");
    crm_string_free(env);
}

static char *facts_request(const char *amount) {
    char *head = concat3(
        "{\"as_of\":\"2024-03-01T00:00:00Z\",\"store\":{\"orders\":[{\"id\":\"o1\","
        "\"customer_id\":\"c1\",\"placed_at\":\"2024-02-01T00:00:00Z\",\"currency\":\"EUR\","
        "\"status\":\"paid\",\"subtotal\":",
        amount, ",\"total\":");
    char *req = concat3(head, amount, "}]}}");
    free(head);
    return req;
}

static void test_hostile_json(void) {
    CrmError err = {0};

    char *deep = repeat("[", 100000);
    expect_error(crm_validate_store(deep, &err), &err, CRM_ERROR_CODE_REQUEST, "invalid_json",
                 "100000 nested arrays");
    free(deep);

    deep = repeat("{\"a\":", 100000);
    expect_error(crm_customer_facts(deep, &err), &err, 1, "invalid_json",
                 "100000 nested objects");
    free(deep);

    char *arrays = repeat("[", 100000);
    deep = concat3("{\"store\":{\"customers\":", arrays, "");
    expect_error(crm_validate_store(deep, &err), &err, 1, "invalid_json",
                 "deep nesting inside the store");
    free(arrays);
    free(deep);

    char *req = facts_request("1e400");
    expect_error(crm_customer_facts(req, &err), &err, 1, "invalid_json", "amount 1e400");
    free(req);

    req = facts_request("99999999999999999999999");
    expect_error(crm_customer_facts(req, &err), &err, CRM_ERROR_CODE_MODEL, "malformed",
                 "amount 99999999999999999999999");
    free(req);

    req = facts_request("1.5");
    expect_error(crm_customer_facts(req, &err), &err, 2, "malformed", "fractional amount");
    free(req);

    req = facts_request("-9223372036854775808");
    expect_error(crm_customer_facts(req, &err), &err, 2, "negative_amount", "amount i64::MIN");
    free(req);

    expect_error(crm_validate_store("{\"store\": {\"orders\": [", &err), &err, 1,
                 "invalid_json", "truncated JSON");
    expect_error(crm_validate_store("", &err), &err, 1, "invalid_json", "empty request");
    expect_error(crm_validate_store("[]", &err), &err, 1, "not_an_object", "array request");
    expect_error(crm_validate_store("{}", &err), &err, 1, "missing_field", "missing store");
    expect_error(crm_sample_store("{\"customers\": 99999999999999999999}", &err), &err, 1,
                 "invalid_field", "huge customer count");
}

static void test_error_reuse_and_null_err(void) {
    CrmError err = {0};
    /* Failures in a row: each call releases what the last one left. */
    check(crm_customer_facts("{}", &err) == NULL && err.code == 1, "reuse: first failure");
    check(crm_call(NULL, "{}", &err) == NULL && err.code == 100, "reuse: second failure");
    char *out = crm_customer_facts("{\"as_of\":\"2024-03-01T00:00:00Z\",\"store\":{}}", &err);
    check(out != NULL && is_cleared(&err), "reuse: success leaves err cleared");
    check_str(out, "{\"as_of\":\"2024-03-01T00:00:00Z\",\"facts\":[]}", "empty facts", "reuse");
    crm_string_free(out);

    /* err == NULL is allowed. */
    check(crm_call("customer_facts", "{}", NULL) == NULL, "NULL err: failure returns NULL");
    check(crm_call(NULL, NULL, NULL) == NULL, "NULL err: NULL arguments");
    out = crm_validate_store("{\"store\":{}}", NULL);
    check_str(out, "{\"carts\":0,\"consents\":0,\"customers\":0,\"events\":0,\"orders\":0}",
              "validate with NULL err", "NULL err");
    crm_string_free(out);
}

static void test_sample_to_facts(void) {
    CrmError err = {0};
    char *sample = crm_sample_store("{\"customers\":20,\"seed\":7}", &err);
    check(sample != NULL, "sample_store succeeds (%s)", err.message ? err.message : "");
    char *again = crm_sample_store("{\"customers\":20,\"seed\":7}", &err);
    check_str(again, sample, "same seed, same bytes", "sample_store");
    crm_string_free(again);
    if (sample != NULL) {
        char *req = concat3("{\"as_of\":\"2024-03-01T00:00:00Z\",\"store\":", sample, "}");
        char *facts = crm_customer_facts(req, &err);
        check(facts != NULL && contains(facts, "\"facts\":["),
              "facts of the sample store (%s)", err.message ? err.message : "");
        crm_string_free(facts);
        char *store_req = concat3("{\"store\":", sample, "}");
        char *valid = crm_validate_store(store_req, &err);
        free(store_req);
        check(valid != NULL && contains(valid, "\"customers\":"),
              "the sample store validates (%s)", err.message ? err.message : "");
        crm_string_free(valid);
        free(req);
    }
    crm_string_free(sample);
    expect_error(crm_sample_store("{\"customers\":10001}", &err), &err, 1, "invalid_field",
                 "sample over the limit");
    crm_error_clear(&err);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s PREPARED_VECTORS_DIR\n", argv[0]);
        return 2;
    }
    test_version();
    test_null_arguments();
    test_invalid_utf8();
    test_hostile_json();
    test_error_reuse_and_null_err();
    test_sample_to_facts();
    run_vectors(argv[1]);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
