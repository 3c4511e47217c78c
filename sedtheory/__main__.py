"""``python -m sedtheory``: the ``sedtheory`` command (:mod:`sedtheory.cli`)."""

import sys

from sedtheory.cli import main

sys.exit(main())
