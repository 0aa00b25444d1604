<?php
/*
 * PHP test of libcrm through FFI: loads crm-ffi/include/crm.h unchanged with
 * FFI::cdef, runs every golden vector in tests/vectors, checks errors and
 * ownership rules, and prints a facts summary for a small store.
 *
 *   php -d ffi.enable=1 tests/php/test_crm.php [path/to/libcrm.so]
 *
 * The library path defaults to $CRM_LIB, then target/release/libcrm.so.
 * Last line: "N passed, M failed"; the exit status is nonzero on any failure.
 */

declare(strict_types=1);

$root = dirname(__DIR__, 2);
$lib = $argv[1] ?? (getenv('CRM_LIB') ?: "$root/target/release/libcrm.so");
$header = "$root/crm-ffi/include/crm.h";

$passed = 0;
$failed = 0;

function check(bool $ok, string $what): void
{
    global $passed, $failed;
    if ($ok) {
        $passed++;
    } else {
        $failed++;
        echo "FAIL: $what\n";
    }
}

/** JSON to a PHP value in which objects and lists stay distinct and key order does not matter. */
function normalize(mixed $v): mixed
{
    if ($v instanceof stdClass) {
        $a = [];
        foreach (get_object_vars($v) as $k => $x) {
            $a[(string) $k] = normalize($x);
        }
        ksort($a, SORT_STRING);
        return ['{}' => $a];
    }
    if (is_array($v)) {
        return array_map('normalize', $v);
    }
    return $v;
}

function decode(?string $json): mixed
{
    return $json === null ? null : normalize(json_decode($json, false, 512, JSON_THROW_ON_ERROR));
}

/** Copies an owned `char *` result into a PHP string and frees it. NULL gives null. */
function take(FFI $ffi, ?FFI\CData $p): ?string
{
    if ($p === null) {
        return null;
    }
    $s = FFI::string($p);
    $ffi->crm_string_free($p);
    return $s;
}

/** A borrowed `char *` field of CrmError as a PHP string (or null). */
function field(?FFI\CData $p): ?string
{
    return $p === null ? null : FFI::string($p);
}

/**
 * Calls crm_call and returns [result JSON or null, error fields or null];
 * the CrmError is cleared before returning.
 */
function call(FFI $ffi, ?string $function, ?string $request): array
{
    $err = $ffi->new('CrmError');
    $out = take($ffi, $ffi->crm_call($function, $request, FFI::addr($err)));
    $error = null;
    if ($err->code !== 0) {
        $error = [
            'code' => $err->code,
            'domain' => field($err->domain),
            'kind' => field($err->kind),
            'message' => field($err->message),
            'details' => field($err->details_json),
        ];
    }
    $ffi->crm_error_clear(FFI::addr($err));
    return [$out, $error];
}

$ffi = FFI::cdef(file_get_contents($header), $lib);

// Numeric codes by domain, through the enumerators the header declares.
$codes = [
    'request' => $ffi->CRM_ERROR_CODE_REQUEST,
    'model' => $ffi->CRM_ERROR_CODE_MODEL,
    'money' => $ffi->CRM_ERROR_CODE_MONEY,
    'time' => $ffi->CRM_ERROR_CODE_TIME,
    'facts' => $ffi->CRM_ERROR_CODE_FACTS,
    'dataset' => $ffi->CRM_ERROR_CODE_DATASET,
    'segment' => $ffi->CRM_ERROR_CODE_SEGMENT,
    'consent' => $ffi->CRM_ERROR_CODE_CONSENT,
    'privacy' => $ffi->CRM_ERROR_CODE_PRIVACY,
    'ltv' => $ffi->CRM_ERROR_CODE_LTV,
    'campaign' => $ffi->CRM_ERROR_CODE_CAMPAIGN,
];
check($codes === ['request' => 1, 'model' => 2, 'money' => 3, 'time' => 4, 'facts' => 5, 'dataset' => 6, 'segment' => 7,
    'consent' => 8, 'privacy' => 9, 'ltv' => 10, 'campaign' => 11], 'enumerator values');
