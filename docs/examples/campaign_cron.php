<?php
/*
 * A WooCommerce-style cron job: plan the campaign messages due now with
 * libcrm, "send" them (print), and record them in a send log so that no
 * message ever goes twice, however often the job runs.
 *
 *   CRM_LIB=target/release/libcrm.so CRM_HEADER=crm-ffi/include/crm.h \
 *       php -d ffi.enable=1 docs/examples/campaign_cron.php [send_log.json]
 *
 * Run it twice with the same log: the second run sends nothing.
 */

declare(strict_types=1);

$root = dirname(__DIR__, 2);
$ffi = FFI::cdef(
    file_get_contents(getenv('CRM_HEADER') ?: "$root/crm-ffi/include/crm.h"),
    getenv('CRM_LIB') ?: "$root/target/release/libcrm.so"
);

/** Calls a libcrm JSON function; throws with the library's message on failure. */
function crm(FFI $ffi, string $function, array $request): array
{
    $err = $ffi->new('CrmError');
    $out = $ffi->crm_call($function, json_encode($request, JSON_UNESCAPED_SLASHES), FFI::addr($err));
    if ($out === null) {
        $message = FFI::string($err->message);
        $ffi->crm_error_clear(FFI::addr($err));
        throw new RuntimeException("$function: $message");
    }
    $json = FFI::string($out);
    $ffi->crm_string_free($out);
    return json_decode($json, true, 512, JSON_THROW_ON_ERROR);
}

$now = time();
$at = fn (string $ago): string => gmdate('Y-m-d\TH:i:s\Z', strtotime("-$ago", $now));

// In a shop these rows come from the users, orders, cart sessions and opt-ins.
$store = [
    'customers' => [
        ['id' => 'wc-17', 'created_at' => $at('90 days'), 'email' => 'ayse@example.com',
         'first_name' => 'Ayşe', 'time_zone' => 'Europe/Istanbul'],
        ['id' => 'wc-42', 'created_at' => $at('30 minutes'), 'email' => 'jon@example.com',
         'first_name' => 'Jon', 'time_zone' => 'America/New_York'],
    ],
    'carts' => [
        ['id' => 'cart-9', 'customer_id' => 'wc-17', 'currency' => 'TRY',
         'created_at' => $at('2 hours'), 'updated_at' => $at('70 minutes'),
         'items' => [['sku' => 'TSHIRT-M', 'title' => 'T-shirt', 'quantity' => 2, 'unit_price' => 34900]]],
    ],
    'orders' => [
        ['id' => '1001', 'customer_id' => 'wc-42', 'placed_at' => $at('5 minutes'), 'currency' => 'USD',
         'status' => 'paid', 'lines' => [['sku' => 'MUG', 'quantity' => 1, 'unit_price' => 1500]],
         'subtotal' => 1500, 'total' => 1500],
    ],
    'consents' => [
        ['customer_id' => 'wc-17', 'channel' => 'email', 'purpose' => 'marketing',
         'status' => 'granted', 'at' => $at('90 days'), 'source' => 'checkout_checkbox'],
        ['customer_id' => 'wc-42', 'channel' => 'email', 'purpose' => 'marketing',
         'status' => 'granted', 'at' => $at('30 minutes'), 'source' => 'registration_form'],
    ],
];

$logFile = $argv[1] ?? sys_get_temp_dir() . '/crm_campaign_send_log.json';
$log = is_file($logFile) ? json_decode(file_get_contents($logFile), true, 512, JSON_THROW_ON_ERROR) : [];

$plan = crm($ffi, 'campaign_plan', [
    'store' => $store,
    'flows' => ['cart_recovery', 'welcome', 'order_confirmation'],
    'policy' => ['time_zone' => 'Europe/Istanbul', 'offer_secret' => 'from-wp-config'],
    'send_log' => $log,
    'now' => gmdate('Y-m-d\TH:i:s\Z', $now),
]);

$sent = 0;
foreach ($plan['messages'] as $m) {
    if (strtotime($m['send_at']) > $now) {
        echo "later: {$m['flow']}/{$m['step']} for {$m['customer_id']} at {$m['local_time']}\n";
        continue; // a later run sends it
    }
    $code = isset($m['offer']['code']) ? " code {$m['offer']['code']}" : '';
    echo "send {$m['channel']} to {$m['address']}: {$m['template']} ({$m['flow']}/{$m['step']})$code\n";
    $log[] = ['key' => $m['key'], 'customer_id' => $m['customer_id'], 'flow' => $m['flow'],
              'step' => $m['step'], 'subject' => $m['subject'], 'channel' => $m['channel'],
              'purpose' => $m['purpose'], 'sent_at' => gmdate('Y-m-d\TH:i:s\Z', $now)];
    $sent++;
}
foreach ($plan['decisions'] as $d) {
    echo "not sent: {$d['flow']}/{$d['step']} for {$d['customer_id']}: {$d['reason']}\n";
}
file_put_contents($logFile, json_encode($log, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE));
echo "sent $sent message" . ($sent === 1 ? '' : 's') . ", send log $logFile\n";
