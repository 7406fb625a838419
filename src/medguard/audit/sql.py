"""The SQL guard: flag risky and injection-shaped SQL before it reaches a hospital database.

>>> from medguard.audit.sql import check
>>> [f.rule for f in check("DELETE FROM patients")]
['CLA.014']
>>> [f.rule for f in check("SELECT name FROM patients WHERE id = 1 OR '1'='1'")]
['RES.007', 'MG.PII.001']
>>> check("SELECT visit_date FROM visits WHERE patient_id = 42")
[]
>>> [f.rule for f in check("SELEC name FRM patients")]  # what does not parse fails closed
['parse-error']

:func:`check` parses with sqlglot (MySQL, PostgreSQL, Oracle, SQL Server ``tsql``, Hive),
splits statements with its tokenizer and applies the rules of :data:`RULES`; rule ids follow
XiaoMi SOAR's heuristic catalogue where it has the rule (``CLA.001``, ``COL.001``, ``SEC.004``,
...), ``MG.`` ids where it has none. Each :class:`Finding` carries a likelihood and a severity
(1-4) graded R = L x S into the four bands of :func:`medguard.risk.band`. A statement that does
not parse is a ``parse-error`` finding, never a pass. :func:`guarded` wraps a DB-API connection
so flagged statements are refused (:class:`~medguard.errors.SQLRefused`) before they run.

Findings and audit records never hold a literal value: statements are named by a fingerprint
(literals replaced by ``?``, hashed). See ``docs/sql-guard.md``.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from medguard.detect.classify import HEADER_HINTS  # the scanner's header hints, shared, not copied
from medguard.detect.levels import level_of
from medguard.errors import InvalidArgument, MissingDependency, SQLRefused
from medguard.risk import BANDS, Graded, band

if TYPE_CHECKING:
    from medguard.audit.trail import AuditTrail

__all__ = [
    "DIALECTS",
    "RULES",
    "Finding",
    "GuardedConnection",
    "LogEntry",
    "LogFinding",
    "Rule",
    "audit_log",
    "check",
    "fingerprint",
    "guarded",
    "read_log",
    "severity_at_least",
    "to_sarif",
]

#: Dialect names accepted (sqlglot's names; ``sqlserver`` and ``postgresql`` are aliases).
DIALECTS: tuple[str, ...] = ("mysql", "postgres", "oracle", "tsql", "hive")
_ALIASES = {"postgresql": "postgres", "pg": "postgres", "sqlserver": "tsql", "mssql": "tsql"}


@dataclass(frozen=True)
class Rule(Graded):
    """One rule of the catalogue: id, title, likelihood and severity (1-4), SOAR's id or not."""

    id: str
    title: str
    likelihood: int
    severity: int


_R = Rule
#: Every rule, by id. SOAR ids keep SOAR's meaning; ``MG.`` ids are medguard's own.
RULES: Mapping[str, Rule] = {
    r.id: r
    for r in (
        _R("parse-error", "statement does not parse: refused (fail closed)", 3, 3),
        _R("CLA.001", "SELECT without WHERE or LIMIT on a table holding personal data", 3, 3),
        _R("COL.001", "SELECT * on a table holding personal data", 2, 2),
        _R("CLA.014", "DELETE without WHERE (or with an always-true WHERE)", 3, 4),
        _R("CLA.015", "UPDATE without WHERE (or with an always-true WHERE)", 3, 4),
        _R("RES.007", "always-true condition (tautology: OR 1=1, OR 'a'='a', OR 2>1)", 4, 4),
        _R("SEC.001", "TRUNCATE", 3, 4),
        _R("SEC.003", "DROP of a table, schema, database or view", 3, 4),
        _R("ALT.003", "ALTER ... DROP (a column, constraint or partition)", 3, 3),
        _R("SEC.004", "time-based probe (SLEEP, BENCHMARK, pg_sleep, WAITFOR DELAY)", 4, 4),
        _R("RES.008", "file export or import (INTO OUTFILE/DUMPFILE, LOAD DATA)", 3, 4),
        _R("MG.SEC.001", "privilege change (GRANT, REVOKE)", 2, 3),
        _R("MG.SEC.002", "privilege granted TO PUBLIC", 3, 4),
        _R("MG.SEC.003", "server file access (LOAD_FILE, COPY ... TO/FROM a file, UTL_FILE)", 3, 4),
        _R("MG.SEC.004", "operating-system command (xp_cmdshell, COPY ... PROGRAM)", 4, 4),
        _R("MG.INJ.001", "stacked statements in one call", 3, 4),
        _R("MG.INJ.002", "UNION read of system tables (catalog, users, password hashes)", 4, 4),
        _R("MG.INJ.003", "comment cutting a condition after WHERE", 4, 3),
        _R("MG.PII.001", "bulk read of level 4-5 fields (not a single-patient lookup)", 3, 3),
    )
}


