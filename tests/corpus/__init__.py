"""Real published 自评表 as data: tables/<id>.json, built into workbooks and judged (README.md)."""
