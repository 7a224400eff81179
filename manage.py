#!/usr/bin/env python
"""Django's command-line utility; the same as the ``mehvar`` console script."""

from mehvar.__main__ import main

if __name__ == "__main__":
    main()