@dataclass(frozen=True)
class Finding:
    """One rule hit on one statement; never holds a literal value of the statement.

    ``statement`` is the 0-based index of the statement in the text checked; ``fields`` names
    the level >= 4 fields read, with their levels; ``fingerprint`` names the statement.
    """

    rule: str
    message: str
    likelihood: int
    impact: int
    statement: int = 0
    tables: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    fields: tuple[tuple[str, int], ...] = ()
    fingerprint: str = ""

    @property
    def risk(self) -> int:
        """R = L x S (1-16)."""
        return self.likelihood * self.impact

    @property
    def severity(self) -> str:
        """The band of R: ``low``, ``medium``, ``high`` or ``very high``."""
        return band(self.risk)

    @property
    def title(self) -> str:
        """The rule's title."""
        return RULES[self.rule].title

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {
            "rule": self.rule,
            "severity": self.severity,
            "likelihood": self.likelihood,
            "impact": self.impact,
            "risk": self.risk,
            "message": self.message,
            "statement": self.statement,
            "tables": list(self.tables),
            "columns": list(self.columns),
            "fields": [{"name": n, "level": lv} for n, lv in self.fields],
            "fingerprint": self.fingerprint,
        }


def severity_at_least(finding: Finding, threshold: str) -> bool:
    """True when ``finding``'s band is ``threshold`` or above (``low`` ... ``very high``)."""
    order = [b for b, _ in BANDS][::-1]  # low first
    wanted = threshold.replace("-", " ").replace("_", " ").lower()
    if wanted not in order:
        raise InvalidArgument(f"a severity is one of {', '.join(order)}")
    return order.index(finding.severity) >= order.index(wanted)


# ----------------------------------------------------------------------------- sqlglot


def _sqlglot() -> Any:
    try:
        import sqlglot
    except ImportError:  # pragma: no cover - the extra is installed in the tests
        raise MissingDependency("sqlglot", extra="sql-guard", feature="the SQL guard") from None
    return sqlglot


class _QuietFallback(logging.Filter):
    """Drop sqlglot's 'falling back to Command' warning: it quotes the statement verbatim."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Falling back to parsing as a 'Command'" not in str(record.msg)


logging.getLogger("sqlglot").addFilter(_QuietFallback())


@lru_cache(maxsize=8)
def _dialect(name: str) -> Any:
    from sqlglot.dialects.dialect import Dialect

    return Dialect.get_or_raise(name)


def _dialect_name(dialect: str) -> str:
    name = _ALIASES.get(str(dialect).lower(), str(dialect).lower())
    if name not in DIALECTS:
        raise InvalidArgument(f"dialect is one of {', '.join(DIALECTS)} (got {dialect!r})")
    return name


# ----------------------------------------------------------------------------- policy

# Table names that say they hold patients' data (the scanner's header hints name columns).
_TABLE_HINTS = ("patient", "person", "member", "customer", "user", "visit", "admission", "emr",
                "record", "contact", "患者", "病人", "病历", "就诊", "住院", "门诊")  # fmt: skip
# Column names of keys that pin one patient: an equality on one is a single-patient lookup.
# (dept_id = 3 pins a department, not a patient: a key names a person, a visit or a record.)
_KEY = re.compile(
    r"^(id|uuid|pk)$|patient|person|subject|member|visit|admission|encounter|record|mrn|"
    r"case_no|病人|患者|就诊|住院|门诊|病历|病案",
    re.IGNORECASE,
)
_SMALL_LIMIT = 10


@lru_cache(maxsize=8192)
def _table_hint(name: str) -> int:
    return 4 if any(h in name for h in _TABLE_HINTS) else 2


@lru_cache(maxsize=8192)
def _header_level(column: str) -> int:
    """The level the scanner's header hints give a column name (2 when none matches)."""
    name = column.lower()
    best = 2
    for entity, hints in HEADER_HINTS.items():
        if any(h in name for h in hints):
            best = max(best, level_of(entity))
    return best


class _Levels:
    """Levels of columns by table, from a policy or from the scanner's header knowledge."""

    def __init__(self, policy: object) -> None:
        self.by_table: dict[str | None, dict[str, int]] = {}
        self.keys: set[str] = set()
        self.given = policy is not None
        if policy is None:
            return
        fields = getattr(policy, "fields", None)
        if fields is not None and isinstance(fields, Mapping):
            table = getattr(policy, "table", None)
            self.by_table[table.lower() if isinstance(table, str) else None] = {
                str(n).lower(): _level(getattr(r, "level", r), n) for n, r in fields.items()
            }
            for attr in ("subject", "record_id"):
                if isinstance(getattr(policy, attr, None), str):
                    self.keys.add(getattr(policy, attr).lower())
            return
        if not isinstance(policy, Mapping):
            raise InvalidArgument(
                "policy is a Policy (with .fields) or a mapping {table: {column: level}} "
                "or {column: level}"
            )
        for key, value in policy.items():
            if isinstance(value, Mapping):
                self.by_table[str(key).lower()] = {
                    str(c).lower(): _level(lv, c) for c, lv in value.items()
                }
            else:
                self.by_table.setdefault(None, {})[str(key).lower()] = _level(value, key)

    def column(self, table: str | None, column: str) -> int:
        column = column.lower()
        if not self.given:
            return _header_level(column)
        tables = [table.lower()] if table else list(self.by_table)
        levels = [self.by_table.get(t, {}).get(column, 0) for t in tables]
        levels.append(self.by_table.get(None, {}).get(column, 0))
        return max(levels)

    def table(self, table: str) -> int:
        """The highest level of a table's columns (its own hint when there is no policy)."""
        name = table.lower()
        if not self.given:
            return _table_hint(name)
        levels = list(self.by_table.get(name, {}).values())
        if not levels and name not in self.by_table:
            levels = list(self.by_table.get(None, {}).values())
        return max(levels, default=0)

    def fields_of(self, table: str) -> list[tuple[str, int]]:
        name = table.lower()
        found = self.by_table.get(name) or self.by_table.get(None) or {}
        return sorted((c, lv) for c, lv in found.items() if lv >= 4)

    def is_key(self, column: str) -> bool:
        name = column.lower()
        return name in self.keys or bool(_KEY.search(name)) or self.column(None, name) >= 4


