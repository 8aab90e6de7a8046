#!/usr/bin/env python
"""The test OpenID provider's manage.py: `python tests/oidc_provider/manage.py serve 127.0.0.1:PORT`."""

import os
import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_provider.settings"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
