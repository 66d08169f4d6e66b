from django.db import models


class WaveKindChoices(models.TextChoices):
    CLOUD_MIGRATION = "cloud_migration", "Cloud migration"
    SERVER_REPLACEMENT = "server_replacement", "Server replacement"
    DESKTOP_REPLACEMENT = "desktop_replacement", "Desktop/laptop replacement"
    TELEPHONY_REPLACEMENT = "telephony_replacement", "Telephony replacement"
    DECOMMISSION = "decommission", "Decommission"


class WaveStatusChoices(models.TextChoices):
    PLANNED = "planned", "Planned"
    SCHEDULED = "scheduled", "Scheduled"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class RagChoices(models.TextChoices):
    # The meaning councils' programme reports give the colours; problems are exceptions shown beside them.
    BLUE = "blue", "Blue: completed"
    GREEN = "green", "Green: in delivery"
    AMBER = "amber", "Amber: planned for later"
    RED = "red", "Red: to be scheduled"


class StrategyChoices(models.TextChoices):
    # The 7 Rs, for workloads (servers, applications)
    REHOST = "rehost", "Rehost (lift and shift)"
    REPLATFORM = "replatform", "Replatform"
    REFACTOR = "refactor", "Refactor"
    REPURCHASE = "repurchase", "Repurchase (SaaS)"
    RETIRE = "retire", "Retire"
    RETAIN = "retain", "Retain"
    RELOCATE = "relocate", "Relocate"
    # For devices
    REPLACE = "replace", "Replace"
    UPGRADE = "upgrade", "Upgrade"
    REDEPLOY = "redeploy", "Redeploy"
    DISPOSE = "dispose", "Dispose"


WORKLOAD_STRATEGIES = frozenset({
    StrategyChoices.REHOST, StrategyChoices.REPLATFORM, StrategyChoices.REFACTOR, StrategyChoices.REPURCHASE,
    StrategyChoices.RETIRE, StrategyChoices.RETAIN, StrategyChoices.RELOCATE,
})
DEVICE_STRATEGIES = frozenset({StrategyChoices.REPLACE, StrategyChoices.UPGRADE, StrategyChoices.REDEPLOY,
                               StrategyChoices.DISPOSE})


# What a wave of each kind usually does with its items: the strategy offered first (a desktop replacement wave
# replaces, it does not rehost).
DEFAULT_DEVICE_STRATEGY = {
    WaveKindChoices.CLOUD_MIGRATION: StrategyChoices.REHOST,
    WaveKindChoices.SERVER_REPLACEMENT: StrategyChoices.REPLACE,
    WaveKindChoices.DESKTOP_REPLACEMENT: StrategyChoices.REPLACE,
    WaveKindChoices.TELEPHONY_REPLACEMENT: StrategyChoices.REPLACE,
    WaveKindChoices.DECOMMISSION: StrategyChoices.DISPOSE,
}
DEFAULT_APPLICATION_STRATEGY = {
    WaveKindChoices.DECOMMISSION: StrategyChoices.RETIRE,
}


def default_strategy(kind: str, *, application: bool = False) -> str:
    if application:
        return DEFAULT_APPLICATION_STRATEGY.get(kind, StrategyChoices.REHOST)
    return DEFAULT_DEVICE_STRATEGY.get(kind, StrategyChoices.REHOST)


class ItemStateChoices(models.TextChoices):
    PLANNED = "planned", "Planned"
    READY = "ready", "Ready"
    IN_PROGRESS = "in_progress", "In progress"
    VALIDATED = "validated", "Validated"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    ROLLED_BACK = "rolled_back", "Rolled back"


class BudgetCategoryChoices(models.TextChoices):
    CAPITAL = "capital", "Capital"
    REVENUE = "revenue", "Revenue"


class WindowKindChoices(models.TextChoices):
    CUTOVER = "cutover", "Cutover window"
    BLACKOUT = "blackout", "Blackout (no changes)"


class PlaybookChoices(models.TextChoices):
    PRECHECK = "precheck.yml", "Pre-checks"
    CAPTURE = "capture.yml", "Configuration and data capture"
    DECOMMISSION = "decommission.yml", "Decommission"
    DESKTOP_HANDOVER = "desktop_handover.yml", "Desktop replacement handover checks"
    TELEPHONY_CUTOVER = "telephony_cutover.yml", "Telephony cutover checks"
    VALIDATE = "validate.yml", "Post-migration validation"