def _level(value: object, name: object) -> int:
    level = getattr(value, "level", value)
    if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 5:
        raise InvalidArgument(f"the level of field {name!r} is an integer 1-5")
    return level


# ----------------------------------------------------------------------------- statements

_SYSTEM_SCHEMAS = frozenset(
    {"information_schema", "pg_catalog", "mysql", "sys", "performance_schema"}
)
_SYSTEM_TABLES = frozenset({"pg_shadow", "pg_authid", "pg_user", "pg_roles", "all_users",
                            "dba_users", "user_users", "all_tables", "all_tab_columns",
                            "dba_tables", "sysobjects", "syscolumns", "sysusers",
                            "sqlite_master", "v$version"})  # fmt: skip
_SLEEPS = frozenset({"sleep", "benchmark", "pg_sleep", "pg_sleep_for", "pg_sleep_until",
                     "get_lock", "dbms_lock.sleep", "dbms_session.sleep"})  # fmt: skip
_FILE_FUNCS = frozenset({"load_file", "pg_read_file", "pg_read_binary_file", "pg_ls_dir",
                         "lo_import", "lo_export"})  # fmt: skip
_TRIGGERS = frozenset({*_SLEEPS, *(s.split(".")[0] for s in _SLEEPS), *_FILE_FUNCS,
                       "waitfor", "into", "load", "utl_file", "xp_cmdshell", "sp_oacreate",
                       "sp_execute_external_script"})  # fmt: skip
_CONDITION = re.compile(r"\b(and|or|where|limit|union|select|having|group|order)\b|[=<>]", re.I)


@dataclass
class _Statement:
    index: int
    text: str
    tokens: list[Any]
    tree: Any = None
    error: str | None = None
    findings: list[Finding] = field(default_factory=list)


def _split(sql: str, dialect: Any) -> list[_Statement]:
    from sqlglot import TokenType

    tokens = dialect.tokenize(sql)
    chunks: list[list[Any]] = [[]]
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            if token.comments and chunks[-1]:
                chunks[-1][-1].comments.extend(token.comments)
            chunks.append([])
        else:
            chunks[-1].append(token)
    out: list[_Statement] = []
    for chunk in chunks:
        if chunk:
            text = sql[chunk[0].start : chunk[-1].end + 1]
            out.append(_Statement(len(out), text, chunk))
    return out


def fingerprint(statement: str, dialect: str = "mysql") -> str:
    """A short hash naming ``statement`` with its literals replaced by ``?`` (no values kept).

    Two statements differing only in literal values share a fingerprint. Text that does not
    tokenize is hashed whole (the hash keeps no value readable).
    """
    _sqlglot()
    from sqlglot.errors import TokenError

    try:
        tokens = _dialect(_dialect_name(dialect)).tokenize(statement)
    except TokenError:
        return "h:" + hashlib.sha256(statement.encode("utf-8", "replace")).hexdigest()[:16]
    return _fingerprint_tokens(tokens)


def _fingerprint_tokens(tokens: Iterable[Any]) -> str:
    from sqlglot import TokenType

    literal = {TokenType.NUMBER, TokenType.STRING, TokenType.NATIONAL_STRING,
               TokenType.HEX_STRING, TokenType.BIT_STRING, TokenType.BYTE_STRING}  # fmt: skip
    shape = " ".join("?" if t.token_type in literal else t.text.lower() for t in tokens)
    return hashlib.sha256(shape.encode("utf-8")).hexdigest()[:16]


def check(statement: str, dialect: str = "mysql", policy: object = None) -> list[Finding]:
    """The findings of every rule on ``statement`` (one or more statements), in order.

    ``policy`` is a :class:`medguard.lifecycle.Policy` (or any object with ``.fields``
    mapping names to objects with ``.level``), a mapping ``{table: {column: level}}`` or
    ``{column: level}``, or None: then table and column names are judged by the scanner's
    header knowledge. An empty list means every rule passed; text that does not parse gives
    a ``parse-error`` finding.
    """
    if not isinstance(statement, str):
        raise InvalidArgument("a SQL statement is a str")
    return list(_check(statement, _dialect_name(dialect), _Levels(policy)))


