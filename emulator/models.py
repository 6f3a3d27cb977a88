"""Every table, imported once so SQLModel.metadata knows them all before create_all."""

from emulator.core.engine import DueTransition
from emulator.core.fault_store import FaultCounter, FaultRuleRow
from emulator.core.secrets import SecretEpoch
from emulator.core.sequence import WorldSequence
from emulator.core.snapshot_store import StoredSnapshot
from emulator.core.versions import ResponseVersion
from emulator.core.world import Counter, World
from emulator.vendors.backuprun import models as backuprun_models
from emulator.vendors.cleverfox import models as cleverfox_models
from emulator.vendors.code42 import models as code42_models
from emulator.vendors.rackspace import models as rackspace_models

__all__ = [
           "Counter",
           "DueTransition",
           "FaultCounter",
           "FaultRuleRow",
           "ResponseVersion",
           "SecretEpoch",
           "StoredSnapshot",
           "World",
           "WorldSequence",
           "backuprun_models",
           "cleverfox_models",
           "code42_models",
           "rackspace_models",
]
