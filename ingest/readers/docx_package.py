"""The `.docx` zip package: hardened, size-budgeted XML parts and their relationships.

Parts are located through the package relationships, not assumed names. The XML parts read
may hold at most `max_bytes` uncompressed in total, and a part over 1 MiB may not expand more
than `max_ratio` times (decompression bombs).
"""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path

from lxml import etree

from ingest.errors import DocumentError
from ingest.readers.common import open_regular

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
DC = "{http://purl.org/dc/elements/1.1/}"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_REL_STRICT = "http://purl.oclc.org/ooxml/officeDocument/relationships/"


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        remove_comments=True,
        remove_pis=True,
    )


class _Package:
    """The zip container, with a budget on how much XML it may inflate."""

    def __init__(self, path: Path, max_bytes: int, max_ratio: float) -> None:
        self.path = path
        self.remaining = max_bytes
        self.max_bytes = max_bytes
        self.max_ratio = max_ratio
        handle = open_regular(path)
        try:
            self.zip = zipfile.ZipFile(handle)
        except OSError as exc:
            handle.close()
            raise DocumentError(path, f"cannot read file: {exc.strerror or exc}") from exc
        except zipfile.BadZipFile as exc:
            handle.seek(0)
            magic = handle.read(8)
            handle.close()
            if magic.startswith(b"\xd0\xcf\x11\xe0"):
                raise DocumentError(
                    path, "legacy .doc or password-protected file, not .docx; save it as .docx"
                ) from exc
            raise DocumentError(path, "not a .docx file (not a zip package)") from exc
        self.handle = handle
        self.names = set(self.zip.namelist())
        self._rels: dict[str, dict[str, tuple[str, str, bool]]] = {}

    def close(self) -> None:
        self.zip.close()
        self.handle.close()

    def xml(self, name: str) -> etree._Element | None:
        """Parse part `name` (None when absent), charging its size to the budget."""
        if name not in self.names:
            return None
        info = self.zip.getinfo(name)
        if info.file_size > self.remaining:
            raise self._bomb(f"{name} expands to {info.file_size:,} bytes")
        if info.file_size > 2**20 and info.file_size > self.max_ratio * max(info.compress_size, 1):
            raise self._bomb(
                f"{name} has a compression ratio over {self.max_ratio:.0f}:1 "
                "(possible decompression bomb)"
            )
        try:
            with self.zip.open(name) as handle:
                # Sizes in the zip directory can lie: never read more than the budget allows.
                data = handle.read(self.remaining + 1)
        except (zipfile.BadZipFile, OSError, RuntimeError, EOFError) as exc:
            raise DocumentError(self.path, f"corrupt part {name}: {exc}") from exc
        if len(data) > self.remaining:
            raise self._bomb(f"{name} expands past the limit")
        self.remaining -= len(data)
        try:
            return etree.fromstring(data, parser=_parser())
        except etree.XMLSyntaxError as exc:
            raise DocumentError(self.path, f"malformed XML in {name}: {exc}") from exc

    def _bomb(self, detail: str) -> DocumentError:
        return DocumentError(
            self.path,
            f"{detail}; refusing to read more than {self.max_bytes:,} bytes of XML",
        )

    def rels(self, part: str) -> dict[str, tuple[str, str, bool]]:
        """Relationship id → (type, resolved target, is_external) for `part`."""
        if part in self._rels:
            return self._rels[part]
        folder, base = posixpath.split(part)
        root = self.xml(posixpath.join(folder, "_rels", base + ".rels"))
        out: dict[str, tuple[str, str, bool]] = {}
        self._rels[part] = out
        if root is None:
            return out
        for rel in root.iter(PKG_RELS + "Relationship"):
            target = rel.get("Target", "")
            external = rel.get("TargetMode") == "External"
            if not external:
                target = posixpath.normpath(
                    target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
                )
            out[rel.get("Id", "")] = (rel.get("Type", ""), target, external)
        return out

    def related(self, part: str, kind: str) -> str | None:
        """Target of `part`'s first relationship of `kind` (e.g. "footnotes")."""
        for rel_type, target, external in self.rels(part).values():
            if not external and rel_type in (_REL + kind, _REL_STRICT + kind):
                return target
        return None
