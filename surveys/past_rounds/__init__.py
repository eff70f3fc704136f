"""Past rounds brought in from the directorate's data files (SPSS .sav, Excel, CSV): reading
(reading), matching rows, columns and values to units, questions and codes (matching), the dry
run and its report (dry_run), and the all-or-nothing import and its removal (services). The rules
are in docs/past-rounds.md."""
