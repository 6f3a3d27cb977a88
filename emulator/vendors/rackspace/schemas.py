"""Request bodies of the Rackspace API, with the vendor's own field names.

Values are parsed leniently as the vendor's .NET service does ("true" and true, "30" and 30);
rules that depend on other fields (the schedule fields per Frequency) live in the backend.
A missing required field is a 400 badRequest naming it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from emulator.core.masking import declare_secret_fields
from emulator.core.numbers import Int32

__all__ = ["SECRET_FIELDS", "AgentBehavior", "AgentEnable", "AgentId", "BackupAction",
           "ChangeEncryption", "ConfigEnable", "ConfigurationBody", "Encrypt", "FileSpec",
           "MigrateVault",
           "RestoreAction", "RestoreCreate", "RestoreFileBody", "RestoreUpdate"]

SECRET_FIELDS = declare_secret_fields(
    "password", "apiKey", "token", "X-Auth-Token", "EncryptedPassword",
    "EncryptedPasswordHex", "OldEncryptedPasswordHex", "NewEncryptedPasswordHex")
"""Every secret-bearing name of Identity v2.0 and Cloud Backup (masked in the journal):
credentials, the token object and its header, and the encrypted backup passwords."""


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class AgentId(_Body):
    """{"MachineAgentId": ...}: delete an agent."""

    MachineAgentId: Int32


class AgentEnable(AgentId):
    """Enable or disable an agent."""

    Enable: bool


class Encrypt(AgentId):
    """Turn on volume encryption with an encrypted passphrase."""

    EncryptedPasswordHex: str


class ChangeEncryption(AgentId):
    """Change the encryption passphrase; the old one must match."""

    OldEncryptedPasswordHex: str
    NewEncryptedPasswordHex: str


class MigrateVault(_Body):
    """Move a backup vault from one agent to another (the page spells the second key both ways)."""

    SourceMachineAgentId: Int32
    DestinationMachineAgentId: Int32 = Field(
        validation_alias=AliasChoices("DestinationMachineAgentId", "DestinationMachineAgentID"))


class AgentBehavior(_Body):
    """Backup data center and ServiceNet use of an agent."""

    BackupDataCenter: str | None = None
    UseServiceNet: bool


class FileSpec(_Body):
    """An inclusion or exclusion of a backup configuration."""

    FilePath: str
    FileItemType: str


class ConfigurationBody(_Body):
    """Create (POST) or update (PUT) a backup configuration."""

    MachineAgentId: Int32
    BackupConfigurationName: str
    IsActive: bool
    VersionRetention: Int32 = Field(json_schema_extra={"enum": [0, 30, 60]})
    BackupConfigurationScheduleId: Int32 | None = None
    MissedBackupActionId: Int32 = 1
    Frequency: Literal["Manually", "Hourly", "Daily", "Weekly"]
    StartTimeHour: Int32 | None = None
    StartTimeMinute: Int32 | None = None
    StartTimeAmPm: str | None = None
    DayOfWeekId: Int32 | None = None
    HourInterval: Int32 | None = None
    TimeZoneId: str
    NotifyRecipients: str
    NotifySuccess: bool
    NotifyFailure: bool
    Inclusions: list[FileSpec] = Field(default_factory=list)
    Exclusions: list[FileSpec] = Field(default_factory=list)
    BackupPrescript: str | None = None
    BackupPostscript: str | None = None


class ConfigEnable(_Body):
    """Enable or disable a backup configuration.

    The page names the field Enable; python-cloudbackup-sdk sends Enabled: both are read.
    """

    Enable: bool = Field(validation_alias=AliasChoices("Enable", "Enabled"))


class BackupAction(_Body):
    """StartManual (Id is a configuration) or StopManual (Id is a backup)."""

    Action: Literal["StartManual", "StopManual"]
    Id: Int32


class RestoreCreate(_Body):
    """Create a restore configuration (PUT /restore)."""

    BackupId: Int32
    BackupMachineId: Int32
    DestinationMachineId: Int32
    DestinationPath: str
    OverwriteFiles: bool
    BackupDataCenter: str | None = None


class RestoreUpdate(RestoreCreate):
    """Update a restore configuration while it is Creating (POST /restore)."""

    RestoreId: Int32
    BackupConfigurationId: Int32 | None = None
    RestoreStateId: Int32 = 0


class RestoreFileBody(_Body):
    """Include (Filter 1) or exclude (Filter 2) a file, folder or database in a restore."""

    FilePath: str
    FilePathEncoded: str | None = None
    Filter: Int32
    ParentId: Int32
    FileItemType: Int32
    FileId: Int32 | None = None


class RestoreAction(_Body):
    """Start or stop a restore; an encrypted backup needs EncryptedPassword to start."""

    Action: Literal["StartManual", "StopManual"]
    Id: Int32
    EncryptedPassword: str | None = None