check($ffi->CRM_ERROR_CODE_NULL_ARGUMENT === 100 && $ffi->CRM_ERROR_CODE_INVALID_UTF8 === 101
    && $ffi->CRM_ERROR_CODE_PANIC === 102, 'boundary enumerator values');

// Version.
$version = json_decode(take($ffi, $ffi->crm_version()), true);
check(is_string($version['version'] ?? null) && ($version['wire_version'] ?? null) === 1, 'crm_version');

// Every golden vector, through crm_call, crm_call_envelope and the dedicated wrapper.
$files = glob("$root/tests/vectors/*.json");
sort($files);
check(count($files) > 0, 'golden vectors found');
$wrappers = ['validate_store' => 'crm_validate_store', 'customer_facts' => 'crm_customer_facts', 'rfm' => 'crm_rfm', 'sample_store' => 'crm_sample_store'];
foreach ($files as $file) {
    $name = basename($file);
    $vector = json_decode(file_get_contents($file), false, 512, JSON_THROW_ON_ERROR);
    $function = $vector->function;
    $request = json_encode($vector->request, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PRESERVE_ZERO_FRACTION);
    $expected = $vector->expected;

    $envelope = take($ffi, $ffi->crm_call_envelope($function, $request));
    check(decode($envelope) === normalize($expected), "$name: crm_call_envelope");

    [$out, $error] = call($ffi, $function, $request);
    if ($expected->ok) {
        check($error === null, "$name: crm_call succeeds" . ($error ? ": {$error['message']}" : ''));
        check(decode($out) === normalize($expected->result), "$name: crm_call result");
    } else {
        $e = $expected->error;
        check($out === null && $error !== null, "$name: crm_call fails");
        check(($error['code'] ?? null) === ($codes[$e->domain] ?? -1), "$name: numeric code");
        check(($error['domain'] ?? null) === $e->domain, "$name: domain");
        check(($error['kind'] ?? null) === $e->code, "$name: kind");
        check(($error['message'] ?? null) === $e->message, "$name: message");
        check(decode($error['details'] ?? 'null') === normalize($e->details), "$name: details");
    }

    if (isset($wrappers[$function])) {
        $err = $ffi->new('CrmError');
        $again = take($ffi, $ffi->{$wrappers[$function]}($request, FFI::addr($err)));
        check($again === $out && $err->code === ($error['code'] ?? 0), "$name: {$wrappers[$function]} agrees");
        $ffi->crm_error_clear(FFI::addr($err));
    }
}

// An error case: code and message.
[$out, $error] = call($ffi, 'customer_facts', '{"store": {}}');
check($out === null && $error['code'] === 1 && $error['kind'] === 'missing_field', 'missing as_of: code 1');
check($error['message'] === 'request field `as_of` is required', 'missing as_of: message');
$err = $ffi->new('CrmError');
check($ffi->crm_customer_facts('{"as_of": "2024-03-01T00:00:00Z", "store": {"orders": [{"id": "o1"}]}}', FFI::addr($err)) === null, 'invalid record: NULL result');
check($err->code === 2 && FFI::string($err->domain) === 'model', 'invalid record: code 2');
$details = json_decode(FFI::string($err->details_json), true);
check(($details[0]['record'] ?? null) === 'order' && ($details[0]['id'] ?? null) === 'o1', 'invalid record: details name the order');
$ffi->crm_error_clear(FFI::addr($err));
$ffi->crm_error_clear(FFI::addr($err));
check($err->code === 0 && $err->message === null, 'crm_error_clear twice');

