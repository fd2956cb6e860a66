"""The front door: decide what a file really is before any parser touches it.

Measured on 163 real-world files: renamed CSV/HTML, legacy .xls, encrypted workbooks,
truncated downloads and Excel lock files all surface from openpyxl as the same ``BadZipFile``;
a zip bomb costs every reader ~1 GiB; Strict OOXML loads in openpyxl with no sheets and no
error. ``open_source`` sniffs the bytes, decrypts in memory, inflates every part under limits
(see ``zipscan``) and raises one exception from ``errors.py`` naming the file and the fix.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from workbook_crm.errors import (
    FileMissing,
    MaliciousWorkbook,
    TooLarge,
    UnreadableWorkbook,
    WorkbookCrmError,
)
from workbook_crm.io import convert, sniff
from workbook_crm.io.zipscan import (
    SheetExtent,
    SheetScanner,
    ZipProblem,
    check_directory,
    has_dtd,
    inflate,
    read_member,
)

# A workbook file on disk above this is refused before reading it into memory (the 2 GiB
# uncompressed limit in zipscan bounds what it may expand to).
MAX_FILE_BYTES = 512 << 20
HEAD_BYTES = 64 << 10

STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
_OFFICE_DOC_SUFFIX = "/relationships/officeDocument"
_WORKSHEET_SUFFIX = "/relationships/worksheet"
_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


@dataclass
class Source:
    """A workbook that passed the guard: its OOXML zip bytes (decrypted, in memory) and facts."""

    path: Path
    data: bytes
    ext: str
    strict: bool
    date1904: bool
    sheet_names: list[str]
    sha256: str
    size: int
    mtime_ns: int
    encrypted: bool = False
    # sheet name -> zip part of each worksheet (chartsheets and macro sheets are absent)
    sheet_parts: dict[str, str] = field(default_factory=dict)
    # sheet name -> what the pre-scan found: drives rawread's guard against far-away cells
    extents: dict[str, SheetExtent] = field(default_factory=dict)
    # ".xls" / ".csv" when ``data`` is an in-memory .xlsx made from such a file (issue #11): the
    # source is never written; `run` puts the record in a new .xlsx
    converted_from: str = ""
    # sheet name -> its XML size, from the zip directory (true: every part's actual size is checked)
    sheet_sizes: dict[str, int] = field(default_factory=dict)
    # sheet name -> zip part of worksheets not inflated and pre-scanned yet (``open_source(defer=…)``):
    # the process that reads one scans it first (``scan_deferred``); nothing else may touch them
    deferred: dict[str, str] = field(default_factory=dict)


# (sheet names, sheet name -> part, sheet name -> its XML size) -> the sheets whose scan is deferred
Defer = Callable[[list[str], dict[str, str], dict[str, int]], Iterable[str]]


def open_source(path: str | Path, *, password: str | None = None, defer: Defer | None = None) -> Source:
    """Read, identify, decrypt and check ``path``; raise a ``WorkbookCrmError`` if unusable.

    ``defer`` names worksheets whose inflation and pre-scan are left to the process that reads them
    (io/readsplit.py: a second reader scans its own sheets, #16); see ``scan_deferred``."""
    p = Path(path)
    if not p.exists() or p.is_dir():
        raise FileMissing(p, "是一个文件夹" if p.is_dir() else "")
    try:
        st = p.stat()
        if st.st_size > MAX_FILE_BYTES:
            raise TooLarge(p, f"{st.st_size:,} bytes on disk, limit {MAX_FILE_BYTES:,}")
        raw = p.read_bytes()
    except PermissionError as exc:
        raise UnreadableWorkbook(p, f"没有读取权限 / permission denied: {exc.strerror}") from exc
    except OSError as exc:
        raise UnreadableWorkbook(p, f"读取失败 / read error: {exc.strerror or exc}") from exc
    if not raw:
        raise UnreadableWorkbook(p, "文件为空（0 字节）/ the file is empty (0 bytes)")
    digest = hashlib.sha256(raw).hexdigest()
    encrypted = False
    data = raw
    converted = ""
    if raw.startswith(sniff.OLE_MAGIC) and sniff.is_legacy_xls(p, raw):
        data, converted = convert.xls_to_xlsx(p, raw), ".xls"
    elif raw.startswith(sniff.OLE_MAGIC):
        data = sniff.decrypt_ole(p, raw, password)
        encrypted = True
    elif not raw.startswith(b"PK") and convert.is_csv_name(p) and sniff.looks_like_csv(raw):
        data, converted = convert.csv_to_xlsx(p, raw), ".csv"
    elif not raw.startswith(b"PK"):
        sniff.refuse_non_zip(p, raw)
    with _refusals(p):
        src = _inspect_zip(p, data, defer)
    src.sha256, src.size, src.mtime_ns, src.encrypted = digest, st.st_size, st.st_mtime_ns, encrypted
    src.converted_from = converted
    return src


@contextmanager
def _refusals(p: Path) -> Iterator[None]:
    """What the zip checks raise, as the one exception of errors.py that names the file."""
    try:
        yield
    except WorkbookCrmError:
        raise
    except ZipProblem as exc:
        cls = TooLarge if exc.kind == "too-large" else UnreadableWorkbook
        raise cls(p, exc.detail) from exc
    except Exception as exc:  # fuzzed zips raise ValueError, struct.error, OverflowError …
        raise UnreadableWorkbook(p, f"{type(exc).__name__}: {exc}") from exc


def scan_deferred(src: Source, tabs: Iterable[str] | None = None) -> None:
    """Inflate and pre-scan deferred worksheets (default: all) as ``open_source`` would have."""
    names = [t for t in (src.deferred if tabs is None else tabs) if t in src.deferred]
    if not names:
        return
    with _refusals(src.path):
        infos = {i.filename: i for i in zipfile.ZipFile(io.BytesIO(src.data)).infolist()}
        for tab in names:
            part = src.deferred[tab]
            src.extents[tab] = _scan_member(src.path, src.data, infos[part], sheet=True) or SheetExtent()
            del src.deferred[tab]


def _inspect_zip(p: Path, data: bytes, defer: Defer | None = None) -> Source:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise UnreadableWorkbook(
            p, f"zip 目录损坏，文件可能不完整（下载或复制中断）/ broken zip: {exc}"
        ) from exc
    infos = zf.infolist()
    names = {i.filename for i in infos}
    sniff.refuse_other_packages(p, zf, names)
    check_directory(infos)
    workbook_part = _office_document(zf, names)
    if workbook_part not in names:
        raise UnreadableWorkbook(p, f"缺少工作簿部件 {workbook_part} / the workbook part is missing")
    if "[Content_Types].xml" not in names:
        raise UnreadableWorkbook(p, "缺少 [Content_Types].xml / the package has no content types")
    wb_xml, rels = _load_workbook_parts(p, data, zf, workbook_part)
    strict = wb_xml.tag.startswith("{" + STRICT_MAIN)
    ns = wb_xml.tag[1:].split("}")[0] if wb_xml.tag.startswith("{") else ""
    q = (lambda t: f"{{{ns}}}{t}") if ns else (lambda t: t)
    pr = wb_xml.find(q("workbookPr"))
    date1904 = pr is not None and (pr.get("date1904") or "").lower() in ("1", "true")
    sheet_names: list[str] = []
    sheet_parts: dict[str, str] = {}
    for sh in wb_xml.iter(q("sheet")):
        name = sh.get("name")
        if name is None:
            continue
        sheet_names.append(name)
        rid = next((v for k, v in sh.attrib.items() if k.endswith("}id")), None)
        typ, target = rels.get(rid or "", ("", ""))
        if typ.endswith(_WORKSHEET_SUFFIX) and target:
            sheet_parts[name] = _resolve(workbook_part, target)
    by_name = {i.filename: i for i in infos}
    sizes = {t: by_name[part].file_size for t, part in sheet_parts.items() if part in by_name}
    later = {
        t: sheet_parts[t] for t in (defer(sheet_names, sheet_parts, sizes) if defer else ()) if t in sizes
    }
    extents = _scan_parts(p, data, infos, set(sheet_parts.values()), skip=set(later.values()))
    by_part = {part: name for name, part in sheet_parts.items()}
    macro = any(n.lower().endswith("vbaproject.bin") for n in names)
    return Source(
        path=p,
        data=data,
        ext=".xlsm" if macro else ".xlsx",
        strict=strict,
        date1904=date1904,
        sheet_names=sheet_names,
        sha256="",
        size=0,
        mtime_ns=0,
        sheet_parts=sheet_parts,
        extents={by_part[k]: v for k, v in extents.items() if k in by_part},
        sheet_sizes=sizes,
        deferred=later,
    )


def _office_document(zf: zipfile.ZipFile, names: set[str]) -> str:
    """The workbook part named by the package relationships (Strict files use other URIs)."""
    if "_rels/.rels" in names:
        info = zf.getinfo("_rels/.rels")
        if info.file_size < HEAD_BYTES:
            try:
                root = etree.fromstring(zf.read(info), _SAFE_PARSER)
            except (etree.XMLSyntaxError, zipfile.BadZipFile, ValueError):
                root = None
            for rel in root.iter() if root is not None else ():
                if (rel.get("Type") or "").endswith(_OFFICE_DOC_SUFFIX) and rel.get("Target"):
                    return _resolve("", rel.get("Target") or "")
    return "xl/workbook.xml"


def _resolve(base_part: str, target: str) -> str:
    """A relationship target relative to its source part ('/xl/x.xml' is package-absolute)."""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(base_part), target))


