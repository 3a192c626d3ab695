"""The bundle's SBOM: CycloneDX 1.6 JSON, written by cyclonedx-python-lib from the inventory.

Each component lists the bundle files that are it as `evidence.occurrences` (paths relative
to the plugins directory), so a reader can check that every file is accounted for. The
document is as reproducible as the tarball: its time is `SOURCE_DATE_EPOCH` and its serial
number a UUID derived from its content.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Final

from cyclonedx.contrib.license.factories import LicenseFactory
from cyclonedx.model import Property
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.component_evidence import ComponentEvidence, Occurrence
from cyclonedx.output import make_outputter
from cyclonedx.schema import OutputFormat, SchemaVersion
from packageurl import PackageURL

from k8smeta.plugin.abi.bundle_inventory import Part

SCHEMA: Final = SchemaVersion.V1_6
#: The namespace of the SBOM's serial number (a UUID5 of the document's content).
SERIAL_NAMESPACE: Final = uuid.UUID("8f3c1d52-6a0e-4b8e-9a57-2b1f3f0c9d41")


def purl(part: Part) -> PackageURL:
    """The package URL of a part."""
    if part.kind == "pypi":
        return PackageURL("pypi", None, part.name.lower(), part.version)
    if part.kind == "deb":
        qualifiers = {
            "arch": part.properties["debian:architecture"],
            "distro": part.properties["debian:distro"],
        }
        return PackageURL("deb", "debian", part.name, part.version, qualifiers)
    return PackageURL("generic", None, part.name, part.version)


def component(part: Part, factory: LicenseFactory) -> Component:
    """A part as a CycloneDX component, its files as occurrences."""
    ref = purl(part)
    return Component(
        name=part.name,
        version=part.version,
        type=ComponentType.LIBRARY,
        bom_ref=ref.to_string(),
        purl=ref,
        description=part.description,
        licenses=[factory.make_from_string(text) for text in part.licenses],
        properties=[Property(name=k, value=v) for k, v in sorted(part.properties.items())],
        evidence=ComponentEvidence(
            # a bom-ref of its own per file: the library orders occurrences by it first
            occurrences=[Occurrence(bom_ref=f"file:{n}", location=n) for n in sorted(part.files)]
        ),
    )


def render(parts: list[Part], name: str, version: str, platform: str, epoch: int) -> str:
    """The SBOM of the bundle `name`-`version` for `platform` (as `linux/amd64`)."""
    factory = LicenseFactory()
    components = [component(p, factory) for p in parts]
    root = Component(
        name=name,
        version=version,
        type=ComponentType.APPLICATION,
        bom_ref=f"{name}@{version}?platform={platform}",
        description="The self-contained k8smeta Falco plugin artifact",
        properties=[Property(name="oci:platform", value=platform)],
    )
    stamp = datetime.fromtimestamp(epoch, UTC)

    def document(serial: uuid.UUID) -> str:
        bom = Bom(
            serial_number=serial,
            metadata=BomMetaData(component=root, timestamp=stamp),
            components=components,
        )
        bom.register_dependency(root, components)
        return str(make_outputter(bom, OutputFormat.JSON, SCHEMA).output_as_string(indent=2))

    draft = document(uuid.UUID(int=0))
    serial = uuid.uuid5(SERIAL_NAMESPACE, hashlib.sha256(draft.encode()).hexdigest())
    return document(serial) + "\n"