def _check(sql: str, dialect_name: str, levels: _Levels) -> Iterator[Finding]:
    _sqlglot()
    from sqlglot.errors import ParseError, TokenError

    dialect = _dialect(dialect_name)
    try:
        statements = _split(sql, dialect)
    except TokenError:
        fp = "h:" + hashlib.sha256(sql.encode("utf-8", "replace")).hexdigest()[:16]
        yield _finding("parse-error", "the text does not tokenize (an unclosed quote or "
                       "comment?)", fingerprint=fp)  # fmt: skip
        return
    if not statements and sql.strip():
        return  # only comments
    for st in statements:
        fp = _fingerprint_tokens(st.tokens)
        hits: list[Finding] = []
        _token_rules(st, hits)
        try:
            trees = dialect.parser().parse(st.tokens, st.text)
            st.tree = trees[0] if len(trees) == 1 else None
            if st.tree is None:
                raise ParseError("no statement")
        except (ParseError, TokenError):
            hits.append(_finding("parse-error", "the statement does not parse in "
                                 f"{dialect_name}: refused"))  # fmt: skip
        except Exception as exc:
            hits.append(_finding("parse-error", f"the parser failed ({type(exc).__name__})"))
        else:
            _tree_rules(st, dialect_name, levels, hits)
        if st.index == 1:
            hits.insert(0, _finding("MG.INJ.001", "a second statement follows the first in "
                                    "one call (stacked queries)"))  # fmt: skip
        seen: set[tuple[str, str]] = set()
        for hit in hits:
            if (hit.rule, hit.message) in seen:
                continue
            seen.add((hit.rule, hit.message))
            yield _with(hit, statement=st.index, fingerprint=fp)


def _finding(rule: str, message: str, **kw: Any) -> Finding:
    r = RULES[rule]
    return Finding(rule, message, kw.pop("likelihood", r.likelihood),
                   kw.pop("impact", r.severity), **kw)  # fmt: skip


def _with(f: Finding, **changes: Any) -> Finding:
    from dataclasses import replace

    return replace(f, **changes)


# ----------------------------------------------------------------------------- token rules


def _token_rules(st: _Statement, hits: list[Finding]) -> None:
    """Rules read from the tokens: they hold whether or not the statement parses."""
    from sqlglot import TokenType

    words = [t.text.lower() if t.token_type != TokenType.STRING else "'" for t in st.tokens]
    kinds = [t.token_type for t in st.tokens]
    joined = " ".join(words)
    first = words[0] if words else ""
    for i, w in enumerate(words if _TRIGGERS.intersection(words) else ()):
        nxt = words[i + 1] if i + 1 < len(words) else ""
        dotted = f"{w}.{words[i + 2]}" if nxt == "." and i + 2 < len(words) else w
        after_dot = i > 0 and words[i - 1] == "."
        if dotted in _SLEEPS and nxt == ".":
            hits.append(_finding("SEC.004", f"time-based probe {dotted}()"))
        elif w in _SLEEPS and nxt == "(" and not after_dot:
            hits.append(_finding("SEC.004", f"time-based probe {w}()"))
        if w == "waitfor" and nxt in ("delay", "time"):
            hits.append(_finding("SEC.004", f"time-based probe WAITFOR {nxt.upper()}"))
        if w == "into" and nxt in ("outfile", "dumpfile"):
            hits.append(_finding("RES.008", f"SELECT ... INTO {nxt.upper()} writes a server file"))
        if w == "load" and nxt in ("data", "xml"):
            hits.append(_finding("RES.008", f"LOAD {nxt.upper()} reads a file into a table"))
        if w in _FILE_FUNCS and nxt == "(":
            hits.append(_finding("MG.SEC.003", f"{w}() reads or writes a server file"))
        if w == "utl_file":
            hits.append(_finding("MG.SEC.003", "UTL_FILE reads or writes a server file"))
        if w in ("xp_cmdshell", "sp_oacreate", "sp_execute_external_script"):
            hits.append(_finding("MG.SEC.004", f"{w} runs an operating-system command"))
    if first == "copy":
        if " program " in f" {joined} ":
            hits.append(_finding("MG.SEC.004", "COPY ... PROGRAM runs a server command"))
        elif re.search(r"\b(to|from)\s+'", joined):
            hits.append(_finding("MG.SEC.003", "COPY ... TO/FROM a server file"))
    if first in ("grant", "revoke"):
        public = bool(re.search(r"\b(to|from)\s+public\b", joined))
        rule = "MG.SEC.002" if public and first == "grant" else "MG.SEC.001"
        hits.append(_finding(rule, f"{first.upper()} changes privileges"
                             + (" for PUBLIC (every user)" if public else "")))  # fmt: skip
    # A comment after WHERE that reads like a condition cuts the statement short.
    where_at = next((i for i, k in enumerate(kinds) if k == TokenType.WHERE), None)
    if where_at is not None:
        for token in st.tokens[where_at:]:  # a comment attaches to the token before it
            if any(_CONDITION.search(c) for c in token.comments):
                hits.append(_finding("MG.INJ.003", "a comment after WHERE holds a condition: "
                                     "the rest of the statement is cut off"))  # fmt: skip
                break


# ----------------------------------------------------------------------------- tree rules


def _table_name(t: Any) -> str:
    return ".".join(p for p in (t.catalog, t.db, t.name) if p)