def _parse(p: Path, data: bytes, zf: zipfile.ZipFile, part: str) -> etree._Element:
    raw = read_member(data, zf.getinfo(part))
    if has_dtd(raw[:HEAD_BYTES]):
        raise MaliciousWorkbook(p, f"{part} 含 DTD/实体声明（XML 炸弹或 XXE）/ DTD or entities in {part}")
    try:
        return etree.fromstring(raw, _SAFE_PARSER)
    except etree.XMLSyntaxError as exc:
        raise UnreadableWorkbook(p, f"{part} 不是有效的 XML / invalid XML: {exc}") from exc


def _load_workbook_parts(
    p: Path, data: bytes, zf: zipfile.ZipFile, workbook_part: str
) -> tuple[etree._Element, dict[str, tuple[str, str]]]:
    wb_xml = _parse(p, data, zf, workbook_part)
    rels_part = posixpath.join(
        posixpath.dirname(workbook_part), "_rels", posixpath.basename(workbook_part) + ".rels"
    )
    rels: dict[str, tuple[str, str]] = {}
    if rels_part in {i.filename for i in zf.infolist()}:
        for rel in _parse(p, data, zf, rels_part).iter(f"{{{_REL_NS}}}Relationship", "Relationship"):
            rels[rel.get("Id") or ""] = (rel.get("Type") or "", rel.get("Target") or "")
    return wb_xml, rels


