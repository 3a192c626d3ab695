"""Operations: Prometheus metrics, /healthz and /readyz, bind addresses.

Owns: `CollectorMetrics` (every metric name), health values, the aiohttp servers.
May import: `model`, prometheus_client, aiohttp.
"""