def _is_system(t: Any) -> bool:
    schema = (t.db or "").lower()
    name = (t.name or "").lower()
    return schema in _SYSTEM_SCHEMAS or name in _SYSTEM_TABLES or name.startswith("pg_")


def _tree_rules(st: _Statement, dialect: str, levels: _Levels, hits: list[Finding]) -> None:
    from sqlglot import exp

    tree = st.tree
    found: dict[type, list[Any]] = {}
    for node in tree.walk():  # one walk; the rules below read its lists
        found.setdefault(type(node), []).append(node)
    tables = found.get(exp.Table, [])
    names = tuple(dict.fromkeys(_table_name(t) for t in tables))
    cols = tuple(dict.fromkeys(c.name for c in found.get(exp.Column, ()) if c.name))
    base: dict[str, Any] = {"tables": names, "columns": cols}
    if not isinstance(tree, _statement_types()):  # FLUSH PRIVILEGES parses as "FLUSH AS PRIVILEGES"
        hits.append(_finding("parse-error", "the text is not a statement sqlglot understands: "
                             "refused"))  # fmt: skip
        return
    if isinstance(tree, exp.Command):
        word = str(tree.this).lower()
        if word not in ("grant", "revoke"):  # those the token rules read whole
            hits.append(_finding("parse-error", f"{word.upper()} is not understood: refused"))
        return
    if isinstance(tree, exp.Grant):
        return  # the token rules named it
    # Tautologies anywhere in a condition.
    for cond in _conditions(found) if exp.Or in found else ():
        if _has_or_tautology(cond):
            hits.append(_finding("RES.007", "an OR branch is always true: the condition "
                                 "matches every row", **base))  # fmt: skip
            break
    if isinstance(tree, (exp.Delete, exp.Update)):
        rule = "CLA.014" if isinstance(tree, exp.Delete) else "CLA.015"
        verb = "DELETE" if rule == "CLA.014" else "UPDATE"
        where = tree.args.get("where")
        if where is None:
            hits.append(_finding(rule, f"{verb} without WHERE changes every row", **base))
        elif _truth(where.this) is True:
            hits.append(_finding(rule, f"{verb} with an always-true WHERE changes every row",
                                 **base))  # fmt: skip
    elif isinstance(tree, exp.TruncateTable):
        hits.append(_finding("SEC.001", "TRUNCATE removes every row", **base))
    elif isinstance(tree, exp.Drop):
        kind = str(tree.args.get("kind") or "object").upper()
        hits.append(_finding("SEC.003", f"DROP {kind}", **base))
    elif isinstance(tree, exp.Alter):
        if any(isinstance(a, exp.Drop) or type(a).__name__.startswith("Drop")
               for a in tree.args.get("actions") or []):  # fmt: skip
            hits.append(
                _finding("ALT.003", "ALTER ... DROP removes a column or constraint", **base)
            )
    elif isinstance(tree, exp.Copy):
        pass  # the token rules read COPY
    if exp.Union in found and any(_is_system(t) for t in tables):
        sys_names = tuple(_table_name(t) for t in tables if _is_system(t))
        hits.append(_finding("MG.INJ.002", "a UNION reads system tables: "
                             + ", ".join(sys_names), **base))  # fmt: skip
    for select in found.get(exp.Select, ()):
        _select_rules(select, levels, hits)


@lru_cache(maxsize=1)
def _statement_types() -> tuple[type, ...]:
    """The node types a whole statement may be (anything else is not understood)."""
    from sqlglot import exp

    names = ("Query", "Insert", "Update", "Delete", "Create", "Drop", "Alter", "TruncateTable",
             "Grant", "Revoke", "Copy", "Command", "Execute", "Use", "Set", "Show", "Describe",
             "Merge", "Transaction", "Commit", "Rollback", "Pragma", "Analyze", "LoadData",
             "Cache", "Uncache", "Comment", "Refresh", "Kill", "Declare")  # fmt: skip
    return tuple(getattr(exp, n) for n in names if hasattr(exp, n))


def _conditions(found: Mapping[type, list[Any]]) -> Iterator[Any]:
    from sqlglot import exp

    for node in [*found.get(exp.Where, ()), *found.get(exp.Having, ()), *found.get(exp.Join, ())]:
        cond = node.this if not isinstance(node, exp.Join) else node.args.get("on")
        if cond is not None:
            yield cond


def _has_or_tautology(cond: Any) -> bool:
    from sqlglot import exp

    for node in [cond, *cond.find_all(exp.Or)]:
        if isinstance(node, exp.Or) and (
            _truth(node.this) is True or _truth(node.expression) is True
        ):
            return True
    return False


def _literal(node: Any) -> Any:
    from sqlglot import exp

    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Literal):
        if node.is_string:
            return ("s", node.this)
        try:
            return ("n", float(node.this))
        except ValueError:
            return None
    if isinstance(node, exp.Boolean):
        return ("n", 1.0 if node.this else 0.0)
    if isinstance(node, exp.Neg):
        inner = _literal(node.this)
        return ("n", -inner[1]) if inner and inner[0] == "n" else None
    return None


