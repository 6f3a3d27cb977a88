"""The vendor page's response examples and enumerated parameter values, transcribed.

Tests compare the emulator's answers with these, value for value, in the situation each
example shows. One change from the page: the task example writes `messagekeyparameters`
without quotes (not well-formed XML); it is quoted here.
"""

from __future__ import annotations

# apiCALL -> the page's response example
RESPONSES: dict[str, str] = {
    "registerNewUser": '<response><status value="ok"></status></response>',
    "login": """<response><status value="ok"></status><user>
        <name value="username"></name><email value="user@email.com"></email>
        <special_locations value="0"></special_locations></user></response>""",
    "addContact": '<response><status value="ok"></status><contact id="20"></contact></response>',
    "updateContactData": '<response><status value="ok"></status></response>',
    "removeContact": '<response><status value="ok"></status></response>',
    "updateUserData": '<response><status value="ok"></status></response>',
    "recoverPassword": '<response><status value="ok"></status></response>',
    "resetPassword": '<response><status value="ok"></status></response>',
    "addService": """<response><status value="ok"></status>
        <agent id="662" service_id="V16428" readonly="0" name="NumeServer"
        host="123.123.123.123" port="1167" type="3" status="0"
        cpanel_instance_id="" cpanel_startup="0" mysql_instances="0"
        mysql_startup="0" ostype="" create_status="0" status_min_ok="0"
        startup_ok="0"
        serverurl="https://cdp1.los.backuprun.net:443/j_spring_security_check"
        serverhostname="cdp1.los.backuprun.net" serverip="37.221.174.83"
        username="" password="" location="Los Angeles" location_id="528">
        <server http_port="80" https_port="443" hostname="cdp1.los.backuprun.net"></server>
        </agent></response>""",
    "activateAgent": """<response><status value="ok"></status>
        <agent id="662" service_id="V16428" readonly="0" name="NumeServer"
        host="123.123.123.123" port="1167" type="3" status="0"
        cpanel_instance_id="" cpanel_startup="0" mysql_instances="0"
        mysql_startup="0" ostype="" create_status="0" status_min_ok="0"
        startup_ok="0"
        serverurl="https://cdp1.los.backuprun.net:443/j_spring_security_check"
        serverhostname="cdp1.los.backuprun.net" serverip="37.221.174.83"
        username="" password="" location="Los Angeles" location_id="528">
        <server http_port="80" https_port="443" hostname="cdp1.los.backuprun.net"></server>
        </agent></response>""",
    "setActivationHint": '<response><status value="ok"></status></response>',
    "setServiceConfigured": '<response><status value="ok"></status></response>',
    "editService": '<response><status value="ok"></status></response>',
    "runPolicy": '<response><status value="ok"></status></response>',
    "getStatus": """<response><status value="ok"></status><account>
        <agent id="667" service_id="S16435" readonly="0" name="123"
        host="123.123.123.123" port="1167" type="1" status="0"
        disk_usage="0" cpanel_instance_id="" cpanel_startup="0"
        mysql_instances="0" mysql_startup="0" mssql_startup="0"
        exchange_startup="0" ostype="" running="0" alert_history=""
        n_alerts="0" create_status="0" status_min_ok="0"
        startup_ok="0" activation_hint=""
        serverurl="https://cdp1.los.backuprun.net:443/j_spring_security_check"
        serverhostname="cdp1.los.backuprun.net" serverip="37.221.174.83"
        username="" password="" location="Los Angeles"
        location_id="528" first_backup_try="0"
        service_configured="0" restricted="0" maintenance="0">
        <server ip="37.221.174.83" http_port="80" https_port="443"
        hostname="cdp1.los.backuprun.net"></server></agent>
        <agent id="668" service_id="V16436" readonly="0" name="43"
        host="124.124.124.124" port="1167" type="3" status="0"
        disk_usage="0" cpanel_instance_id="" cpanel_startup="0"
        mysql_instances="0" mysql_startup="0" mssql_startup="0"
        exchange_startup="0" ostype="" running="0" alert_history=""
        n_alerts="0" create_status="0" status_min_ok="0"
        startup_ok="0" activation_hint=""
        serverurl="https://cdp1.los.backuprun.net:443/j_spring_security_check"
        serverhostname="cdp1.los.backuprun.net" serverip="37.221.174.83"
        username="" password="" location="Los Angeles" location_id="528"
        first_backup_try="0" service_configured="0" restricted="0"
        maintenance="0">
        <server ip="37.221.174.83" http_port="80" https_port="443"
        hostname="cdp1.los.backuprun.net"></server></agent>
        </account></response>""",
    "getBackupStatus": """<response><status value="ok"></status>
        <agent id="665" service_id="V16435" readonly="0" name="server"
        host="123.123.123.123" port="1167" type="3" status="0"
        disk_usage="0" cpanel_instance_id="" cpanel_startup="0"
        mysql_instances="0" mysql_startup="0" mssql_startup="0"
        exchange_startup="0" ostype="" running="0" alert_history="[]"
        n_alerts="0" create_status="0" status_min_ok="0" startup_ok="0"
        activation_hint=""
        serverurl="https://cdp1.los.backuprun.net:443/j_spring_security_check"
        serverhostname="cdp1.los.backuprun.net" serverip="37.221.174.83"
        username="" password="" location="Los Angeles" location_id="528"
        first_backup_try="0" service_configured="0" restricted="0"
        maintenance="0">
        <server ip="37.221.174.83" http_port="80" https_port="443"
        hostname="cdp1.los.backuprun.net"></server>
        <task first_backup_try="0" service_configured="0"
        taskstate="INITIALIZING"></task></agent></response>""",
    "getTaskDetailById": """<response><status value="ok"></status><task>
        <message messagesource="SERVER"
        messagekey="Messages.Main.connecting-to-agent-at-port"
        messagekeyparameters='["hostname_or_IP","1167"]'
        messagelevel="INFO"
        messagestring="Attempting to connect to agent hostname_or_IP at port 1167"
        messagetime="2020-11-03 01:05:02">
        <messagekeyparameter value="hostname_or_IP"></messagekeyparameter>
        <messagekeyparameter value="1167"></messagekeyparameter></message>
        <message messagesource="SERVER"
        messagekey="Errors.Main.connecting-to-agent-at-port-failed"
        messagekeyparameters='["hostname_or_IP","1167","Connection_refused"]'
        messagelevel="SEVERE"
        messagestring="Connecting to agent hostname_or IP at port 1167 failed: Connection refused"
        messagetime="2020-11-03 01:05:03">
        <messagekeyparameter value="hostname_or_IP"></messagekeyparameter>
        <messagekeyparameter value="1167"></messagekeyparameter>
        <messagekeyparameter value="Connection_refused"></messagekeyparameter></message>
        <message messagesource="SERVER" messagekey="Errors.Main.task-finished"
        messagekeyparameters='[]' messagelevel="INFO"
        messagestring="Task Finished"
        messagetime="2020-11-03 01:05:03"></message></task></response>""",
}