// The boundary: NULL arguments, invalid UTF-8, hostile JSON, NULL err.
[$out, $error] = call($ffi, null, '{}');
check($out === null && $error['code'] === 100 && $error['message'] === 'argument `function` is NULL', 'NULL function: code 100');
[$out, $error] = call($ffi, 'validate_store', null);
check($error['code'] === 100 && $error['kind'] === 'null_argument', 'NULL request: code 100');
[$out, $error] = call($ffi, 'validate_store', "\xff\xfe");
check($error['code'] === 101 && $error['domain'] === 'ffi' && $error['kind'] === 'invalid_utf8', 'invalid UTF-8: code 101');
[$out, $error] = call($ffi, 'validate_store', str_repeat('[', 100000));
check($error['code'] === 1 && $error['kind'] === 'invalid_json', 'deep nesting: code 1');
[$out, $error] = call($ffi, 'validate_store', '{"store": {"orders": [');
check($error['code'] === 1 && $error['kind'] === 'invalid_json', 'truncated JSON: code 1');
$order = '{"id": "o1", "customer_id": "c1", "placed_at": "2024-02-01T00:00:00Z", "currency": "EUR", "status": "paid", "subtotal": %s, "total": %s}';
[$out, $error] = call($ffi, 'validate_store', '{"store": {"orders": [' . sprintf($order, '1e400', '1e400') . ']}}');
check($error['code'] === 1 && $error['kind'] === 'invalid_json', 'amount 1e400: code 1');
[$out, $error] = call($ffi, 'validate_store', '{"store": {"orders": [' . sprintf($order, '99999999999999999999999', '99999999999999999999999') . ']}}');
check($error['code'] === 2 && $error['kind'] === 'malformed', 'amount 99999999999999999999999: code 2');
$envelope = json_decode(take($ffi, $ffi->crm_call_envelope(null, null)), true);
check($envelope['ok'] === false && $envelope['error']['domain'] === 'ffi', 'envelope of NULL arguments');
check($ffi->crm_call('nope', '{}', null) === null, 'NULL err: failure returns NULL');
check(take($ffi, $ffi->crm_validate_store('{"store": {}}', null)) === '{"carts":0,"consents":0,"customers":0,"events":0,"orders":0}', 'NULL err: success');
$ffi->crm_string_free(null);
$ffi->crm_error_clear(null);
check(true, 'NULL frees are no-ops');

// Sample store: deterministic, and accepted by the other functions.
[$sample, $error] = call($ffi, 'sample_store', '{"customers": 20, "seed": 7}');
check($sample !== null, 'sample_store succeeds');
check(call($ffi, 'sample_store', '{"customers": 20, "seed": 7}')[0] === $sample, 'sample_store: same seed, same bytes');
[$counts] = call($ffi, 'validate_store', '{"store": ' . $sample . '}');
check(json_decode((string) $counts, true)['customers'] === count(json_decode($sample, true)['customers'] ?? []), 'sample_store validates');

// Facts of a small store (the request of a customer_facts vector), summarised.
$store = null;
foreach ($files as $file) {
    $v = json_decode(file_get_contents($file), true);
    if ($v['function'] === 'customer_facts' && $v['expected']['ok'] && count($v['expected']['result']['facts']) > 1) {
        $store = $v['request'];
        echo 'facts of the store in ' . basename($file) . "\n";
        break;
    }
}
check($store !== null, 'a customer_facts vector with several customers');
if ($store !== null) {
    $err = $ffi->new('CrmError');
    $json = take($ffi, $ffi->crm_customer_facts(json_encode($store), FFI::addr($err)));
    check($json !== null, 'facts of the small store' . ($json === null ? ': ' . FFI::string($err->message) : ''));
    $ffi->crm_error_clear(FFI::addr($err));
    $facts = json_decode((string) $json, true);
    echo "facts as of {$facts['as_of']}:\n";
    foreach ($facts['facts'] as $row) {
        printf(
            "  %-24s orders %d  net %s %s  last order %s days ago  top category %s\n",
            $row['customer_id'],
            $row['order_count'],
            number_format($row['net_spend'] / 100, 2, '.', ''),
            $row['currency'] ?? '-',
            $row['days_since_last_order'] ?? '-',
            $row['top_category'] ?? '-',
        );
    }
}

echo "ran " . count($files) . " golden vectors\n";
echo "$passed passed, $failed failed\n";
exit($failed === 0 ? 0 : 1);
