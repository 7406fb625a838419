"""The ``medguard`` command line: ``medguard demo | scan | keys``.

The CLI holds no logic of its own: each subcommand module parses arguments, calls the library,
and turns :class:`medguard.errors.MedguardError` into a clear message and exit code.
"""
