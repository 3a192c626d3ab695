"""`python -m k8smeta`: the command line."""

from k8smeta.cli import main

raise SystemExit(main())
