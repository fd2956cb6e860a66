"""The exception tree: failures that stop a run (the file cannot be used).

Data problems are *findings* (see ``findings.py``) and are never raised. Every exception here
names the file and the fix, in Chinese and English; the CLI maps all of them to exit code 2.
"""

from __future__ import annotations

from pathlib import Path


class WorkbookCrmError(Exception):
    """Base class: the workbook cannot be used as it is. ``message(lang)`` is what the user sees."""

    code = "unusable"
    zh = "无法使用该文件：{detail}"
    en = "The file cannot be used: {detail}"

    def __init__(self, path: str | Path | None = None, detail: str = "", **params: object) -> None:
        self.path = str(path) if path is not None else ""
        self.detail = detail
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: str = "zh") -> str:
        template = self.zh if lang == "zh" else self.en
        text = template.format(detail=self.detail, path=self.path, **self.params)
        if self.path:
            return f"{self.path}: {text}"
        return text


class UnreadableWorkbook(WorkbookCrmError):
    code = "unreadable"
    zh = "文件已损坏或不完整，无法读取（{detail}）。请用 Excel/WPS 打开后另存为 .xlsx 再试。"
    en = "the file is damaged or incomplete ({detail}). Open it in Excel/WPS and save it again as .xlsx."


class FileMissing(WorkbookCrmError):
    code = "missing"
    zh = "找不到文件。请检查路径。"
    en = "no such file. Check the path."


class UnsupportedFormat(WorkbookCrmError):
    code = "unsupported"
    zh = "不支持的文件格式：{detail}"
    en = "unsupported file format: {detail}"


class EncryptedWorkbook(WorkbookCrmError):
    code = "encrypted"
    zh = "文件设置了打开密码。请用 --password 提供密码（只在内存中解密，不写出明文文件）。{detail}"
    en = "the file is password-protected. Pass --password (it is decrypted in memory only). {detail}"


class WrongPassword(EncryptedWorkbook):
    code = "wrong-password"
    zh = "密码不正确，无法解密文件。"
    en = "the password is wrong; the file could not be decrypted."


class TooLarge(WorkbookCrmError):
    code = "too-large"
    zh = "文件过大或可疑（{detail}），已拒绝读取以保护内存。"
    en = "the file is too large or suspicious ({detail}); refused to protect memory."


class MaliciousWorkbook(WorkbookCrmError):
    code = "malicious"
    zh = "文件含有不安全的内容（{detail}），已拒绝读取。"
    en = "the file holds unsafe content ({detail}); refused."


class NoRecognisableSheet(WorkbookCrmError):
    code = "no-sheet"
    zh = "没有找到可识别的工作表（需要 客户档案、客户信息登记表、客户跟进记录表 等之一）。现有工作表：{detail}。可用 `workbook-crm init` 生成模板。"
    en = "no recognisable sheet (need one of 客户档案, 客户信息登记表, 客户跟进记录表 …). Sheets found: {detail}. `workbook-crm init` makes a template."


class WorkbookLocked(WorkbookCrmError):
    code = "locked"
    zh = "文件正在 Excel/WPS 中打开（发现锁文件 {detail}）。请先关闭文件再运行。"
    en = "the file is open in Excel/WPS (lock file {detail}). Close it and run again."


class WorkbookChanged(WorkbookCrmError):
    code = "changed"
    zh = "文件在运行期间被修改，未写入任何内容。请重新运行。"
    en = "the file changed while the run was working; nothing was written. Run again."


class WriteFailed(WorkbookCrmError):
    code = "write-failed"
    zh = "写入失败（{detail}），原文件未改动。"
    en = "writing failed ({detail}); the original file is untouched."


class RulesFileError(WorkbookCrmError):
    code = "bad-rules"
    zh = "规则文件无法读取：{detail}"
    en = "the rules file cannot be read: {detail}"


class SheetNotFound(WorkbookCrmError):
    code = "sheet-not-found"
    zh = "工作簿中没有名为「{detail}」的工作表。请检查工作表名称。"
    en = "the workbook has no sheet named '{detail}'. Check the sheet name."


class BadOption(WorkbookCrmError, ValueError):
    """An option given to the library or the CLI that cannot mean anything (e.g. ``--month 2024-13``).

    Also a ``ValueError`` so library callers that catch that keep working.
    """

    code = "bad-option"
    zh = "参数错误：{detail}"
    en = "bad option: {detail}"


