"""Every table, imported once so SQLModel.metadata knows them all before create_all."""

from emulator.core.engine import DueTransition
from emulator.core.world import Counter, World

__all__ = ["Counter", "DueTransition", "World"]
