"""Privacy for what leaves the hospital: re-identification risk of shared rows and
generalization with Chinese and clinical hierarchies.

- :mod:`medguard.privacy.risk`: k-anonymity, l-diversity, prosecutor risk, suppression
- :mod:`medguard.privacy.generalize`: region codes, dates, age bands, ICD-10
- :mod:`medguard.privacy.ledger`: the persistent privacy-budget ledger (SQLite, multi-process)

Differentially private aggregates that spend from the ledger are planned.
"""

from medguard.privacy.generalize import AgeBand, GeneralizeDate, GeneralizeICD10, GeneralizeRegion
from medguard.privacy.ledger import BudgetLedger, Spend
from medguard.privacy.risk import (
    RiskReport,
    k_anonymity,
    l_diversity,
    record_risk,
    risk_report,
    suppress_small_classes,
)

__all__ = [
    "AgeBand",
    "BudgetLedger",
    "GeneralizeDate",
    "GeneralizeICD10",
    "GeneralizeRegion",
    "RiskReport",
    "Spend",
    "k_anonymity",
    "l_diversity",
    "record_risk",
    "risk_report",
    "suppress_small_classes",
]
