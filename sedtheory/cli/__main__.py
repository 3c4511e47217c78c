import sys

from sedtheory.cli import main

sys.exit(main())
