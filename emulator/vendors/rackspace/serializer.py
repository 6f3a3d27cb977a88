"""Rows to the vendor's JSON objects, with the page's field names, order and value types.

Where the vendor's samples disagree on a type (ExponentHex is a string in agent samples and a
number elsewhere; sizes are strings in reports and numbers in lists) each view follows the
sample of its own operation.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from emulator.vendors.rackspace.agents import RESTORE_STATE_IDS
from emulator.vendors.rackspace.models import (
    Agent,
    Backup,
    Cleanup,
    ConfigFile,
    Configuration,
    Restore,
    RestoreFile,
)
from emulator.vendors.rackspace.wire import date, duration, size

__all__ = ["activity_view", "agent_view", "available_view", "backup_view", "completed_view",
           "config_view", "report_view", "restore_file_view", "restore_report_view",
           "restore_view"]


def _exponent(agent: Agent | None) -> int:
    try:
        return int(agent.exponent_hex) if agent is not None else 10001
    except ValueError:
        return 10001


def _key(agent: Agent | None) -> dict[str, Any]:
    return {"ModulusHex": agent.modulus_hex if agent else "", "ExponentHex": _exponent(agent)}


def agent_view(agent: Agent | Any, *, listing: bool = False, behavior: bool = False
               ) -> dict[str, Any]:
    """An agent (a row or a Core row) as GET /agent/{id} shows it; `listing` applies the
    /user/agents quirks."""
    view: dict[str, Any] = {
        "AgentVersion": agent.agent_version,
        "Architecture": agent.architecture,
        "Flavor": agent.flavor,
        "BackupVaultSize": size(agent.vault_bytes),
    }
    if not behavior:
        view["BackupContainer"] = agent.backup_container
    view["CleanupAllowed"] = agent.cleanup_allowed
    view["Datacenter"] = agent.datacenter
    if behavior:
        view["BackupDataCenter"] = agent.backup_datacenter
    view.update({
        "IPAddress": agent.ip_address,
        "IsDisabled": agent.is_disabled,
        "IsEncrypted": agent.is_encrypted,
        "MachineAgentId": agent.id,
        "MachineName": agent.machine_name,
        "OperatingSystem": agent.operating_system,
        "OperatingSystemVersion": agent.operating_system_version,
        "PublicKey": {"ModulusHex": agent.modulus_hex, "ExponentHex": agent.exponent_hex},
        # The vendor documents that the list always says Offline and omits the last backup.
        "Status": "Offline" if listing or agent.status != "Online" else "Online",
        "TimeOfLastSuccessfulBackup": None if listing else date(agent.last_success),
        "UseServiceNet": agent.use_servicenet,
    })
    if behavior:
        view["UseFailoverUri"] = agent.use_failover_uri
    elif not listing:
        view["HostServerId"] = agent.host_server_id
    return view


def _config_file(entry: ConfigFile | Any) -> dict[str, Any]:
    return {"FileId": entry.id, "FileItemType": entry.file_item_type, "FilePath": entry.file_path,
            "FilePathEncoded": None, "Filter": entry.filter, "ParentId": entry.config_id}


def config_view(config: Configuration | Any, agent: Agent | Any | None,
                files: Iterable[ConfigFile | Any], *, backup_state: str | None = None
                ) -> dict[str, Any]:
    """A backup configuration (ORM objects or Core rows); `backup_state` adds BackupState
    (the per-user list has it)."""
    entries = list(files)
    view: dict[str, Any] = {
        "BackupConfigurationId": config.id,
        "MachineAgentId": config.agent_id,
        "MachineName": agent.machine_name if agent else "",
        "Flavor": agent.flavor if agent else "RaxCloudServer",
        "IsEncrypted": agent.is_encrypted if agent else False,
        "BackupConfigurationName": config.name,
        "IsActive": config.is_active,
        "IsDeleted": config.is_deleted,
        "VersionRetention": config.version_retention,
        "BackupConfigurationScheduleId": config.schedule_id,
        "MissedBackupActionId": config.missed_backup_action_id,
        "Frequency": config.frequency,
        "StartTimeHour": config.start_time_hour,
        "StartTimeMinute": config.start_time_minute,
        "StartTimeAmPm": config.start_time_ampm or "",
        "DayOfWeekId": config.day_of_week_id,
        "HourInterval": config.hour_interval,
        "TimeZoneId": config.time_zone_id,
        "NextScheduledRunTime": date(config.next_run),
        "LastRunTime": date(config.last_run_time),
        "LastRunBackupReportId": config.last_run_backup_report_id,
    }
    if backup_state is not None:
        view["BackupState"] = backup_state
    view.update({
        "NotifyRecipients": config.notify_recipients,
        "NotifySuccess": config.notify_success,
        "NotifyFailure": config.notify_failure,
        "BackupPrescript": config.backup_prescript,
        "BackupPostscript": config.backup_postscript,
        "Datacenter": agent.datacenter if agent else "",
        "EncryptionKey": _key(agent),
        "Inclusions": [_config_file(f) for f in entries if f.filter == "Include"],
        "Exclusions": [_config_file(f) for f in entries if f.filter == "Exclude"],
    })
    return view


def backup_view(backup: Backup, config: Configuration, agent: Agent | None) -> dict[str, Any]:
    """GET /backup/{id}."""
    return {
        "BackupId": backup.id,
        "BackupConfigurationId": backup.config_id,
        "CurrentState": backup.state,
        "BackupConfigurationName": config.name,
        "MachineAgentId": backup.agent_id,
        "MachineName": agent.machine_name if agent else "",
        **_datacenters(agent),
        "StateChangeTime": date(backup.state_change_time),
        "IsEncrypted": backup.is_encrypted,
        "EncryptionKey": _key(agent),
    }


def _datacenters(agent: Agent | None) -> dict[str, str]:
    """Where the server is and where its backups go (python-cloudbackup-sdk reads both)."""
    return {"Datacenter": agent.datacenter if agent else "",
            "BackupDatacenter": agent.backup_datacenter if agent else ""}


def completed_view(backup: Backup, config: Configuration, agent: Agent | None) -> dict[str, Any]:
    """An entry of GET /backup/completed/{configId}."""
    return {
        "BackupId": backup.id,
        "BackupConfigurationId": backup.config_id,
        "BackupConfigurationName": config.name,
        "MachineName": agent.machine_name if agent else "",
        "MachineAgentId": backup.agent_id,
        "CompletedTime": date(backup.completed_time),
        "BytesSearched": backup.bytes_searched,
        "NumErrors": backup.num_errors,
    }


def _errors(report_key: str, report_id: int | None, errors: list[dict[str, Any]]
            ) -> list[dict[str, Any]]:
    return [{report_key: report_id, **e} for e in errors]


def report_view(backup: Backup, config: Configuration, agent: Agent | None,
                can_restore: bool) -> dict[str, Any]:
    """GET /backup/report/{id}; `can_restore`: it is restorable now (see backend_jobs)."""
    return {
        "BackupId": backup.id,
        "BackupConfigurationId": backup.config_id,
        "BackupConfigurationName": config.name,
        "BackupConfigurationIsDeleted": config.is_deleted,
        "ComputerName": agent.machine_name if agent else "",
        "MachineAgentId": backup.agent_id,
        "State": backup.state,
        "CanRestore": can_restore,
        "StartTime": date(backup.start_time),
        "CompletedTime": date(backup.completed_time),
        "Duration": duration(backup.start_time, backup.completed_time),
        "FilesSearched": str(backup.files_searched),
        "BytesSearched": size(backup.bytes_searched),
        "FilesBackedUp": str(backup.files_backed_up),
        "BytesBackedUp": size(backup.bytes_backed_up),
        "NumErrors": backup.num_errors,
        "Reason": backup.reason,
        "Diagnostics": backup.diagnostics,
        "ErrorList": _errors("BackupReportID", backup.id, backup.errors),
        **_datacenters(agent),
    }


def restore_file_view(entry: RestoreFile) -> dict[str, Any]:
    """An entry of GET /restore/files/{restoreId}."""
    return {"FilePath": entry.file_path, "Filter": entry.filter, "RestoreId": entry.restore_id,
            "FileItemType": entry.file_item_type, "FileId": entry.id}


def restore_view(restore: Restore, backup: Backup, config: Configuration, source: Agent | None,
                 destination: Agent | None, files: Iterable[RestoreFile]) -> dict[str, Any]:
    """PUT /restore and GET /restore/{id}."""
    entries = list(files)
    return {
        "RestoreId": restore.id,
        "BackupId": restore.backup_id,
        "DestinationMachineId": restore.destination_machine_id,
        "OverwriteFiles": restore.overwrite_files,
        "BackupConfigurationId": backup.config_id,
        "BackupConfigurationName": config.name,
        "BackupRestorePoint": date(backup.completed_time),
        "BackupMachineId": restore.backup_machine_id,
        "BackupMachineName": source.machine_name if source else "",
        "BackupFlavor": source.flavor if source else "RaxCloudServer",
        "DestinationMachineName": destination.machine_name if destination else "",
        "DestinationPath": restore.destination_path,
        "BackupDataCenter": restore.backup_datacenter,
        "IsEncrypted": backup.is_encrypted,
        "EncryptedPassword": restore.encrypted_password,
        "PublicKey": _key(source),
        "RestoreStateId": RESTORE_STATE_IDS[restore.state],
        "MachineAgentId": restore.destination_machine_id,
        "Inclusions": [restore_file_view(f) for f in entries if f.filter == 1],
        "Exclusions": [restore_file_view(f) for f in entries if f.filter == 2],
    }


def restore_report_view(restore: Restore, backup: Backup, config: Configuration,
                        source: Agent | None, destination: Agent | None) -> dict[str, Any]:
    """GET /restore/report/{id}."""
    return {
        "BackupConfigurationId": backup.config_id,
        "BackupConfigurationName": config.name,
        "BackupReportId": backup.id,
        "RestorePoint": date(backup.completed_time),
        "StartTime": date(restore.start_time),
        "CompletedTime": date(restore.completed_time),
        "Duration": duration(restore.start_time, restore.completed_time),
        "OriginatingComputerName": source.machine_name if source else "",
        "State": restore.state,
        "NumFilesRestored": str(restore.num_files_restored),
        "NumBytesRestored": size(restore.num_bytes_restored),
        "RestoreDestination": destination.machine_name if destination else "",
        "RestoreDestinationMachineId": restore.destination_machine_id,
        "NumErrors": str(restore.num_errors),
        "Reason": restore.reason,
        "Diagnostics": restore.diagnostics,
        "ErrorList": _errors("RestoreReportID", restore.id, restore.errors),
    }


def available_view(config: Configuration, agent: Agent | None, last: Backup) -> dict[str, Any]:
    """An entry of GET /backup/availableforrestore."""
    return {
        "BackupConfigurationId": config.id,
        "BackupConfigurationName": config.name,
        "MachineName": agent.machine_name if agent else "",
        "MachineAgentId": config.agent_id,
        "IsEncrypted": last.is_encrypted,
        "PublicKeyHex": _exponent(agent),
        "PublicKeyMod": agent.modulus_hex if agent else "",
        "Flavor": agent.flavor if agent else "RaxCloudServer",
        "LastSuccessfulBackupTime": date(last.completed_time),
    }


def activity_view(kind: str, row: Backup | Restore | Cleanup, agents: dict[int, Agent],
                  configs: dict[int, Configuration], backups: dict[int, Backup]
                  ) -> dict[str, Any]:
    """One Backup, Restore or Cleanup entry of the activity lists."""
    def name(agent_id: int) -> str:
        agent = agents.get(agent_id)
        return agent.machine_name if agent else ""

    if isinstance(row, Backup):
        config = configs.get(row.config_id)
        parent, display = row.config_id, config.name if config else ""
        deleted = config.is_deleted if config else True
        source, dest, backup_id = row.agent_id, 0, row.id
        when = row.completed_time or row.state_change_time
    elif isinstance(row, Restore):
        backup = backups.get(row.backup_id)
        config = configs.get(backup.config_id) if backup else None
        parent = backup.config_id if backup else 0
        display, deleted = (config.name, config.is_deleted) if config else ("", True)
        source, dest, backup_id = row.backup_machine_id, row.destination_machine_id, row.backup_id
        when = row.completed_time or row.state_change_time
    else:
        parent, display, deleted = 0, "Cleanup", False
        source, dest, backup_id, when = row.agent_id, 0, 0, row.time
    return {
        "ID": row.id,
        "Type": kind,
        "ParentId": parent,
        "DisplayName": display,
        "IsBackupConfigurationDeleted": deleted,
        "SourceMachineAgentId": source,
        "SourceMachineName": name(source),
        "DestinationMachineAgentId": dest,
        "DestinationMachineName": name(dest) if dest else "",
        "CurrentState": row.state,
        "TimeOfActivity": date(when),
        "BackupId": backup_id,
    }