# (apiCALL, parameter) -> the values the page enumerates for it, as the page writes them
# ("; " between values, "/" between names sharing a prefix as the page abbreviates them).
_HINTS = ("install-on-Linux/Windows; linux-manual-install; linux-express-install; "
          "install-on-CentOS/Ubuntu/Fedora/Debian/Redhat-Enterprise-Linux/Proxomx")
_HINTS_RUN_POLICY = ("install-on-Linux/Windows; linux-manual-install; linux-express-install; "
                     "install-on-CentOS/Ubuntu/Fedora/Debian/Redhat-Enterprise-Linux/Proxmox")
ENUMERATED: dict[tuple[str, str], str] = {
    ("setActivationHint", "activation_hint"): _HINTS,
    ("setServiceConfigured", "activation_hint"): _HINTS,
    ("runPolicy", "activation_hint"): _HINTS_RUN_POLICY,
    ("addService", "type"): "VDS; SERVER",
    ("addService", "location"): "527; 528; 529; 530",
    ("addService", "encrypt"): "0; 1",
    ("activateAgent", "encrypt"): "0; 1",
    ("login", "remember"): "0; 1",
    ("resetPassword", "remember"): "0; 1",
    ("addContact", "role"): "4; 2; 1",
    ("updateUserData", "notify"): "0; 1",
    ("editService", "service_action"): "terminate; set_subuser",
    ("editService", "service_type"): "custom",
    ("editService", "subuser_id"): "0; -1",
}


def values_of(text: str) -> list[str]:
    """The page's values, each as written, then each name a slash list abbreviates."""
    written = text.split("; ")
    out = list(written)
    for value in written:
        prefix, sep, names = value.rpartition("-on-")
        if sep and "/" in names:
            out += [f"{prefix}-on-{name}" for name in names.split("/")]
    return out
