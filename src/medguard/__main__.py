"""``python -m medguard`` runs the command line."""

import sys

from medguard.cli.main import main

sys.exit(main())