# --- issue #14 (safe write): output paths, links and permissions, protection, stale locks, signals ---
class SameFile(WorkbookCrmError):
    code = "same-file"
    zh = "输出路径与{detail}是同一个文件，已拒绝（会覆盖它）。请换一个输出路径。"
    en = "the output is the same file as {detail}; refused (it would be overwritten). Choose another output path."


class NotOurFile(WorkbookCrmError):
    code = "not-our-file"
    zh = "该文件已存在且不是 workbook-crm 生成的汇总，未覆盖。请换一个路径或先移走它。"
    en = "the file exists and is not a summary written by workbook-crm; not overwritten. Choose another path or move it."


class TargetExists(WorkbookCrmError):
    code = "target-exists"
    zh = "文件已存在，未覆盖。请换一个输出路径。"
    en = "the file exists; not overwritten. Choose another output path."


class WorkbookReadOnly(WorkbookCrmError):
    code = "read-only"
    zh = "文件为只读，未写入任何内容。请取消只读或用 --output 写到副本。"
    en = "the file is read-only; nothing was written. Make it writable or use --output to write a copy."


class HardLinked(WorkbookCrmError):
    code = "hard-linked"
    zh = "文件有 {detail} 个硬链接，替换它会使这些链接分离，未写入任何内容。请用 --output 写到副本。"
    en = "the file has {detail} hard links; replacing it would split them, so nothing was written. Use --output to write a copy."


class ForeignOwner(WorkbookCrmError):
    code = "foreign-owner"
    zh = "文件属于其他用户或组（{detail}），当前账户无法保持其所有者，未写入任何内容。请用文件所有者的账户运行，或用 --output 写到副本。"
    en = "the file belongs to another user or group ({detail}) that this account cannot keep; nothing was written. Run as its owner or use --output to write a copy."


class StaleLock(WorkbookCrmError):
    code = "stale-lock"
    zh = "发现残留的锁文件 {detail}（本机的 LibreOffice 已不在运行，可能是上次异常退出留下的）。确认无人打开该文件后删除此锁文件再运行。"
    en = "stale lock file {detail} (LibreOffice is no longer running on this computer; left by a crash). If nobody has the file open, delete the lock file and run again."


class ProtectedSheet(WorkbookCrmError):
    code = "protected-sheet"
    zh = "工作表「{detail}」受保护，需要写入它，未写入任何内容。请在 Excel/WPS 中撤销工作表保护（审阅 → 撤销工作表保护）后再运行，或只运行 validate。"
    en = "sheet '{detail}' is protected and the run would edit it; nothing was written. Unprotect it in Excel/WPS (Review → Unprotect Sheet) and run again, or run validate only."


class LockedStructure(WorkbookCrmError):
    code = "locked-structure"
    zh = "工作簿结构受保护，无法添加工作表「{detail}」，未写入任何内容。请撤销工作簿保护（审阅 → 保护工作簿）后再运行，或只运行 validate。"
    en = "the workbook's structure is protected, so sheet '{detail}' cannot be added; nothing was written. Unprotect the workbook (Review → Protect Workbook) and run again, or run validate only."


class Interrupted(BaseException):
    """SIGTERM/SIGHUP during a run: unwinds like Ctrl-C so temporary files are removed."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


# --- issue #13: the quarterly archive ------------------------------------------------------------
class ArchiveExists(WorkbookCrmError):
    code = "archive-exists"
    zh = "该季度的归档已存在，归档不会被覆盖。如需重做，请先移走它。"
    en = "this quarter's archive already exists and is never overwritten. Move it away to redo it."


class NothingToGrade(WorkbookCrmError):
    """Issue #11: a file with no customer list gets no empty computed sheets written into it."""

    code = "nothing-to-grade"
    zh = "没有可评级的客户：工作簿里没有客户档案或客户名单（读到：{detail}），未写入任何内容。可用 validate / inspect 检查这些表。"
    en = "nothing to grade: the workbook holds no customer list (read: {detail}); nothing was written. validate / inspect check these sheets."


class OutputExists(WorkbookCrmError):
    code = "output-exists"
    zh = "原文件不是 .xlsx，记录要写入新文件，但默认文件名已被占用（{detail}）。请用 --output 指定新文件。"
    en = "the source is not an .xlsx, so the record goes to a new file, but the default names are taken ({detail}). Use --output."
