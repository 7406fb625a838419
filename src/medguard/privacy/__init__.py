"""Privacy for what leaves the hospital: re-identification risk of shared rows, generalization
with Chinese and clinical hierarchies, and differentially private statistics.

- :mod:`medguard.privacy.risk`: k-anonymity, l-diversity, prosecutor risk, suppression, counted
  in rows or in distinct subjects (``subject=``) on visit-level data
- :mod:`medguard.privacy.generalize`: region codes, dates, age bands, ICD-10 (fail closed)
- :mod:`medguard.privacy.hierarchy` and :mod:`medguard.privacy.search`: generalization
  hierarchies per quasi-identifier and the lattice search for the least general levels that
  reach k (in subjects) with few rows suppressed
- :mod:`medguard.privacy.ledger`: the persistent privacy-budget ledger (SQLite, multi-process)
- :mod:`medguard.privacy.aggregates`: DP counts, sums, means, quantiles with per-subject
  bounding; each release reports the rows bounding dropped
- :mod:`medguard.privacy.mechanisms`: integer (two-sided geometric) noise from the OS CSPRNG

The subject (person) is named ``subject=`` everywhere in this package (the aggregates also
accept their older ``patient=``, a deprecated alias).
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
from medguard.privacy.hierarchy import Hierarchy
from medguard.privacy.ledger import BudgetLedger, Spend
from medguard.privacy.risk import (
    RiskReport,
    k_anonymity,
    l_diversity,
    record_risk,
    risk_report,
    suppress_small_classes,
)
from medguard.privacy.search import GeneralizationResult, NoSolution, search_generalization

__all__ = [
    "AgeBand",
    "BudgetLedger",
    "DPRelease",
    "GeneralizationResult",
    "GeneralizeDate",
    "GeneralizeICD10",
    "GeneralizeRegion",
    "Hierarchy",
    "NoSolution",
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
    "search_generalization",
    "select_partitions",
    "suppress_small_classes",
]
