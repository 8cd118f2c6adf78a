"""`python -m bayflow`: the same as the `bayflow` command."""
import sys

from bayflow.cli import main

sys.exit(main())
