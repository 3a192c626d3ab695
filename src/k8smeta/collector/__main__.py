"""`python -m k8smeta.collector`: the collector command (launch.py)."""

from k8smeta.collector.launch import main

raise SystemExit(main())