def _scan_parts(
    p: Path,
    data: bytes,
    infos: list[zipfile.ZipInfo],
    sheet_parts: set[str],
    skip: set[str] | frozenset[str] = frozenset(),
) -> dict[str, SheetExtent]:
    """Inflate every part under the limits; check XML prologs; pre-scan worksheets."""
    extents: dict[str, SheetExtent] = {}
    for info in infos:
        if info.is_dir() or info.filename in skip:
            continue
        ext = _scan_member(p, data, info, sheet=info.filename in sheet_parts)
        if ext is not None:
            extents[info.filename] = ext
    return extents


def _scan_member(p: Path, data: bytes, info: zipfile.ZipInfo, *, sheet: bool) -> SheetExtent | None:
    """One part inflated under the limits, its XML prolog checked; a worksheet's extent."""
    head = bytearray()
    scanner = SheetScanner() if sheet else None
    is_xml = info.filename.lower().endswith(_XML_SUFFIXES)

    def sink(chunk: bytes) -> None:
        if len(head) < HEAD_BYTES:
            head.extend(chunk[: HEAD_BYTES - len(head)])
        if scanner is not None:
            scanner(chunk)

    inflate(data, info, sink if (is_xml or scanner) else None)
    if is_xml and has_dtd(bytes(head)):
        raise MaliciousWorkbook(
            p, f"{info.filename} 含 DTD/实体声明（XML 炸弹或 XXE）/ DTD or entities in {info.filename}"
        )
    return scanner.finish() if scanner is not None else None
