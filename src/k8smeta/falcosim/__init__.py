"""The bundled Falco stand-in: loads libk8smeta.so as Falco does and plays libsinsp's side.

Owns a host of the plugin C ABI written from the specification only: loading and the
registration checks (`library`), the `threads` table behind per-call vtables (`tables`),
events in the real binary layout (`events`), the async queue with the framework's checks
(`asyncq`), per-generation struct layouts (`generations`) and the `Host` facade (`host`).
It may import cffi and orjson; it must not import `k8smeta.plugin` (a host knows the ABI,
not the plugin's code).
"""

from k8smeta.falcosim.host import Host
from k8smeta.falcosim.library import RegistrationError, load

__all__ = ["Host", "RegistrationError", "load"]
