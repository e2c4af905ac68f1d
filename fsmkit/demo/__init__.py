"""The built-in demo dataset: a year of a commercial refrigeration and HVAC service company.

Northwind Cooling Service looks after supermarkets, a hospital, a hotel, a data center, restaurants and
a university lab in Germany, the US East Coast and Midwest, London and Sydney. `DATA_DIR` holds the
dataset in the files connector's format (one .jsonl file per record kind); `fsmkit.demo.generate`
writes it, byte for byte the same on every run, and its docstring lists the stories planted in it
(which accounts, assets and work orders to look at for each rule of audit and repeats).

`AS_OF` is the end of the dataset and the demo profile's default "now": nothing in the data happens
after it.
"""

from pathlib import Path

AS_OF = "2026-10-30T16:00:00Z"
DATA_DIR = Path(__file__).parent / "data"
