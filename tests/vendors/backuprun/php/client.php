<?php
// A BackupRun client written the way the vendor page's examples are: PHP curl with an array
// of fields (multipart/form-data), an in-memory cookie jar, DOMDocument on every answer.
// Usage: php client.php <base-url> <email> <password>; prints a JSON summary.
[$script, $base, $email, $password] = $argv;

$ch = curl_init();
curl_setopt_array($ch, array(
    CURLOPT_COOKIEFILE => '',
    CURLOPT_RETURNTRANSFER => true,
    CURLOPT_URL => $base . '/api.php',
    CURLOPT_POST => true,
));

function call($ch, array $fields): DOMDocument {
    curl_setopt($ch, CURLOPT_POSTFIELDS, $fields);
    $r = curl_exec($ch);
    if ($r === false) { fwrite(STDERR, "curl failed\n"); exit(2); }
    $doc = new DOMDocument();
    if (!$doc->loadXML($r)) { fwrite(STDERR, "not XML: $r\n"); exit(3); }
    return $doc;
}

function status(DOMDocument $doc): string {
    return $doc->getElementsByTagName('status')->item(0)->getAttribute('value');
}

$out = array();
$out['before_login'] = status(call($ch, array('apiCALL' => 'getStatus')));
$login = call($ch, array('apiCALL' => 'login', 'email' => $email, 'password' => $password));
$out['login'] = status($login);
$out['email'] = $login->getElementsByTagName('email')->item(0)->getAttribute('value');
$status = call($ch, array('apiCALL' => 'getStatus'));
$out['agents'] = $status->getElementsByTagName('agent')->length;
$added = call($ch, array(
    'apiCALL' => 'addService', 'type' => 'VDS', 'location' => '527',
    'name' => 'php <&"\'> server', 'agent' => '123.123.123.123', 'agent_port' => '1167',
    'encrypt' => '1', 'password' => 'password'));
$agent = $added->getElementsByTagName('agent')->item(0);
$out['added_name'] = $agent->getAttribute('name');
$out['serverurl'] = $agent->getAttribute('serverurl');
$backup = call($ch, array('apiCALL' => 'getBackupStatus',
                          'service_id' => $agent->getAttribute('service_id'),
                          'timezoneOffset' => '0'));
$out['taskstate'] = $backup->getElementsByTagName('task')->item(0)->getAttribute('taskstate');
$out['missing'] = call($ch, array('apiCALL' => 'addService'))
    ->getElementsByTagName('error')->item(0)->getAttribute('code');
$out['http_code'] = curl_getinfo($ch, CURLINFO_HTTP_CODE);
echo json_encode($out), "\n";
