#!/usr/bin/env python3
"""Django's command-line utility for Wegweiser."""

from wegweiser.__main__ import main

if __name__ == "__main__":
    main()
