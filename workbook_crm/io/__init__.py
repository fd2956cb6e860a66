"""Reading: the guarded front door (``guard``) and raw sheet values (``rawread``)."""

from workbook_crm.io.guard import Source, open_source

__all__ = ["Source", "open_source"]
