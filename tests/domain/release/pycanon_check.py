"""Run by the tests with .venv-pycanon's Python: report k and l of a CSV with pycanon.

    pycanon_check.py DATA.csv QI[,QI...] [SENSITIVE[,SENSITIVE...]]
Prints {"k": ..., "l": ...} as JSON.
"""

import json
import sys

import pandas as pd
from pycanon import anonymity

data = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
qis = sys.argv[2].split(",")
sensitive = sys.argv[3].split(",") if len(sys.argv) > 3 and sys.argv[3] else []
result = {"k": int(anonymity.k_anonymity(data, qis))}
if sensitive:
    result["l"] = int(anonymity.l_diversity(data, qis, sensitive))
print(json.dumps(result))