def _truth(node: Any) -> bool | None:
    """True/False when ``node`` is constant (1=1, 'a'='a', 2>1, TRUE, NOT 1=2), None otherwise."""
    from sqlglot import exp

    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Boolean):
        return bool(node.this)
    if isinstance(node, exp.Literal) and not node.is_string:
        lit = _literal(node)
        return None if lit is None else lit[1] != 0
    if isinstance(node, exp.Not):
        inner = _truth(node.this)
        return None if inner is None else not inner
    if isinstance(node, exp.And):
        a, b = _truth(node.this), _truth(node.expression)
        return False if False in (a, b) else (True if a is True and b is True else None)
    if isinstance(node, exp.Or):
        a, b = _truth(node.this), _truth(node.expression)
        return True if True in (a, b) else (False if a is False and b is False else None)
    ops: dict[type, Callable[[Any, Any], bool]] = {
        exp.EQ: lambda x, y: x == y, exp.NEQ: lambda x, y: x != y,
        exp.GT: lambda x, y: x > y, exp.GTE: lambda x, y: x >= y,
        exp.LT: lambda x, y: x < y, exp.LTE: lambda x, y: x <= y,
    }  # fmt: skip
    op = ops.get(type(node))
    if op is not None:
        left, right = _literal(node.this), _literal(node.expression)
        if left is not None and right is not None and left[0] == right[0]:
            return op(left[1], right[1])
        if _same_column(node.this, node.expression) and type(node) in (exp.EQ, exp.GTE, exp.LTE):
            return True  # col = col (true for every non-null row)
    return None


def _same_column(a: Any, b: Any) -> bool:
    from sqlglot import exp

    return isinstance(a, exp.Column) and isinstance(b, exp.Column) and a == b


def _select_rules(select: Any, levels: _Levels, hits: list[Finding]) -> None:
    from sqlglot import exp

    from_ = select.args.get("from") or select.args.get("from_")
    if from_ is None:
        return
    own = [t for t in ([from_.this] + [j.this for j in select.args.get("joins") or []])
           if isinstance(t, exp.Table)]  # fmt: skip
    if not own:
        return
    names = [_table_name(t) for t in own]
    sensitive = [(n, levels.table(t.name)) for n, t in zip(names, own, strict=True)]
    star = any(
        isinstance(e, exp.Star) or (isinstance(e, exp.Column) and isinstance(e.this, exp.Star))
        for e in select.expressions
    )
    read_cols = [c for e in select.expressions for c in ([e] if isinstance(e, exp.Column) else
                 list(e.find_all(exp.Column))) if not isinstance(c.this, exp.Star)]  # fmt: skip
    table_of = {(t.alias_or_name or "").lower(): t.name for t in own}
    single = _single_patient(select, levels)
    where = select.args.get("where")
    limit = select.args.get("limit")
    base = {"tables": tuple(names), "columns": ("*",) if star else
            tuple(dict.fromkeys(c.name for c in read_cols))}  # fmt: skip
    # Fields of level >= 4 read.
    fields: dict[str, int] = {}
    for c in read_cols:
        table = (
            table_of.get((c.table or "").lower())
            if c.table
            else (own[0].name if len(own) == 1 else None)
        )
        lv = levels.column(table, c.name)
        if lv >= 4:
            fields[c.name] = lv
    if star:
        for t in own:
            for name, lv in levels.fields_of(t.name):
                fields.setdefault(name, lv)
    touches = any(lv >= 3 for _, lv in sensitive) or bool(fields)
    if not touches:
        return
    held = ", ".join(n for n, lv in sensitive if lv >= 3) or ", ".join(names)
    # Counts and sums per group read no row: a bulk read needs a row-level column or *.
    aggregate = select.args.get("group") is not None or any(
        e.find(exp.AggFunc) is not None for e in select.expressions
    )
    row_level = star or any(levels.column(None, c.name) >= 3 for c in read_cols)
    if where is None and limit is None and (row_level or not aggregate):
        hits.append(_finding("CLA.001", f"SELECT without WHERE or LIMIT reads every row of {held}",
                             **base))  # fmt: skip
    if star:
        hits.append(_finding("COL.001", f"SELECT * reads every column of {held}",
                             likelihood=1 if single else 2, **base))  # fmt: skip
    if fields and not single:
        named = ", ".join(f"{n} (level {lv})" for n, lv in sorted(fields.items()))
        top = max(fields.values())
        hits.append(_finding("MG.PII.001", f"bulk read of {named}",
                             impact=4 if top >= 5 else 3,
                             fields=tuple(sorted(fields.items())), **base))  # fmt: skip


def _single_patient(select: Any, levels: _Levels) -> bool:
    """True when WHERE pins one key value (AND-ed equality) or LIMIT is small."""
    from sqlglot import exp

    limit = select.args.get("limit")
    if limit is not None:
        value = _literal(limit.args.get("expression") or limit.args.get("count") or limit.this)
        if value is not None and value[0] == "n" and 1 <= value[1] <= _SMALL_LIMIT:
            return True
    where = select.args.get("where")
    if where is None:
        return False
    stack = [where.this]
    while stack:
        node = stack.pop()
        while isinstance(node, exp.Paren):
            node = node.this
        if isinstance(node, exp.And):
            stack += [node.this, node.expression]
            continue
        if isinstance(node, exp.EQ):
            col, other = node.this, node.expression
            if not isinstance(col, exp.Column):
                col, other = other, col
            if isinstance(col, exp.Column) and not isinstance(other, exp.Column) \
                    and levels.is_key(col.name) and not other.find(exp.Column):  # fmt: skip
                return True
        if isinstance(node, exp.In) and isinstance(node.this, exp.Column):
            items = node.expressions
            if len(items) == 1 and levels.is_key(node.this.name):
                return True
    return False


