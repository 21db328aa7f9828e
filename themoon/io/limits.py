"""How big a file each importer takes, apart from the importers: the dashboard's Import tab names
these limits before anyone uploads, without importing the readers (openpyxl, and numpy under it)."""

from .excel_format import MAX_XLSX_BYTES

MAX_ALOG_BYTES = 5 * 1024 * 1024  # one Artisan roast log
MAX_CSV_BYTES = 50 * 1024 * 1024  # one POS export

__all__ = ["MAX_ALOG_BYTES", "MAX_CSV_BYTES", "MAX_XLSX_BYTES"]
