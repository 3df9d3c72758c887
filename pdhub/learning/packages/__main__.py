"""`python -m pdhub.learning.packages MODULE_FOLDER...` validates package folders."""

import sys

from pdhub.learning.packages import main

sys.exit(main())
