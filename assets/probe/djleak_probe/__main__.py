"""``python -m djleak_probe run -- <command...>``"""

import sys

from djleak_probe.runner import main

if __name__ == "__main__":
    sys.exit(main())