# ----------------------------------------------------------------------------- the wrapper


class GuardedConnection:
    """A DB-API connection whose statements are checked before they run; see :func:`guarded`."""

    def __init__(
        self,
        connection: Any,
        policy: object,
        *,
        trail: AuditTrail | None,
        dialect: str,
        refuse: str,
    ) -> None:
        self._connection = connection
        self._levels = _Levels(policy)
        self._strict = _Strict(self._levels)
        self._trail = trail
        self._dialect = _dialect_name(dialect)
        self._refuse = refuse
        severity_at_least(Finding("parse-error", "", 1, 1), refuse)  # validates ``refuse``

    def __repr__(self) -> str:
        return f"GuardedConnection({self._dialect}, refuse at {self._refuse!r})"

    def check(self, statement: str) -> list[Finding]:
        """The findings of ``statement``; refuse (:class:`SQLRefused`) when one is at the bar.

        A refusal, and each read of level >= 4 fields that passes, is written to the trail.
        """
        if not isinstance(statement, str):
            raise SQLRefused("a statement that is not text is not checked: refused", ())
        findings = list(_check(statement, self._dialect, self._levels))
        refused = [f for f in findings if severity_at_least(f, self._refuse)]
        fp = findings[0].fingerprint if findings else fingerprint(statement, self._dialect)
        if refused:
            self._record("sql.refused", fp, refused)
            rules = ", ".join(sorted({f.rule for f in refused}))
            raise SQLRefused(f"statement {fp} refused ({rules})", tuple(refused))
        if self._trail is not None:
            # Single-patient lookups pass the rules but are sensitive reads all the same.
            reads = [f for f in _check(statement, self._dialect, self._strict) if f.fields]
            if reads:
                self._record("sql.sensitive_read", fp, reads)
        return findings

    def _record(self, action: str, fp: str, findings: Sequence[Finding]) -> None:
        if self._trail is None:
            return
        tables = sorted({t for f in findings for t in f.tables})
        fields = sorted({n for f in findings for n, _ in f.fields})
        self._trail.append(action, fingerprint=fp, dialect=self._dialect,
                           rules=sorted({f.rule for f in findings}), tables=tables,
                           fields=fields)  # fmt: skip

    def cursor(self, *args: Any, **kwargs: Any) -> _GuardedCursor:
        """A cursor whose ``execute`` and ``executemany`` check first."""
        return _GuardedCursor(self, self._connection.cursor(*args, **kwargs))

    def execute(self, statement: str, *args: Any, **kwargs: Any) -> Any:
        """``connection.execute`` (sqlite3, psycopg) after the check; its cursor is guarded."""
        self.check(statement)
        return self._wrap(self._connection.execute(statement, *args, **kwargs))

    def executemany(self, statement: str, *args: Any, **kwargs: Any) -> Any:
        """``connection.executemany`` after the check; its cursor is guarded."""
        self.check(statement)
        return self._wrap(self._connection.executemany(statement, *args, **kwargs))

    def executescript(self, script: str) -> Any:
        """sqlite3's ``executescript`` after the check (stacked statements are refused)."""
        self.check(script)
        return self._wrap(self._connection.executescript(script))

    def _wrap(self, result: Any) -> Any:
        """The cursor a connection-level call returns, guarded too (it can execute again)."""
        if hasattr(result, "execute") and result is not self._connection:
            return _GuardedCursor(self, result)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)

    def __enter__(self) -> GuardedConnection:
        self._connection.__enter__()
        return self

    def __exit__(self, *exc: Any) -> Any:
        return self._connection.__exit__(*exc)


class _Strict(_Levels):
    """The same levels, with single-patient lookups still counted as sensitive reads."""

    def __init__(self, levels: _Levels) -> None:
        self.__dict__.update(levels.__dict__)

    def is_key(self, column: str) -> bool:
        return False


class _GuardedCursor:
    def __init__(self, owner: GuardedConnection, cursor: Any) -> None:
        self._owner = owner
        self._cursor = cursor

    def execute(self, statement: str, *args: Any, **kwargs: Any) -> Any:
        self._owner.check(statement)
        result = self._cursor.execute(statement, *args, **kwargs)
        return self if result is self._cursor else result

    def executemany(self, statement: str, *args: Any, **kwargs: Any) -> Any:
        self._owner.check(statement)
        result = self._cursor.executemany(statement, *args, **kwargs)
        return self if result is self._cursor else result

    def __iter__(self) -> Iterator[Any]:
        return iter(self._cursor)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)

    def __enter__(self) -> _GuardedCursor:
        return self

    def __exit__(self, *exc: Any) -> None:
        self._cursor.close()


