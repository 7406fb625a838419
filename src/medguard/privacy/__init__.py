"""Privacy for what leaves the hospital: re-identification risk of shared rows and
generalization with Chinese and clinical hierarchies.

- :mod:`medguard.privacy.risk`: k-anonymity, l-diversity, prosecutor risk, suppression
- :mod:`medguard.privacy.generalize`: region codes, dates, age bands, ICD-10
- :mod:`medguard.privacy.ledger`: the persistent privacy-budget ledger (SQLite, multi-process)
- :mod:`medguard.privacy.aggregates`: DP counts, sums and means with per-patient bounding
- :mod:`medguard.privacy.mechanisms`: integer (two-sided geometric) noise from the OS CSPRNG
"""

from medguard.privacy.aggregates import (
    DPRelease,
    dp_count,
    dp_count_patients,
    dp_histogram,
    dp_mean,
    dp_quantiles,
    dp_sum,
    dp_variance,
    select_partitions,
)
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
    "DPRelease",
    "GeneralizeDate",
    "GeneralizeICD10",
    "GeneralizeRegion",
    "RiskReport",
    "Spend",
    "dp_count",
    "dp_count_patients",
    "dp_histogram",
    "dp_mean",
    "dp_quantiles",
    "dp_sum",
    "dp_variance",
    "k_anonymity",
    "l_diversity",
    "record_risk",
    "risk_report",
    "select_partitions",
    "suppress_small_classes",
]
