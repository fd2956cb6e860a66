"""`python -m workbook_crm` is the `workbook-crm` command."""

from .cli import main

main()