def guarded(
    connection: Any,
    policy: object = None,
    *,
    trail: AuditTrail | None = None,
    dialect: str = "mysql",
    refuse: str = "medium",
) -> GuardedConnection:
    """Wrap a DB-API ``connection`` so statements are checked before they run.

    A statement with a finding at or above ``refuse`` (``low``, ``medium``, ``high``,
    ``very high``) raises :class:`~medguard.errors.SQLRefused`, carrying the findings, and
    never reaches the database. With a ``trail``, each refusal (``sql.refused``) and each read
    of level >= 4 fields that ran (``sql.sensitive_read``) is recorded by fingerprint, tables,
    fields and rules; never a literal value.

    >>> import sqlite3
    >>> conn = guarded(sqlite3.connect(":memory:"), dialect="mysql")
    >>> conn.execute("CREATE TABLE visits (patient_id INT, dept TEXT)").fetchall()
    []
    >>> conn.execute("DELETE FROM visits")
    Traceback (most recent call last):
    ...
    medguard.errors.SQLRefused: statement ... refused (CLA.014)
    """
    return GuardedConnection(connection, policy, trail=trail, dialect=dialect, refuse=refuse)


# ----------------------------------------------------------------------------- statement logs


@dataclass(frozen=True)
class LogEntry:
    """One statement of a log: the line it starts on, its text and its dialect (or None)."""

    line: int
    sql: str
    dialect: str | None = None


def read_log(text: str) -> list[LogEntry]:
    """The statements of a log: JSON Lines with a ``sql`` field, or plain SQL.

    Plain SQL is one statement per line, or, when lines end with ``;``, statements ending in a
    ``;`` at a line's end (so they may span lines). A ``;`` inside a line leaves two statements
    in one entry: stacked, as one call would send them. A JSON line without ``sql`` (or not
    JSON) is an :class:`~medguard.errors.InvalidArgument` naming the line.
    """
    import json

    lines = text.splitlines()
    first = next((ln.strip() for ln in lines if ln.strip()), "")
    entries: list[LogEntry] = []
    if first.startswith("{"):
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except ValueError:
                raise InvalidArgument(f"line {number}: not a JSON object") from None
            sql = data.get("sql") if isinstance(data, dict) else None
            if not isinstance(sql, str):
                raise InvalidArgument(f"line {number}: no 'sql' text field")
            dialect = data.get("dialect")
            entries.append(LogEntry(number, sql, dialect if isinstance(dialect, str) else None))
        return entries
    by_semicolon = any(ln.rstrip().endswith(";") for ln in lines)
    start, buffer = 0, list[str]()
    for number, line in enumerate(lines, 1):
        if not buffer and not line.strip():
            continue
        if not buffer:
            start = number
        buffer.append(line)
        if not by_semicolon or line.rstrip().endswith(";"):
            entries.append(LogEntry(start, "\n".join(buffer).strip()))
            buffer = []
    if buffer and "\n".join(buffer).strip():
        entries.append(LogEntry(start, "\n".join(buffer).strip()))
    return entries


@dataclass(frozen=True)
class LogFinding:
    """A finding of one log entry: the entry's line and the finding."""

    line: int
    finding: Finding

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form (the finding's fields and ``line``)."""
        return {"line": self.line, **self.finding.to_dict()}


def audit_log(
    entries: Iterable[LogEntry], dialect: str = "mysql", policy: object = None
) -> list[LogFinding]:
    """:func:`check` over every entry of a log (an entry's own dialect wins)."""
    levels = _Levels(policy)
    default = _dialect_name(dialect)
    out: list[LogFinding] = []
    for entry in entries:
        name = _dialect_name(entry.dialect) if entry.dialect else default
        out += [LogFinding(entry.line, f) for f in _check(entry.sql, name, levels)]
    return out


def to_sarif(findings: Sequence[LogFinding], uri: str, fail_on: str) -> dict[str, Any]:
    """A SARIF 2.1.0 log of ``findings`` in the file at ``uri``; errors at/over ``fail_on``."""
    from medguard import __version__

    ids = sorted(RULES)
    rules = [
        {"id": r, "name": r.replace(".", "").replace("-", ""),
         "shortDescription": {"text": RULES[r].title},
         "properties": {"likelihood": RULES[r].likelihood, "severity": RULES[r].severity,
                        "risk": RULES[r].risk, "band": RULES[r].band,
                        "tags": ["security", "sql"]}}
        for r in ids
    ]  # fmt: skip
    results = [
        {"ruleId": f.finding.rule, "ruleIndex": ids.index(f.finding.rule),
         "level": "error" if severity_at_least(f.finding, fail_on) else "warning",
         "message": {"text": f"{f.finding.message} (R={f.finding.risk}, {f.finding.severity})"},
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri},
                                             "region": {"startLine": f.line}}}],
         "partialFingerprints": {"statement/v1": f.finding.fingerprint},
         "properties": {"statement": f.finding.statement, "tables": list(f.finding.tables)}}
        for f in findings
    ]  # fmt: skip
    driver = {"name": "medguard sql-audit", "version": __version__,
              "semanticVersion": __version__, "rules": rules}  # fmt: skip
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "results": results}],
    }
