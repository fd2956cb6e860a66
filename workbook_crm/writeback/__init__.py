"""The write-back package editor: edit the user's workbook part by part, never load-and-save it.

``WorkbookEditor`` queues cell values, problem marks and computed sheets and writes a package in
which every part it had no reason to touch keeps its bytes; ``safe_replace`` puts the result in place
(lock and change checks, backup, verify, atomic rename).
"""

from .comments import PREFIX as COMMENT_PREFIX
from .editor import WorkbookEditor
from .safe import lock_files, safe_replace, sha256_file, write_new
from .styles import MARK_RGB
from .targets import check_run_targets, check_summary_target

__all__ = [
    "WorkbookEditor",
    "safe_replace",
    "write_new",
    "sha256_file",
    "lock_files",
    "COMMENT_PREFIX",
    "MARK_RGB",
    "check_run_targets",
    "check_summary_target",
]
